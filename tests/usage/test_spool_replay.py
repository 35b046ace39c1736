"""Nothing is lost, nothing is doubled: rewrites keep coming over real HTTP while this test's
own redis-server is stopped (or frozen) and brought back; afterwards every rewrite that got a
200 is in the team's usage stream exactly once.

Run with `-s` to see the measured counts.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from api.rewrite.local import warm_up
from api.store import keys as redis_keys
from tests.support.factories import make_app, make_key, make_team
from tests.support.redis_server import RedisServer

# Redis-facing: every test here also runs on a 3-master Redis Cluster.
pytestmark = pytest.mark.cluster_too

REQUESTS = 240
CLIENTS = 4


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # 240 access lines would bury the result
        pass


class Served:
    """The app on a real HTTP server in a thread."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture()
def stack(tmp_path: Path):
    """Its own redis-server (so the shared one is never disturbed), the app, a team key."""
    from api.services import app_services

    server = RedisServer(tmp_path / "redis").start()
    app = make_app(server.url, tmp_path)
    make_team(app, "acme")
    secret = make_key(app, "acme", "agent", "load")
    with app.app_context():
        usage = app_services().usage
    # As the server does before it forks: word lists and models load once, not in the first
    # requests of the load (which would then time out on a busy machine).
    warm_up(app.config["KINDLY_PROMPTS_DIR"])
    served = Served(app)
    yield server, served, usage, secret
    served.close()
    server.stop()


def post_rewrite(base: str, secret: str, n: int) -> tuple[int, str | None]:
    body = json.dumps(
        {"draft": f"Your ticket {n} was closed. You must reopen it.", "customer_name": "Jo"}
    ).encode()
    request = urllib.request.Request(
        f"{base}/v1/rewrite",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {secret}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())["id"]
    except urllib.error.HTTPError as err:
        return err.code, None


def run_load(served: Served, secret: str, outage_start, outage_end) -> list[tuple[int, str]]:
    """REQUESTS rewrites from CLIENTS threads; the outage spans the middle third (by count)."""
    done = 0
    lock = threading.Lock()
    started_outage = threading.Event()
    ended_outage = threading.Event()

    def one(n: int) -> tuple[int, str | None]:
        nonlocal done
        result = post_rewrite(served.url, secret, n)
        with lock:
            done += 1
            if done >= REQUESTS // 3 and not started_outage.is_set():
                started_outage.set()
                outage_start()
            elif done >= 2 * REQUESTS // 3 and not ended_outage.is_set():
                ended_outage.set()
                outage_end()
        return result

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(one, range(REQUESTS)))


def wait_for_replay(usage, expected: int, client) -> list[dict]:
    """Poll (never assert on time) until the spool is drained and the stream has settled."""
    stream = redis_keys.usage_key("acme")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        entries = [json.loads(f["json"]) for _, f in client.xrange(stream)]
        if not usage.spool_files() and len(entries) >= expected:
            return entries
        time.sleep(0.2)
    return [json.loads(f["json"]) for _, f in client.xrange(stream)]


def check_exactly_once(results, entries, usage, label: str) -> None:
    ok_ids = [rid for status, rid in results if status == 200]
    assert len(ok_ids) == REQUESTS, f"some rewrites failed: {[s for s, _ in results if s != 200]}"
    # No request after the outage is needed: the spool's watcher replays on its own.
    logged = [e["request_id"] for e in entries if e["kind"] == "rewrite"]
    spooled = sum(1 for e in entries if e.get("spooled"))
    counts = usage.counters
    print(
        f"\n[{label}] {REQUESTS} rewrites answered 200; {len(logged)} in the stream; "
        f"{counts['spooled']} spooled; {counts['replayed']} replayed; "
        f"{counts['duplicates']} dropped as duplicates"
    )
    assert spooled > 0, "the outage never reached the spool: the test proved nothing"
    assert spooled == counts["replayed"]
    assert counts["spooled"] == counts["replayed"] + counts["duplicates"]
    assert sorted(logged) == sorted(ok_ids), (  # every one, once
        f"not logged: {set(ok_ids) - set(logged)}; not answered: {set(logged) - set(ok_ids)}"
    )
    assert len(set(logged)) == len(logged)


def test_redis_stopped_under_load_loses_and_doubles_nothing(stack):
    server, served, usage, secret = stack

    def stop() -> None:
        server.client().shutdown(save=True)  # keep what was logged before the stop
        server.stop()

    results = run_load(served, secret, stop, server.start)
    entries = wait_for_replay(usage, REQUESTS, server.client())
    check_exactly_once(results, entries, usage, "stop")


def test_redis_frozen_under_load_loses_and_doubles_nothing(stack):
    """A hung Redis runs the writes that timed out once it thaws; those entries were also
    spooled, so the replay must drop them as duplicates."""
    server, served, usage, secret = stack
    results = run_load(served, secret, server.freeze, server.thaw)
    entries = wait_for_replay(usage, REQUESTS, server.client())
    check_exactly_once(results, entries, usage, "freeze")
