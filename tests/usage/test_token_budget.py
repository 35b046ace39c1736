"""Model tokens: reserved at admission in one atomic step, charged as the model calls really
used (rejected answers and repairs too), logged the same way; offline rewrites use none."""

from __future__ import annotations

import inspect
import json
import threading
from collections import Counter

import pytest

from api.store import keys as redis_keys
from tests.support.factories import make_app
from tests.support.fake_openai import Answer, FakeOpenAI

TEAM_TOKENS = "kindly:{acme}:rate:team:tokens"
DRAFT = "Your order 7781 ships on 3 March."


def _app(redis_url, tmp_path, **config):
    return make_app(
        redis_url, tmp_path, KINDLY_RATE_KEY_PER_MIN=0, KINDLY_RATE_TEAM_PER_MIN=0, **config
    )


def _llm_app(redis_url, tmp_path, fake, **config):
    return _app(
        redis_url,
        tmp_path,
        KINDLY_ENGINE="openai",
        OPENAI_BASE_URL=fake.url,
        OPENAI_API_KEY="fake",
        KINDLY_MODEL="gpt-4o-mini",
        KINDLY_LLM_MAX_RETRIES=0,
        **config,
    )


def _agent(app) -> dict[str, str]:
    from api.services import app_services

    with app.app_context():
        svc = app_services()
        svc.teams.ensure_team("acme")
        svc.presets.seed("acme")
        return {"Authorization": f"Bearer {svc.teams.create_key('acme', 'agent')[1]}"}


def _entries(redis) -> list[dict]:
    return [json.loads(f["json"]) for _, f in redis.xrange(redis_keys.usage_key("acme"))]


def test_offline_rewrites_use_no_model_token_budget(redis, redis_server, tmp_path):
    app = _app(redis_server.url, tmp_path, KINDLY_TOKENS_TEAM_PER_DAY=10)
    key = _agent(app)
    redis.set(TEAM_TOKENS, 10_000)  # the day's model budget is long gone
    client = app.test_client()
    for n in range(3):
        res = client.post("/v1/rewrite", json={"draft": f"Order {n} is late."}, headers=key)
        assert res.status_code == 200, res.json
        assert res.json["usage"] == {"tokens_in": 0, "tokens_out": 0, "model_calls": 0}
    assert redis.get(TEAM_TOKENS) == "10000"
    rewrites = [e for e in _entries(redis) if e["kind"] == "rewrite"]
    assert [(e["tokens_in"], e["tokens_out"], e["cost_usd"]) for e in rewrites] == [(0, 0, 0.0)] * 3


def test_parallel_rewrites_cannot_overrun_the_budget(redis, redis_server, tmp_path):
    """32 at once against 200 tokens: the check and the charge are one step, so once the
    reservations reach the budget the rest are refused; what is charged is what was used."""
    with FakeOpenAI() as fake:  # every call reports 42 + 17 = 59 tokens
        fake.default = Answer(lambda r: "Hi,\n\nThanks for waiting! " + r.draft, delay=0.05)
        app = _llm_app(redis_server.url, tmp_path, fake, KINDLY_TOKENS_TEAM_PER_DAY=200)
        key = _agent(app)
        codes: Counter = Counter()
        lock = threading.Lock()
        start = threading.Barrier(32)

        def rewrite(n: int) -> None:
            client = app.test_client()
            start.wait()
            res = client.post("/v1/rewrite", json={"draft": f"Order {n} ships today."},
                              headers=key)
            with lock:
                codes[res.status_code] += 1

        threads = [threading.Thread(target=rewrite, args=(n,)) for n in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        served = codes[200]
        assert codes[200] + codes[429] == 32 and served >= 1 and codes[429] >= 1
        charged = int(redis.get(TEAM_TOKENS))
        assert charged == 59 * served == 59 * len(fake.requests)
        # Admission stops once the budget is reached: at most one request past it.
        assert charged < 200 + 59


def test_a_repaired_answer_charges_and_logs_both_model_calls(redis, redis_server, tmp_path):
    with FakeOpenAI() as fake:
        fake.script(
            Answer(lambda r: r.draft.replace("\u27e6", "")),
            Answer(lambda r: "Hi,\n\nThanks for waiting! " + r.draft),
        )
        app = _llm_app(redis_server.url, tmp_path, fake, KINDLY_TOKENS_TEAM_PER_DAY=10_000)
        key = _agent(app)
        res = app.test_client().post("/v1/rewrite", json={"draft": DRAFT}, headers=key)
        assert res.status_code == 200 and len(fake.requests) == 2
        assert res.json["usage"]["tokens_in"] == 84 and res.json["usage"]["tokens_out"] == 34
        assert redis.get(TEAM_TOKENS) == "118"
        [entry] = [e for e in _entries(redis) if e["kind"] == "rewrite"]
        assert (entry["tokens_in"], entry["tokens_out"]) == (84, 34)
        assert entry["cost_usd"] > 0


def _engine_reports_model_usage() -> bool:
    from api.engines.llm import engine

    return "model_usage" in inspect.getsource(engine)


@pytest.mark.xfail(
    not _engine_reports_model_usage(),
    reason="needs the LLM engine to report model_usage on a rejection (llm branch)",
    strict=False,
)
def test_a_rejected_answer_still_charges_and_logs_its_model_calls(
    redis, redis_server, tmp_path
):
    with FakeOpenAI() as fake:
        bad = Answer(lambda r: r.draft.replace("\u27e6", ""))  # drops every fact placeholder
        fake.script(bad, bad)
        app = _llm_app(redis_server.url, tmp_path, fake, KINDLY_TOKENS_TEAM_PER_DAY=10_000)
        key = _agent(app)
        res = app.test_client().post("/v1/rewrite", json={"draft": DRAFT}, headers=key)
        assert res.status_code == 200 and res.json["engine"] == "offline"
        assert len(fake.requests) == 2
        assert res.json["usage"] == {"tokens_in": 84, "tokens_out": 34, "model_calls": 2}
        assert redis.get(TEAM_TOKENS) == "118"
        [entry] = [e for e in _entries(redis) if e["kind"] == "rewrite"]
        assert (entry["tokens_in"], entry["tokens_out"], entry["model_calls"]) == (84, 34, 2)
        assert entry["cost_usd"] > 0  # priced as the model that spent them, not as offline
