"""Chooses gunicorn's worker settings for 2 cores: cache-hit throughput of Kindly per setting
(with the bare app under the same setting as each one's baseline), and the same load while 8
connections are held open the way streaming responses (SSE) hold them.

Every setting's Kindly and bare servers run side by side on one Redis; each round measures
every (setting, load) pair, in a rotated order, so the settings are compared within rounds.
"held/free" is Kindly's req/s with the 8 held connections divided by its req/s without them,
in the same round: ~1 means streams don't starve other requests, ~0 means they do.

Run: .venv/bin/python bench/worker_settings.py [--quick]
     [--settings gthread:2x16,gthread:2x8,sync:5x1,...] [--rounds 4] [--seconds 4] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cache_hit import PATH, auth_headers, load_once, prime_cache, request_body
from bench.load import HeldConnections, LoadResult, load_tool
from bench.servers import ServedApp, WorkerSettings, create_agent_key, start_app
from bench.stats import fmt_spread, round_orders
from tests.support.redis_server import RedisServer

DEFAULT_SETTINGS = "gthread:2x16,gthread:2x8,gthread:3x8,gthread:4x4,gthread:3x4,sync:2x1,sync:5x1"
HELD = 8


def run(
    settings: list[WorkerSettings],
    rounds: int = 4,
    seconds: float = 4,
    connections: int = 8,
) -> dict:
    body = request_body()
    labels = [s.label for s in settings]
    runs: dict[str, dict[str, list[LoadResult]]] = {
        label: {"bare": [], "kindly": [], "kindly_held": []} for label in labels
    }
    with tempfile.TemporaryDirectory(prefix="kindly-bench-") as tmp:
        redis_server = RedisServer(Path(tmp) / "redis").start()
        served: list[ServedApp] = []
        try:
            headers = auth_headers(create_agent_key(redis_server.url, Path(tmp)))
            apps: dict[str, dict[str, ServedApp]] = {}
            for i, setting in enumerate(settings):
                workdir = Path(tmp) / f"s{i}"
                kindly = start_app("kindly", setting, workdir / "kindly", redis_server.url)
                served.append(kindly)
                bare = start_app("bare", setting, workdir / "bare")
                served.append(bare)
                apps[setting.label] = {"kindly": kindly, "bare": bare}
                prime_cache(kindly, body, headers)
                for app in (kindly, bare):
                    load_once(app, body, headers, connections, 1)
            loads = round_orders(["bare", "kindly", "kindly_held"], rounds)
            for r, order in enumerate(round_orders(labels, rounds)):
                for label in order:
                    for load in loads[r]:
                        runs[label][load].append(
                            _measure(apps[label], load, body, headers, connections, seconds)
                        )
        finally:
            for app in served:
                app.stop()
            redis_server.stop()
    return {
        "settings": labels,
        "rounds": rounds,
        "seconds_per_run": seconds,
        "connections": connections,
        "held_connections": HELD,
        "load_tool": load_tool(),
        "results": {label: _summary(per) for label, per in runs.items()},
    }


def _measure(
    apps: dict[str, ServedApp],
    load: str,
    body: str,
    headers: dict[str, str],
    connections: int,
    seconds: float,
) -> LoadResult:
    if load == "bare":
        return load_once(apps["bare"], body, headers, connections, seconds)
    if load == "kindly":
        return load_once(apps["kindly"], body, headers, connections, seconds)
    with HeldConnections(apps["kindly"].port, PATH, body, headers, HELD):
        return load_once(apps["kindly"], body, headers, connections, seconds)


def _summary(per: dict[str, list[LoadResult]]) -> dict:
    out: dict = {
        name: {
            "rps": [r.rps for r in results],
            "p50_ms": [r.p50_ms for r in results],
            "p99_ms": [r.p99_ms for r in results],
            "errors": sum(r.bad_status + r.failures for r in results),
            "runs": [asdict(r) for r in results],
        }
        for name, results in per.items()
    }
    kindly, bare, held = per["kindly"], per["bare"], per["kindly_held"]
    out["kindly_over_bare"] = [k.rps / b.rps for k, b in zip(kindly, bare, strict=True)]
    out["held_over_free"] = [h.rps / k.rps for h, k in zip(held, kindly, strict=True)]
    return out


def report(result: dict) -> str:
    lines = [
        f"worker settings: {result['rounds']} rounds x {result['seconds_per_run']:g} s per run, "
        f"{result['connections']} clients ({result['load_tool']}), cache hits; "
        f"'held' = {result['held_connections']} connections held open during the run",
        f"{'setting':<13} {'kindly req/s':>18} {'bare req/s':>11} {'kindly/bare':>17}"
        f" {'p99 ms':>7} {'held req/s':>11} {'held/free':>17} {'held p99':>9}",
    ]
    for label, row in result["results"].items():
        lines.append(
            f"{label:<13} {fmt_spread(row['kindly']['rps'], 0):>18}"
            f" {statistics.median(row['bare']['rps']):>11.0f}"
            f" {fmt_spread(row['kindly_over_bare']):>17}"
            f" {statistics.median(row['kindly']['p99_ms']):>7.1f}"
            f" {statistics.median(row['kindly_held']['rps']):>11.0f}"
            f" {fmt_spread(row['held_over_free']):>17}"
            f" {statistics.median(row['kindly_held']['p99_ms']):>9.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 2 s")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="comma-separated list")
    parser.add_argument("--json", action="store_true", help="print the raw result as JSON")
    args = parser.parse_args(argv)
    settings = [WorkerSettings.parse(s) for s in args.settings.split(",")]
    if args.quick:
        result = run(settings, rounds=2, seconds=2)
    else:
        result = run(settings, rounds=args.rounds, seconds=args.seconds)
    print(json.dumps(result, indent=2) if args.json else report(result))
    return result


if __name__ == "__main__":
    main()
