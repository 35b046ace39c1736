"""No draft or rewrite text reaches Redis unless the team stores texts, watched with MONITOR
on the real redis-server; and a cache hit adds only a small entry and a small record."""

from __future__ import annotations

import json
import threading

import pytest
import redis as redis_client

from api.store import keys as redis_keys

DRAFT = (
    "Per my last email, the quokka invoice 5521 for Zanzibar was settled on 3 May. "
    "Pls check your acct, the marmalade refund of $42.50 is there."
)
SENTINEL = "monitor-test-done"


class Monitor:
    """Every command Redis receives while it runs (its arguments as MONITOR prints them)."""

    def __init__(self, url: str) -> None:
        # No read timeout: the monitor connection is quiet while the app works.
        self.redis = redis_client.Redis.from_url(url, decode_responses=True, socket_timeout=None)
        self.lines: list[str] = []
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        with self.redis.monitor() as monitor:
            self._ready.set()
            for command in monitor.listen():
                line = command["command"]
                if SENTINEL in line:
                    return
                self.lines.append(line)

    def __enter__(self) -> Monitor:
        self._thread.start()
        self._ready.wait(5)
        self.redis.ping()
        return self

    def __exit__(self, *exc: object) -> None:
        self.redis.echo(SENTINEL)
        self._thread.join(10)


@pytest.fixture()
def lead(app, team_key) -> dict[str, str]:
    from api.services import app_services

    with app.app_context():
        _, secret = app_services().teams.create_key("acme", role="team_admin", label="lead")
    return {"Authorization": f"Bearer {secret}"}


def _usage_lines(lines: list[str]) -> list[str]:
    stream = redis_keys.usage_key("acme")
    return [line for line in lines if stream in line]


def test_no_text_reaches_the_usage_log_when_the_team_does_not_store_texts(
    client, auth, redis_server
):
    with Monitor(redis_server.url) as watched:
        first = client.post("/v1/rewrite", json={"draft": DRAFT}, headers=auth)
        again = client.post("/v1/rewrite", json={"draft": DRAFT}, headers=auth)
    assert first.status_code == again.status_code == 200 and again.json["cached"]
    rewrite = first.json["rewrite"]
    assert rewrite != DRAFT
    # Only the rewrite cache holds the rewrite (that is what it is for); nothing else
    # receives a word of either text.
    cache = redis_keys.cache_key("acme", "")
    others = [line for line in watched.lines if cache not in line]
    assert others and not any("quokka" in line or "marmalade" in line for line in others)
    usage = _usage_lines(watched.lines)
    assert len(usage) >= 2  # the two usage-log writes were seen
    for line in usage:
        assert "quokka" not in line and "marmalade" not in line and "Zanzibar" not in line


def test_texts_are_sent_when_the_team_stores_them(client, auth, lead, redis_server):
    on = client.put("/v1/admin/settings", json={"store_texts": True}, headers=lead)
    assert on.status_code == 200
    with Monitor(redis_server.url) as watched:
        assert client.post("/v1/rewrite", json={"draft": DRAFT}, headers=auth).status_code == 200
    assert any("quokka" in line for line in _usage_lines(watched.lines))


def test_a_cache_hit_adds_one_small_entry_and_no_key(client, auth, redis):
    first = client.post("/v1/rewrite", json={"draft": DRAFT}, headers=auth).json
    keys_before = set(redis.keys("*"))
    hits = [
        client.post("/v1/rewrite", json={"draft": DRAFT}, headers=auth).json for _ in range(5)
    ]
    assert all(hit["cached"] for hit in hits)
    assert set(redis.keys("*")) == keys_before  # no record of its own: feedback reads the entry
    _, fields = redis.xrevrange(redis_keys.usage_key("acme"), count=1)[0]
    assert json.loads(fields["json"])["request_id"] == hits[-1]["id"]
    assert first["rewrite"].split()[1] not in fields["json"]
    # A few hundred bytes: the entry and the request id in the dedupe set.
    assert len(fields["json"]) + len(hits[-1]["id"]) < 500, fields["json"]


def test_feedback_on_a_cache_hit_counts_word_edits_against_the_cached_rewrite(client, auth):
    client.post("/v1/rewrite", json={"draft": DRAFT}, headers=auth)
    hit = client.post("/v1/rewrite", json={"draft": DRAFT}, headers=auth).json
    sent = hit["rewrite"] + " Thanks again!"
    res = client.post(
        f"/v1/rewrites/{hit['id']}/feedback",
        json={"outcome": "edited", "sent_text": sent},
        headers=auth,
    )
    assert res.status_code == 201 and res.json["edit_distance"] == 2
