"""Shared fixtures: a real redis-server, the app, a test client, a team key."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support.factories import bearer, make_app, make_key, make_team
from tests.support.redis_cluster import RedisClusterServer
from tests.support.redis_server import RedisServer

# `make test` and CI draw the same property-test examples on every run ("repeatable"), so a
# run is reproducible and never hinges on a lucky draw; plain `pytest` explores new examples
# each time (HYPOTHESIS_PROFILE=default), which is how new edge cases are found.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("repeatable" if os.environ.get("CI") else "default")
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "cluster_too: also run the module's Redis tests on a 3-master Redis Cluster"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `cluster_too` that use Redis run twice: on one node and on a cluster."""
    if "redis_server" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "cluster_too"
    ):
        metafunc.parametrize("redis_kind", ["single", "cluster"], indirect=True)


@pytest.fixture()
def redis_kind(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "single")


@pytest.fixture(scope="session")
def single_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cluster_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterServer]:
    cluster = RedisClusterServer(tmp_path_factory.mktemp("redis-cluster")).start()
    yield cluster
    cluster.stop()


@pytest.fixture()
def redis_server(request: pytest.FixtureRequest, redis_kind: str) -> RedisServer:
    """The Redis a test runs on: one node, or (tests marked cluster_too, second run) a
    3-master cluster with the same `url`, `client()` and `flushall()`."""
    return request.getfixturevalue("cluster_redis" if redis_kind == "cluster" else "single_redis")


@pytest.fixture()
def redis(redis_server: RedisServer):
    redis_server.flushall()
    return redis_server.client()


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
    from api import cli

    cli.init_app(app)
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
