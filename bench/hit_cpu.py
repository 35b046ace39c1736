"""CPU per cache hit in one process: Kindly's WSGI app against the floor (bench/bare_app.py),
alternated round by round, without gunicorn, against a real redis-server and a stored key.

Measures what each change to the hit's Python path buys (`--profile` prints where the time
goes, cProfile on a CPU clock). Run: .venv/bin/python bench/hit_cpu.py [--calls 2000]
[--rounds 5] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bare_app import FLOOR_KEY, create_bare_app
from bench.cache_hit import request_body
from bench.servers import create_agent_key, kindly_env
from tests.support.redis_server import RedisServer


def _caller(app: Any, path: str, body: bytes, key: str) -> Any:
    def call() -> bytes:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "SERVER_NAME": "bench",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json",
            "HTTP_AUTHORIZATION": "Bearer " + key,
        }
        return b"".join(app(environ, lambda *_: None))

    return call


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="kindly-hit-cpu-"))
    redis_server = RedisServer(tmp / "redis").start()
    try:
        os.environ.update(kindly_env(redis_server.url, tmp))
        key = create_agent_key(redis_server.url, tmp)
        from api import create_app

        body = request_body().encode()
        kindly = _caller(create_app(), "/v1/rewrite", body, key)
        kindly()
        hit = kindly()
        if b'"cached":true' not in hit:
            raise RuntimeError(f"not a cache hit: {hit[:200]!r}")
        redis_server.client().set(FLOOR_KEY, hit)
        floor = _caller(create_bare_app(), "/v1/floor", body, key)
        floor()
        series: dict[str, list[float]] = {"kindly": [], "floor": []}
        for _ in range(args.rounds):
            for name, call in (("kindly", kindly), ("floor", floor)):
                started = time.process_time()
                for _ in range(args.calls):
                    call()
                series[name].append((time.process_time() - started) / args.calls * 1e6)
        for name, values in series.items():
            print(f"{name:<7} us CPU per hit: " + ", ".join(f"{v:.0f}" for v in values))
        ratios = [f / k for f, k in zip(series["floor"], series["kindly"], strict=True)]
        print("floor/kindly per round: " + ", ".join(f"{r:.2f}" for r in ratios))
        print(f"load average: {os.getloadavg()[0]:.1f}")
        if args.profile:
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for _ in range(args.calls):
                kindly()
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(40)
    finally:
        redis_server.stop()


if __name__ == "__main__":
    main()
