"""Requests per minute and tokens per day, per key and per team, against real Redis."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from tests.support.factories import make_app
from tests.support.fake_openai import FakeOpenAI

# Redis-facing: every test here also runs on a 3-master Redis Cluster.
pytestmark = pytest.mark.cluster_too


def _make_llm_app(redis_url: str, tmp_path, fake, **limits):
    """An app whose engine is the fake OpenAI server (every answer reports 59 tokens)."""
    return make_app(
        redis_url,
        tmp_path,
        KINDLY_ENGINE="openai",
        OPENAI_BASE_URL=fake.url,
        OPENAI_API_KEY="fake",
        KINDLY_MODEL="fake-model",
        **limits,
    )


def _team_with_keys(app, team: str, n: int) -> list[dict[str, str]]:
    from api.services import app_services

    with app.app_context():
        svc = app_services()
        svc.teams.ensure_team(team)
        svc.presets.seed(team)
        return [
            {"Authorization": f"Bearer {svc.teams.create_key(team, 'agent')[1]}"}
            for _ in range(n)
        ]


def _me(client, headers):
    return client.get("/v1/me", headers=headers)


@pytest.fixture()
def limited(redis, redis_server, tmp_path):
    return make_app(
        redis_server.url,
        tmp_path,
        KINDLY_RATE_KEY_PER_MIN=3,
        KINDLY_RATE_TEAM_PER_MIN=5,
        KINDLY_TOKENS_TEAM_PER_DAY=0,
    )


def test_a_key_gets_its_requests_per_minute_then_429_with_retry_after(limited):
    client = limited.test_client()
    first, second = _team_with_keys(limited, "acme", 2)
    assert [_me(client, first).status_code for _ in range(3)] == [200, 200, 200]
    refused = _me(client, first)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json["code"] == 429 and "this key's 3 requests per minute" in (
        refused.json["message"]
    )
    assert _me(client, second).status_code == 200  # the limit is per key


def test_the_team_limit_covers_all_its_keys_and_refusals_use_no_quota(limited):
    client = limited.test_client()
    a, b, c = _team_with_keys(limited, "acme", 3)
    assert [_me(client, a).status_code for _ in range(5)] == [200, 200, 200, 429, 429]
    # a's refused requests did not count against the team: b still has 2 of the team's 5
    assert [_me(client, b).status_code for _ in range(3)] == [200, 200, 429]
    refused = _me(client, c)
    assert refused.status_code == 429 and "team's 5 requests" in refused.json["message"]
    [other] = _team_with_keys(limited, "globex", 1)
    assert _me(client, other).status_code == 200  # other teams are untouched


def test_a_team_override_beats_the_default(limited):
    from api.services import app_services

    client = limited.test_client()
    [key] = _team_with_keys(limited, "acme", 1)
    with limited.app_context():
        app_services().teams.set_limits("acme", {"key_per_min": 1})
    assert [_me(client, key).status_code for _ in range(2)] == [200, 429]
    with limited.app_context():
        app_services().teams.set_limits("acme", {"key_per_min": 0, "team_per_min": 0})  # no limit
    assert all(_me(client, key).status_code == 200 for _ in range(10))


def test_workers_share_the_count_exactly_under_concurrency(redis, redis_server, tmp_path):
    """Two apps (two connection pools, as two gunicorn workers) and 8 threads: exactly N pass."""
    limit = 20
    apps = [
        make_app(redis_server.url, tmp_path, KINDLY_RATE_KEY_PER_MIN=0,
                  KINDLY_RATE_TEAM_PER_MIN=limit)
        for _ in range(2)
    ]
    keys = _team_with_keys(apps[0], "acme", 4)
    codes: Counter[int] = Counter()
    lock = threading.Lock()

    def fire(index: int) -> None:
        client = apps[index % 2].test_client()
        for _ in range(8):
            status = _me(client, keys[index % 4]).status_code
            with lock:
                codes[status] += 1

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == Counter({200: limit, 429: 64 - limit})


def test_tokens_per_day_are_charged_for_model_calls_not_cache_hits(redis, redis_server, tmp_path):
    from api.store.rate_limit import get_limiter

    with FakeOpenAI() as fake:  # every answer reports 42 + 17 = 59 tokens
        app = _make_llm_app(redis_server.url, tmp_path, fake, KINDLY_TOKENS_TEAM_PER_DAY=100)
        client = app.test_client()
        [key] = _team_with_keys(app, "acme", 1)

        def rewrite(draft: str):
            return client.post("/v1/rewrite", json={"draft": draft}, headers=key)

        first = rewrite("Order 1 shipped.")
        assert first.status_code == 200 and first.json["usage"]["tokens_in"] == 42
        assert rewrite("Order 1 shipped.").json["cached"] is True  # free
        assert redis.get("kindly:{acme}:rate:team:tokens") == "59"
        assert rewrite("Order 2 shipped.").status_code == 200
        assert redis.get("kindly:{acme}:rate:team:tokens") == "118"
        refused = rewrite("Order 3 shipped.")
        assert refused.status_code == 429
        assert "team's 100 tokens per day" in refused.json["message"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 86400
        assert 0 < redis.ttl("kindly:{acme}:rate:team:tokens") <= 86400
        assert len(fake.requests) == 2  # the refused request never reached the model

    with app.app_context():
        limiter = get_limiter()
        assert limiter.limit_for("acme", "tokens_team_per_day") == 100


def test_per_key_token_budget(limited, redis):
    from api.services import app_services
    from api.store.rate_limit import RateLimiter
    from api.store.teams import Principal

    with limited.app_context():
        limiter = RateLimiter(app_services().redis, {"tokens_key_per_day": 50})
        who = Principal("acme", "k1", "agent")
        assert limiter.admit(who, reserve=10) is None
        limiter.charge_call(who, 40).run(limiter.handle.client)
        refusal = limiter.admit(who, reserve=10)
        assert refusal is not None and "key's 50 tokens" in refusal.message
        assert limiter.admit(who) is None  # a request that calls no model: no token budget
        assert limiter.admit(Principal("acme", "k2", "agent"), reserve=10) is None



def test_limits_fail_open_when_redis_is_unreachable(own_redis, tmp_path):
    """A hung Redis must not block agents: the limiter lets requests through uncounted."""
    app = make_app(own_redis.url, tmp_path, KINDLY_RATE_KEY_PER_MIN=1, KINDLY_REDIS_TIMEOUT=0.2)
    client = app.test_client()
    [key] = _team_with_keys(app, "acme", 1)
    assert _me(client, key).status_code == 200
    assert _me(client, key).status_code == 429
    own_redis.freeze()
    try:
        statuses = [
            client.post("/v1/rewrite", json={"draft": f"Order {i} shipped."},
                        headers=key).status_code
            for i in range(3)
        ]
    finally:
        own_redis.thaw()
    assert statuses == [200, 200, 200]


def test_a_redis_error_inside_the_limiter_admits_and_marks_redis_down(own_redis, tmp_path):
    from api.store.rate_limit import get_limiter
    from api.store.teams import Principal

    app = make_app(own_redis.url, tmp_path, KINDLY_RATE_KEY_PER_MIN=1, KINDLY_REDIS_TIMEOUT=0.2)
    who = Principal("acme", "k1", "agent")
    with app.app_context():
        limiter = get_limiter()
        assert limiter.admit(who) is None
        assert limiter.admit(who) is not None
        own_redis.freeze()
        try:
            limiter.handle.mark_up()
            assert limiter.admit(who) is None  # the script timed out: admitted
            assert not limiter.handle.available()
        finally:
            own_redis.thaw()


def test_streamed_rewrites_are_charged_too(redis, redis_server, tmp_path):
    with FakeOpenAI() as fake:  # every answer reports 42 + 17 = 59 tokens
        app = _make_llm_app(redis_server.url, tmp_path, fake)
        client = app.test_client()
        [key] = _team_with_keys(app, "acme", 1)
        res = client.post("/v1/rewrite", json={"draft": "Order 7 shipped.", "stream": True},
                          headers=key)
        assert res.status_code == 200 and "event: result" in res.get_data(as_text=True)
        assert redis.get("kindly:{acme}:rate:team:tokens") == "59"


def test_rewrites_are_admitted_with_the_cache_lookup_and_refused_with_retry_after(limited, redis):
    client = limited.test_client()
    [key] = _team_with_keys(limited, "acme", 1)
    drafts = [f"Your order #{n} ships today." for n in range(5)]
    codes = [client.post("/v1/rewrite", json={"draft": d}, headers=key).status_code
             for d in drafts[:3]]
    assert codes == [200, 200, 200]
    refused = client.post("/v1/rewrite", json={"draft": drafts[3]}, headers=key)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "this key's 3 requests per minute" in refused.json["message"]
    streamed = client.post("/v1/rewrite", json={"draft": drafts[4], "stream": True}, headers=key)
    assert streamed.status_code == 429 and streamed.headers["Retry-After"]
    # A refused request never leaves the single-flight lock of its draft behind.
    assert list(redis.scan_iter(match="kindly:{acme}:lock:*")) == []


def test_a_rewrite_refused_as_invalid_uses_none_of_the_quota(limited):
    client = limited.test_client()
    [key] = _team_with_keys(limited, "acme", 1)
    for _ in range(5):
        bad = client.post("/v1/rewrite", json={"draft": ""}, headers=key)
        assert bad.status_code == 422 and "draft" in bad.json["errors"]["json"]
    ok = [client.post("/v1/rewrite", json={"draft": f"Order {n} is late."}, headers=key)
          for n in range(3)]
    assert [r.status_code for r in ok] == [200, 200, 200]
