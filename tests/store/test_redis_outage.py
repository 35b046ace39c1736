"""A Redis outage degrades features but never fails or hangs a rewrite; recovery is automatic."""

from __future__ import annotations

import time

import pytest

from tests.support.factories import ADMIN_KEY, make_app

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}



@pytest.fixture()
def outage_app(own_redis, tmp_path):
    return make_app(own_redis.url, tmp_path, KINDLY_REDIS_TIMEOUT=0.2)


def post(client, draft):
    started = time.monotonic()
    res = client.post("/v1/rewrite", json={"draft": draft, "customer_name": "Ana"}, headers=ADMIN)
    return res, time.monotonic() - started


def test_redis_stopped_mid_run_then_back(outage_app, own_redis):
    client = outage_app.test_client()
    assert post(client, "Your parcel 7781 left the depot.")[0].get_json()["cached"] is False
    assert post(client, "Your parcel 7781 left the depot.")[0].get_json()["cached"] is True

    own_redis.stop()
    for i in range(5):
        res, _ = post(client, f"Your parcel 7781 left the depot. Ref {i}.")
        assert res.status_code == 200
        body = res.get_json()
        assert body["cached"] is False and body["checks"]["passed"]
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded" and health["redis"] == "unreachable"

    own_redis.start()
    time.sleep(1.1)  # the handle skips Redis for a one-second cool-down after a failure
    assert client.get("/healthz").get_json()["status"] == "ok"
    post(client, "Back again: parcel 7781.")
    assert post(client, "Back again: parcel 7781.")[0].get_json()["cached"] is True


def test_frozen_redis_does_not_hang_requests(outage_app, own_redis):
    client = outage_app.test_client()
    post(client, "Warm-up for order 12.")
    own_redis.freeze()
    try:
        res, _ = post(client, "Your invoice 4410 is attached.")
        assert res.status_code == 200
        assert res.get_json()["checks"]["passed"]
        assert client.get("/healthz").get_json()["status"] == "degraded"
    finally:
        own_redis.thaw()
    time.sleep(1.1)
    assert client.get("/healthz").get_json()["status"] == "ok"


@pytest.fixture()
def ops_auth(outage_app):
    """Headers with an agent key of team 'ops' that the app has verified once with Redis up."""
    from api.services import services

    with outage_app.app_context():
        svc = services()
        svc.teams.ensure_team("ops")
        _, key = svc.teams.create_key("ops", role="agent")
    auth = {"Authorization": f"Bearer {key}"}
    assert outage_app.test_client().post(
        "/v1/rewrite", json={"draft": "Hi."}, headers=auth
    ).status_code == 200
    return auth


def test_known_keys_keep_working_through_an_outage(outage_app, own_redis, ops_auth):
    client = outage_app.test_client()
    auth = ops_auth
    own_redis.stop()
    res = client.post("/v1/rewrite", json={"draft": "Order 99 shipped."}, headers=auth)
    assert res.status_code == 200
    # A key never seen before can't be verified without Redis: refused, not waved through.
    res = client.post("/v1/rewrite", json={"draft": "x"}, headers={"Authorization": "Bearer kly_x"})
    assert res.status_code == 401


def test_remembered_keys_expire_during_a_long_outage(outage_app, own_redis, ops_auth,
                                                    monkeypatch):
    from api.store import teams

    client = outage_app.test_client()
    auth = ops_auth
    own_redis.stop()
    monkeypatch.setattr(teams, "STALE_KEY_SECONDS", 0.0)
    res = client.post("/v1/rewrite", json={"draft": "Order 99 shipped."}, headers=auth)
    assert res.status_code == 401
