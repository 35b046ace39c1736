"""Shared fixtures: a real redis-server, the app, a test client, a team key."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support.factories import bearer, make_app, make_key, make_team
from tests.support.redis_server import RedisServer

# `make test` and CI draw the same property-test examples on every run ("repeatable"), so a
# run is reproducible and never hinges on a lucky draw; plain `pytest` explores new examples
# each time (HYPOTHESIS_PROFILE=default), which is how new edge cases are found.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("repeatable" if os.environ.get("CI") else "default")
)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture()
def redis(redis_server: RedisServer):
    client = redis_server.client()
    client.flushall()
    return client


@pytest.fixture()
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own, to stop or freeze without disturbing the others."""
    server = RedisServer(tmp_path / "redis").start()
    yield server
    if server.proc and server.proc.poll() is None:
        server.thaw()
    server.stop()


@pytest.fixture()
def app(redis, redis_server: RedisServer, tmp_path: Path):
    return make_app(redis_server.url, tmp_path)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def team_key(app) -> str:
    """An agent key of a fresh team 'acme' (with default presets)."""
    make_team(app, "acme")
    return make_key(app, "acme", "agent", "test agent")


@pytest.fixture()
def auth(team_key: str) -> dict[str, str]:
    return bearer(team_key)


# Every app a test builds gets a patient Redis timeout unless the test asks for a short one
# (the outage tests do): a loaded CI box can take longer than production's 0.25 s.
os.environ.setdefault("KINDLY_REDIS_TIMEOUT", "2")
os.environ.setdefault("KINDLY_SPOOL_DIR", str(Path("/tmp") / f"kindly-test-spool-{os.getpid()}"))
