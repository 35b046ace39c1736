"""Runs every Kindly benchmark in turn and prints their reports (`make bench`).

Run: .venv/bin/python bench/run_all.py [--quick] [--only offline_engine,cache_hit,...]
     [--json-out results.json]
--quick: fewer drafts/rounds and shorter load runs (about 2 minutes instead of about 10);
good for checking the harness, not for numbers to write down.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (
    cache_hit,
    llm_overhead,
    memory,
    offline_engine,
    old_tree,
    single_flight,
    slow_clients,
    worker_settings,
)
from bench.stats import percentile, spread

# name -> (module, its arguments for --quick, its arguments for a full run)
BENCHMARKS = {
    "cache_hit": (cache_hit, ["--quick"], []),
    "llm_overhead": (llm_overhead, ["--rounds", "40"], ["--rounds", "150"]),
    "memory": (memory, ["--quick"], []),
    "slow_clients": (slow_clients, ["--quick"], []),
    "offline_engine": (offline_engine, ["--quick"], []),
    "single_flight": (single_flight, ["--quick"], []),
    "worker_settings": (worker_settings, ["--quick"], []),
    "old_tree": (old_tree, ["--quick"], []),
}
# What `make bench` runs (about 7 minutes on 2 cores; old_tree builds its venv once, +30 s); the
# others with --only.
DEFAULT = "cache_hit,llm_overhead,memory,slow_clients,old_tree"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (checks the harness)")
    parser.add_argument("--only", default=DEFAULT, help=f"comma-separated, of {list(BENCHMARKS)}")
    parser.add_argument("--json-out", type=Path, help="also write every raw result here")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {list(BENCHMARKS)}")
    print(
        f"# Kindly benchmarks {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
        + (" (quick)" if args.quick else "")
    )
    results = {}
    for name in names:
        started = time.monotonic()
        print(f"\n## {name}", flush=True)
        module, quick_args, full_args = BENCHMARKS[name]
        results[name] = module.main(quick_args if args.quick else full_args)
        print(f"[{time.monotonic() - started:.0f} s]", flush=True)
    print("\n" + summary(results), flush=True)
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2))


def summary(results: dict) -> str:
    """The Done-when table of issue 13, from this run's results."""
    rows = ["## Summary (this run)", "", "| goal | measured | target |", "|---|---|---|"]
    if "cache_hit" in results:
        ratios = results["cache_hit"]["rps_ratio"]
        s = spread(ratios)
        rows.append(
            f"| cache hit req/s vs floor (Flask + 1 Redis GET) | {s['median']:.2f} "
            f"({s['min']:.2f}..{s['max']:.2f}; rounds "
            + ", ".join(f"{r:.2f}" for r in ratios)
            + ") | >= 0.6 |"
        )
    if "llm_overhead" in results:
        samples = results["llm_overhead"]["samples"]
        added = percentile(samples["kindly"], 50) - percentile(samples["direct_sdk"], 50)
        rows.append(
            f"| model path added p50 vs a direct openai SDK call | {added:+.1f} ms | <= 3 ms |"
        )
    if "memory" in results:
        worst = max(a["uss"] for a in results["memory"]["gc.freeze"]["after"].values())
        hits = results["memory"]["gc.freeze"]["requests"]
        rows.append(
            f"| worker private memory (USS) after {hits} hits | {worst / 1024:.1f} MB | < 30 MB |"
        )
    if "old_tree" in results:
        old = results["old_tree"]
        for what, key in (("cache hit req/s", "hit_ratio"), ("offline miss p50", "miss_ratio")):
            s = spread(old[key])
            rows.append(
                f"| issue 9: HEAD / old tree {old['old_commit']}, {what} | {s['median']:.2f} "
                f"({s['min']:.2f}..{s['max']:.2f}; rounds "
                + ", ".join(f"{r:.2f}" for r in old[key])
                + ") | "
                + (">= 1 (no regression) |" if key == "hit_ratio" else "<= 1 (no regression) |")
            )
    if "slow_clients" in results:
        series = results["slow_clients"]["samples"]["kindly worker"]
        delay = percentile(series["slow"], 50) - percentile(series["free"], 50)
        rows.append(
            f"| normal rewrite delayed by 64 slow clients (p50; worst {max(series['slow']):.2f} s) "
            f"| {delay * 1000:+.0f} ms | <= 1 s |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    main()
