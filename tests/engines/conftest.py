"""Shared fixtures of the engine tests: the scripted OpenAI-protocol server."""

from __future__ import annotations

import pytest

from tests.support.fake_openai import FakeOpenAI


@pytest.fixture(scope="module")
def fake():
    """One scripted server per test module; each test resets or scripts it as it needs."""
    with FakeOpenAI() as server:
        yield server
