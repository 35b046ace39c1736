"""/healthz tells a Redis Cluster from a single node, and a cluster node reached as if it were
a single Redis (whose commands would all be answered MOVED) from a healthy setup."""

from __future__ import annotations

import pytest


def _health(url: str, tmp_path) -> dict:
    from api import create_app

    app = create_app({
        "TESTING": True,
        "REDIS_URL": url,
        "KINDLY_ENGINE": "offline",
        "KINDLY_SPOOL_DIR": tmp_path / "spool",
    })
    return app.test_client().get("/healthz").json


def test_a_cluster_is_reported_with_its_masters(cluster_redis, tmp_path):
    health = _health(cluster_redis.url, tmp_path)
    assert health["status"] == "ok" and health["redis"] == "ok"
    assert health["redis_mode"] == "cluster"
    assert health["redis_masters"] == {"up": 3, "total": 3}


def test_a_cluster_node_behind_a_plain_url_is_misconfigured(cluster_redis, tmp_path):
    plain = cluster_redis.url.replace("redis+cluster://", "redis://")
    health = _health(plain, tmp_path)
    assert health["status"] == "degraded" and health["redis"] == "misconfigured"
    assert health["redis_mode"] == "single"


def test_a_single_node_is_reported_as_one(single_redis, tmp_path):
    health = _health(single_redis.url, tmp_path)
    assert health["redis"] == "ok" and health["redis_mode"] == "single"
    assert "redis_masters" not in health


@pytest.mark.slow
def test_a_stopped_master_degrades_the_cluster(tmp_path):
    """A cluster of its own, so stopping a master does not disturb the shared one."""
    from tests.support.redis_cluster import RedisClusterServer

    cluster = RedisClusterServer(tmp_path / "cluster").start()
    try:
        cluster.nodes[1].stop()
        health = _health(cluster.url, tmp_path)
        assert health["status"] == "degraded" and health["redis"] == "degraded"
        assert health["redis_masters"] == {"up": 2, "total": 3}
    finally:
        cluster.stop()
