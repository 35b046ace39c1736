"""Shared fixtures of the engine tests: the scripted OpenAI-protocol server, and an app in
full LLM mode in front of it with a team and an agent key (`app.config["TEST_AUTH"]`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.factories import bearer, make_app, make_key, make_team
from tests.support.fake_openai import FakeOpenAI


@pytest.fixture(scope="module")
def fake():
    """One scripted server per test module; each test resets or scripts it as it needs."""
    with FakeOpenAI() as server:
        yield server


def llm_app_for(redis_server, tmp_path: Path, fake: FakeOpenAI, **overrides):
    """Kindly with the LLM engine pointed at the scripted server (reset), offline fallback."""
    fake.reset()
    settings = {
        "KINDLY_ENGINE": "auto",
        "OPENAI_BASE_URL": fake.url,
        "KINDLY_MODEL": "fake-model",
        "KINDLY_LLM_TIMEOUT": 2.0,
        "KINDLY_LLM_BREAKER_FAILURES": 1000,
        **overrides,
    }
    return make_app(redis_server.url, tmp_path, **settings)


@pytest.fixture()
def scripted_app(redis, redis_server, tmp_path: Path, fake: FakeOpenAI):
    """Kindly in full LLM mode in front of the scripted server, with a team and an agent key."""
    app = llm_app_for(redis_server, tmp_path, fake, KINDLY_LLM_MODE="full")
    make_team(app)
    app.config["TEST_AUTH"] = bearer(make_key(app))
    return app
