"""Benchmark (b): cache-hit POST /v1/rewrite through real gunicorn vs the floor of a Flask
cache hit, under the same gunicorn settings (the Procfile's), alternated round by round.

Starts a real redis-server, Kindly (`kindly serve`, offline engine) and bench/bare_app.py
(same `gunicorn_options`). The floor is bare_app's POST /v1/floor: parse the JSON body, one
Redis GET of the same cached JSON Kindly answers, return it. Kindly gets an agent key made
with `kindly keys create` (so each request checks a stored key, as the extension's do) and its
cache is primed with one ~1 KB draft; then equal-length load runs (8 keep-alive clients, wrk
if installed) alternate between the two. The ratio Kindly/floor per round is the headline
(every round is printed); its min..max over rounds is the spread.

Run: .venv/bin/python bench/cache_hit.py [--quick] [--settings gthread:2x16] [--json]
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

from bench.bare_app import FLOOR_KEY
from bench.drafts import make_drafts
from bench.load import LoadResult, load_tool, post_load
from bench.servers import ServedApp, WorkerSettings, create_agent_key, post_json, start_app
from bench.stats import fmt_spread, round_orders
from tests.support.redis_server import RedisServer

PATH = "/v1/rewrite"
FLOOR_PATH = "/v1/floor"


def request_body() -> str:
    """The JSON body both servers get: one ~1 KB generated draft with its context."""
    sample = make_drafts(1, seed=11)[0]
    return json.dumps(
        {
            "draft": sample.draft,
            "customer_name": sample.customer_name or "Maria",
            "agent_name": sample.agent_name or "Dana",
            "customer_message": sample.customer_message,
        }
    )


def auth_headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def prime_cache(kindly: ServedApp, body: str, headers: dict[str, str]) -> dict:
    """First call computes and stores; the second must come back from the cache."""
    for attempt in ("miss", "hit"):
        status, answer = post_json(kindly.port, PATH, json.loads(body), headers)
        if status != 200:
            raise RuntimeError(f"Kindly answered {status} on the {attempt}: {answer}")
    if not answer.get("cached"):
        raise RuntimeError(f"the second identical request was not a cache hit: {answer}")
    return answer


def prime_floor(redis_client, hit: dict) -> None:
    """The floor answers the same JSON a Kindly hit does, from one Redis GET."""
    redis_client.set(FLOOR_KEY, json.dumps(hit))


def load_once(
    app: ServedApp,
    body: str,
    headers: dict[str, str],
    connections: int,
    seconds: float,
    path: str = PATH,
) -> LoadResult:
    """Both servers get the same body and headers."""
    return post_load(app.port, path, body, headers, connections, seconds)


def summarize(runs: dict[str, list[LoadResult]], baseline: str, contender: str) -> dict:
    """Per-contender medians over rounds and per-round ratios contender/baseline."""
    out: dict = {"rounds": {k: [asdict(r) | {"rps": r.rps} for r in v] for k, v in runs.items()}}
    for name, results in runs.items():
        out[name] = {
            "rps": statistics.median(r.rps for r in results),
            "p50_ms": statistics.median(r.p50_ms for r in results),
            "p99_ms": statistics.median(r.p99_ms for r in results),
            "bad_status": sum(r.bad_status for r in results),
            "failures": sum(r.failures for r in results),
        }
    pairs = list(zip(runs[contender], runs[baseline], strict=True))
    out["rps_ratio"] = [c.rps / b.rps for c, b in pairs]
    out["p50_ratio"] = [c.p50_ms / b.p50_ms for c, b in pairs]
    return out


def run(
    settings: WorkerSettings | None = None,
    rounds: int = 6,
    seconds: float = 5,
    connections: int = 8,
) -> dict:
    settings = settings or WorkerSettings("gthread", 2, 16)
    body = request_body()
    runs: dict[str, list[LoadResult]] = {"floor": [], "kindly": []}
    paths = {"floor": FLOOR_PATH, "kindly": PATH}
    with tempfile.TemporaryDirectory(prefix="kindly-bench-") as tmp:
        redis_server = RedisServer(Path(tmp) / "redis").start()
        served: list[ServedApp] = []
        try:
            headers = auth_headers(create_agent_key(redis_server.url, Path(tmp)))
            apps = {
                "kindly": start_app("kindly", settings, Path(tmp) / "kindly", redis_server.url),
                "floor": start_app("bare", settings, Path(tmp) / "floor", redis_server.url),
            }
            served = list(apps.values())
            prime_floor(redis_server.client(), prime_cache(apps["kindly"], body, headers))
            for name, app in apps.items():  # warm-up: imports, connections, pools
                load_once(app, body, headers, connections, 1, paths[name])
            for r, order in enumerate(round_orders(list(runs), rounds), start=1):
                for name in order:
                    runs[name].append(
                        load_once(apps[name], body, headers, connections, seconds, paths[name])
                    )
                k, f = runs["kindly"][-1], runs["floor"][-1]
                print(
                    f"  round {r}: floor {f.rps:.0f} req/s, kindly {k.rps:.0f} req/s, "
                    f"ratio {k.rps / f.rps:.2f}; p50 {f.p50_ms:.2f} / {k.p50_ms:.2f} ms",
                    flush=True,
                )
        finally:
            for app in served:
                app.stop()
            redis_server.stop()
    result = summarize(runs, baseline="floor", contender="kindly")
    result.update(
        {
            "settings": settings.label,
            "connections": connections,
            "seconds_per_run": seconds,
            "round_count": rounds,
            "load_tool": load_tool(),
            "body_bytes": len(body.encode()),
        }
    )
    return result


def report(result: dict) -> str:
    lines = [
        f"(b) cache-hit POST {PATH} vs the floor (Flask + one Redis GET), "
        f"gunicorn {result['settings']}, {result['connections']} "
        f"clients ({result['load_tool']}), {result['round_count']} alternated rounds of "
        f"{result['seconds_per_run']:g} s, body {result['body_bytes']} B",
        f"{'server':<8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}",
    ]
    for name in ("floor", "kindly"):
        row = result[name]
        lines.append(
            f"{name:<8} {row['rps']:>8.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f}"
            f" {row['bad_status'] + row['failures']:>7}"
        )
    lines.append(
        f"Kindly/floor req/s: {fmt_spread(result['rps_ratio'])} "
        f"(rounds: {', '.join(f'{r:.2f}' for r in result['rps_ratio'])}); "
        f"p50 latency x{fmt_spread(result['p50_ratio'])}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 2 s")
    parser.add_argument("--settings", default="gthread:2x16", help="worker class:WORKERSxTHREADS")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print the raw result as JSON")
    args = parser.parse_args(argv)
    settings = WorkerSettings.parse(args.settings)
    if args.quick:
        result = run(settings, rounds=3, seconds=2, connections=args.connections)
    else:
        result = run(settings, connections=args.connections)
    print(json.dumps(result, indent=2) if args.json else report(result))
    return result


if __name__ == "__main__":
    main()
