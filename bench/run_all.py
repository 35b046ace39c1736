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

from bench import cache_hit, llm_overhead, offline_engine, single_flight, worker_settings

# name -> (module, its arguments for --quick, its arguments for a full run)
BENCHMARKS = {
    "offline_engine": (offline_engine, ["--quick"], []),
    "single_flight": (single_flight, ["--quick"], []),
    "cache_hit": (cache_hit, ["--quick"], []),
    "worker_settings": (worker_settings, ["--quick"], []),
    "llm_overhead": (llm_overhead, ["--rounds", "40"], []),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (checks the harness)")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated names")
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
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
