"""Slow clients against the server settings: 64 connections send a rewrite's headers and
then its body at 1 byte per second, while one client makes normal rewrites (new drafts,
offline engine) one after another. Kindly's worker (gthread that reads requests whole before
a thread takes them, api/server/worker.py) against plain gthread, both 2x16 as in the Procfile;
each round measures both, with and without the slow clients, in a rotated order.

Reported: the normal rewrite's p50 and worst latency, and how many got no answer within the
5 s client timeout. "Delay" is the p50 with slow clients minus the p50 without.

Run: .venv/bin/python bench/slow_clients.py [--quick] [--rounds 3] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cache_hit import PATH, auth_headers
from bench.load import HeldConnections
from bench.servers import ServedApp, WorkerSettings, create_agent_key, start_app
from bench.stats import round_orders
from tests.support.redis_server import RedisServer

SLOW = 64
TIMEOUT = 5.0
WORKERS = {"kindly worker": "buffering", "plain gthread": "gthread"}


def normal_rewrites(port: int, headers: dict[str, str], count: int, tag: str) -> list[float]:
    """Seconds per rewrite (TIMEOUT + 1 for one that got no answer in time)."""
    times = []
    for n in range(count):
        body = json.dumps({"draft": f"Order {tag}-{n} {time.time_ns()} shipped. Pls wait."})
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        try:
            conn.request("POST", PATH, body, {"Content-Type": "application/json", **headers})
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except OSError:
            ok = False
        finally:
            conn.close()
        times.append(time.perf_counter() - started if ok else TIMEOUT + 1)
    return times


def run(rounds: int = 3, per_round: int = 10) -> dict:
    settings = WorkerSettings("gthread", 2, 16)
    samples: dict[str, dict[str, list[float]]] = {
        name: {"free": [], "slow": []} for name in WORKERS
    }
    with tempfile.TemporaryDirectory(prefix="kindly-bench-") as tmp:
        redis_server = RedisServer(Path(tmp) / "redis").start()
        apps: dict[str, ServedApp] = {}
        try:
            headers = auth_headers(create_agent_key(redis_server.url, Path(tmp)))
            for name, worker in WORKERS.items():
                apps[name] = start_app(
                    "kindly", settings, Path(tmp) / worker, redis_server.url,
                    env={"KINDLY_WORKER": worker},
                )
                normal_rewrites(apps[name].port, headers, 4, "warm")
            for r, order in enumerate(round_orders(list(WORKERS), rounds), start=1):
                for name in order:
                    port = apps[name].port
                    samples[name]["free"] += normal_rewrites(port, headers, per_round, f"f{r}")
                    with HeldConnections(port, PATH, '{"draft": "x"}', headers, SLOW, 1.0):
                        time.sleep(1.5)
                        samples[name]["slow"] += normal_rewrites(
                            port, headers, per_round, f"s{r}"
                        )
                    this_round = {k: v[-per_round:] for k, v in samples[name].items()}
                    print(f"  round {r} {name}: " + _line(this_round), flush=True)
        finally:
            for app in apps.values():
                app.stop()
            redis_server.stop()
    return {"rounds": rounds, "per_round": per_round, "slow_clients": SLOW, "samples": samples}


def _line(series: dict[str, list[float]]) -> str:
    free, slow = series["free"], series["slow"]
    timeouts = sum(1 for t in slow if t > TIMEOUT)
    return (
        f"p50 {statistics.median(free) * 1000:.0f} ms alone, "
        f"{statistics.median(slow) * 1000:.0f} ms with {SLOW} slow clients "
        f"(worst {max(slow) * 1000:.0f} ms, {timeouts}/{len(slow)} no answer in {TIMEOUT:g} s)"
    )


def report(result: dict) -> str:
    lines = [
        f"Slow clients: {result['slow_clients']} bodies at 1 byte/s; normal rewrites, "
        f"{result['rounds']} rounds x {result['per_round']} (Procfile settings, 2x16)"
    ]
    for name, series in result["samples"].items():
        delay = statistics.median(series["slow"]) - statistics.median(series["free"])
        lines.append(f"{name:<14} {_line(series)}; delay {delay * 1000:+.0f} ms")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 5")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(2, 5) if args.quick else run(args.rounds)
    print(json.dumps(result, indent=2) if args.json else report(result))
    return result


if __name__ == "__main__":
    main()
