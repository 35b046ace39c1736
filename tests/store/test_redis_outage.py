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
    from api.services import app_services

    with outage_app.app_context():
        svc = app_services()
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
    # A key this worker never saw can't be checked without Redis: "try again" (503), never
    # "invalid" (401), which would tell an agent with a good key to change it.
    for unknown in ("kly_x", "kk_ops_0123456789ab_" + "0" * 40):
        res = client.post(
            "/v1/rewrite", json={"draft": "x"}, headers={"Authorization": f"Bearer {unknown}"}
        )
        assert res.status_code == 503 and res.headers["Retry-After"]


def test_remembered_keys_expire_during_a_long_outage(outage_app, own_redis, ops_auth,
                                                    monkeypatch):
    from api.store import trust

    client = outage_app.test_client()
    auth = ops_auth
    own_redis.stop()
    monkeypatch.setattr(trust, "TRUST_SECONDS", 0.0)
    res = client.post("/v1/rewrite", json={"draft": "Order 99 shipped."}, headers=auth)
    assert res.status_code == 503 and res.headers["Retry-After"]


def _second_worker(own_redis, tmp_path, host: str = "."):
    """Another app on the same Redis: what another gunicorn worker (or the CLI) of this host
    is; with `host`, a worker of another host (its own var dir, so its own trust file)."""
    from api import create_app

    return create_app({
        "TESTING": True,
        "REDIS_URL": own_redis.url,
        "KINDLY_ENGINE": "offline",
        "KINDLY_SPOOL_DIR": tmp_path / host / "spool2",
        "KINDLY_REDIS_TIMEOUT": 0.2,
    })


def _forgotten(app, auth, timeout: float = 5.0) -> bool:
    """Wait (bounded) until `app`'s worker no longer remembers the key in `auth`."""
    from api.services import app_services
    from api.store.teams import hash_key

    digest = hash_key(auth["Authorization"].split(" ", 1)[1])
    with app.app_context():
        store = app_services().teams
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if store.trust.vouch(digest) is None:
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("outage", ["stopped", "frozen"])
@pytest.mark.parametrize("host", [".", "elsewhere"])
def test_a_key_revoked_elsewhere_stays_refused_through_an_outage(
    outage_app, own_redis, ops_auth, tmp_path, outage, host
):
    """Revoked through another worker of this host or another host (or the CLI) while Redis
    is up; then Redis goes away. The worker that had used the key refuses it (503)."""
    from api.services import app_services

    client = outage_app.test_client()
    other = _second_worker(own_redis, tmp_path, host)
    with other.app_context():
        svc = app_services()
        [record] = svc.teams.list_keys("ops")
        assert svc.teams.revoke_key(record["id"], "ops")
    assert _forgotten(outage_app, ops_auth)
    assert client.post("/v1/rewrite", json={"draft": "Hi."}, headers=ops_auth).status_code == 401
    own_redis.stop() if outage == "stopped" else own_redis.freeze()
    for draft in ("Order 99 shipped.", "Order 100 shipped."):
        res = client.post("/v1/rewrite", json={"draft": draft}, headers=ops_auth)
        assert res.status_code == 503 and res.headers["Retry-After"]


def _reconnected(app) -> bool:
    """Wait (bounded) until `app`'s revocation listener is connected and caught up again."""
    from api.services import app_services

    with app.app_context():
        store = app_services().teams
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if store._listening:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("data", ["kept", "lost"])
def test_a_worker_that_reconnects_keeps_only_what_it_can_still_vouch_for(
    outage_app, own_redis, ops_auth, data
):
    """Redis restarts. With its data kept, the listener reconnects, finds no revocation it
    missed, and the key it confirmed before still works when Redis goes away again. With
    its data lost (another epoch), the worker can't tell what was revoked: it trusts nothing."""
    client = outage_app.test_client()
    if data == "kept":
        own_redis.client().shutdown(save=True)
    own_redis.stop()
    own_redis.start()
    assert _reconnected(outage_app)
    own_redis.freeze()
    try:
        res = client.post("/v1/rewrite", json={"draft": "Order 7 shipped."}, headers=ops_auth)
        assert res.status_code == (200 if data == "kept" else 503)
    finally:
        own_redis.thaw()
