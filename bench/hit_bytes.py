"""What a cache hit leaves in Redis: memory and keys added per hit over many hits, against a
real redis-server, with a stored agent key (limits raised so that every hit is served).

Run: .venv/bin/python bench/hit_bytes.py [--hits 2000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis as redis_py

from tests.support.factories import bearer, make_app, make_key, make_team
from tests.support.redis_server import RedisServer

DRAFT = "As I said, you failed to send the order number 5512. Pls DM us ASAP."


def measure(hits: int) -> dict[str, float]:
    """Bytes of Redis memory and keys added per hit, and the statuses the hits got."""
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp) / "redis").start()
        try:
            app = make_app(
                server.url,
                Path(tmp),
                KINDLY_RATE_KEY_PER_MIN=10 * hits,
                KINDLY_RATE_TEAM_PER_MIN=10 * hits,
            )
            make_team(app, "acme")
            headers = bearer(make_key(app, "acme"))
            client = app.test_client()
            r = redis_py.Redis.from_url(server.url)
            for _ in range(2):  # the miss, then one hit: both leave their one-off keys
                client.post("/v1/rewrite", json={"draft": DRAFT}, headers=headers)
            memory, keys = r.info("memory")["used_memory"], r.dbsize()
            statuses = Counter(
                client.post("/v1/rewrite", json={"draft": DRAFT}, headers=headers).status_code
                for _ in range(hits)
            )
            return {
                "bytes_per_hit": (r.info("memory")["used_memory"] - memory) / hits,
                "keys_per_hit": (r.dbsize() - keys) / hits,
                "served": statuses[200] / hits,
            }
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hits", type=int, default=2000)
    result = measure(parser.parse_args().hits)
    print(
        f"{result['bytes_per_hit']:.0f} bytes and {result['keys_per_hit']:.3f} keys of Redis "
        f"per cache hit ({result['served']:.0%} of hits served)"
    )


if __name__ == "__main__":
    main()
