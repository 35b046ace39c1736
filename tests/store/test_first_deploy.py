"""The documented first deploy: an empty Redis, KINDLY_ADMIN_KEY set, `kindly serve`; then
POST /v1/keys works (the default team is made at serve start and on first need)."""

from __future__ import annotations

import pytest

from tests.support.factories import ADMIN_KEY
from tests.support.live_server import LiveServer
from tests.support.redis_server import RedisServer

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def test_the_first_key_creates_the_default_team_on_an_empty_redis(client, redis):
    assert redis.keys("*") == []
    res = client.post("/v1/keys", json={"role": "agent", "label": "first"}, headers=ADMIN)
    assert res.status_code == 201, res.get_json()
    agent = {"Authorization": f"Bearer {res.json['secret']}"}
    again = client.post("/v1/keys", json={"role": "agent"}, headers=ADMIN)
    assert again.status_code == 201  # idempotent: the team is not made twice
    rewrite = client.post("/v1/rewrite", json={"draft": "Order 7 shipped."}, headers=agent)
    assert rewrite.status_code == 200, rewrite.get_json()  # the default presets are there


@pytest.mark.slow
def test_kindly_serve_on_an_empty_redis_then_post_keys(tmp_path):
    redis = RedisServer(tmp_path / "redis").start()
    server = LiveServer(redis.url, ADMIN_KEY, tmp_path / "spool")
    try:
        server.start(workers=1, threads=2)
        status, body = server.request("POST", "/v1/keys", {"role": "team_admin"})
        assert status == 201, body
        status, body = server.request("POST", "/v1/rewrite", {"draft": "Order 7 shipped."})
        assert status == 200, body
    finally:
        server.stop()
        redis.stop()
