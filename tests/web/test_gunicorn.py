"""End to end through a real gunicorn process, real Redis and real HTTP."""

from __future__ import annotations

import pytest

from tests.support.live_server import LiveServer

pytestmark = pytest.mark.slow  # starts processes: left out of `make unit`

ADMIN = "gunicorn-e2e-admin-key"


@pytest.fixture()
def live(redis_server, redis, tmp_path):
    server = LiveServer(redis_server.url, ADMIN, tmp_path / "spool", KINDLY_ACCESS_LOG="1").start()
    yield server
    server.stop()


def test_serve_softens_and_caches_over_http(live):
    body = {
        "draft": "Per my last email, your replacement for order 88213 ships on 4 June.",
        "customer_name": "Maria",
        "customer_message": "I'm confused, which order is this about?",
        "agent_name": "Sam",
    }
    status, first = live.request("POST", "/v1/rewrite", body)
    assert status == 200, first
    assert first["cached"] is False and first["checks"]["passed"]
    assert "88213" in first["rewrite"] and "4 June" in first["rewrite"]
    assert first["rewrite"].startswith(("Hi Maria", "Hello Maria", "Dear Maria"))
    status, second = live.request("POST", "/v1/rewrite", body)
    assert status == 200 and second["cached"] is True
    assert second["rewrite"] == first["rewrite"]


def test_serve_reports_health_and_errors_as_json(live):
    status, health = live.request("GET", "/healthz", auth=False)
    assert status == 200 and health["status"] == "ok"
    status, err = live.request("POST", "/v1/rewrite", {"draft": "x"}, auth="kly_wrong")
    assert status == 401 and err["code"] == 401
    status, err = live.request("POST", "/v1/rewrite", {"channel": "fax"})
    assert status == 422 and {"draft", "channel"} <= set(err["errors"]["json"])


def test_access_log_never_shows_the_key(live):
    live.request("POST", "/v1/rewrite", {"draft": "Order 5 is on its way."})
    live.stop()
    log = live.log.read_text()
    assert "/v1/rewrite" in log
    assert ADMIN not in log
