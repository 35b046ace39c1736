"""A rewrite made while Redis was unreachable can get feedback once Redis is back: its
spooled entry is replayed with a record, and feedback waits for that replay."""

from __future__ import annotations

import time

import pytest

from tests.support.factories import ADMIN_KEY, make_app

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
DRAFT = "Your parcel 7781 left the depot on 3 May. Pls check the tracking link."



@pytest.fixture()
def outage_app(own_redis, tmp_path):
    from api.services import app_services, ensure_team

    app = make_app(own_redis.url, tmp_path, KINDLY_REDIS_TIMEOUT=0.2)
    with app.app_context():
        ensure_team(app_services(), "default")
    return app


def _wait_for_redis(app) -> None:
    from api.services import app_services

    with app.app_context():
        handle = app_services().redis
        deadline = time.monotonic() + 10
        while not handle.ping() and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.mark.parametrize("outcome", ["accepted", "edited"])
def test_feedback_on_a_rewrite_made_during_an_outage(outage_app, own_redis, outcome):
    client = outage_app.test_client()
    own_redis.freeze()
    try:
        made = client.post("/v1/rewrite", json={"draft": DRAFT}, headers=ADMIN)
    finally:
        own_redis.thaw()
    assert made.status_code == 200
    _wait_for_redis(outage_app)
    body = {"outcome": outcome}
    if outcome == "edited":
        body["sent_text"] = made.json["rewrite"] + " Have a good day."
    res = client.post(f"/v1/rewrites/{made.json['id']}/feedback", json=body, headers=ADMIN)
    assert res.status_code == 201, res.get_json()
    if outcome == "edited":
        assert res.json["edit_distance"] == 4  # counted against the rewrite made offline


def test_an_unknown_id_is_still_a_404_after_the_replay(outage_app, own_redis):
    client = outage_app.test_client()
    own_redis.freeze()
    try:
        assert client.post("/v1/rewrite", json={"draft": DRAFT}, headers=ADMIN).status_code == 200
    finally:
        own_redis.thaw()
    _wait_for_redis(outage_app)
    res = client.post(
        "/v1/rewrites/rw_0123456789abcdef0123/feedback", json={"outcome": "accepted"},
        headers=ADMIN,
    )
    assert res.status_code == 404
