"""Single-flight: concurrent identical misses compute once; waiters get the winner's result."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.store.cache import RewriteCache
from api.store.connection import RedisHandle

# Redis-facing: every test here also runs on a 3-master Redis Cluster.
pytestmark = pytest.mark.cluster_too



def make_cache(redis_server, ttl=60, lock_ttl=5.0):
    return RewriteCache(RedisHandle(redis_server.url, 0.5), ttl, lock_ttl)


def test_fifty_identical_misses_compute_once(redis_server, redis):
    cache = make_cache(redis_server)
    calls = []
    lock = threading.Lock()

    def compute():
        with lock:
            calls.append(1)
        time.sleep(0.2)
        return {"rewrite": "done"}, True

    barrier = threading.Barrier(50)

    def one(_):
        barrier.wait()
        return cache.get_or_compute("acme", "d" * 64, compute)

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(one, range(50)))
    assert len(calls) == 1
    assert all(value == {"rewrite": "done"} for value, _ in results)
    assert sum(1 for _, cached in results if not cached) == 1
    assert not list(redis.scan_iter(match="kindly:*:lock:*"))


def test_uncacheable_results_are_not_stored_and_waiters_compute(redis_server, redis):
    cache = make_cache(redis_server)
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.05)
        return {"rewrite": "failed guard"}, False

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: cache.get_or_compute("acme", "e" * 64, compute), range(4)))
    assert redis.get("kindly:{acme}:cache:" + "e" * 64) is None
    assert len(calls) >= 2  # nobody served a result that was never verified


def test_lock_is_released_when_compute_raises(redis_server, redis):
    cache = make_cache(redis_server)

    def boom():
        raise RuntimeError("engine exploded")

    with contextlib.suppress(RuntimeError):
        cache.get_or_compute("acme", "f" * 64, boom)
    assert not list(redis.scan_iter(match="kindly:*:lock:*"))


def test_a_stale_lock_only_delays_up_to_its_expiry(redis_server, redis):
    cache = make_cache(redis_server, lock_ttl=0.3)
    redis.set("kindly:{acme}:lock:" + "a" * 64, "someone-who-died", px=300)
    value, cached = cache.get_or_compute("acme", "a" * 64, lambda: ({"v": 1}, True))
    assert value == {"v": 1} and cached is False


def test_failed_fact_check_is_never_cached(app, client, auth, redis):
    from api.engines.offline.engine import OfflineEngine
    from api.services import app_services
    from api.types import EngineResult

    class Forgetful(OfflineEngine):
        def rewrite(self, job):
            return EngineResult(text="We sent it.", engine=self.name, model=self.model)

    with app.app_context():
        svc = app_services()
        svc.pipeline.engine = svc.pipeline.fallback = Forgetful()
    res = client.post("/v1/rewrite", json={"draft": "We sent order 8812 on 3 May."}, headers=auth)
    body = res.get_json()
    assert res.status_code == 200
    assert body["rewrite"] == "We sent order 8812 on 3 May."  # the draft, untouched
    assert body["warnings"] and body["checks"]["passed"]
    assert not list(redis.scan_iter(match="kindly:*:cache:*"))


def test_identical_rewrites_through_the_pipeline_call_the_engine_once(app, redis):
    """The pipeline sends its first lookup (with the lock) together with the rate-limit
    admission and the preset check; concurrent identical misses still compute once, from a
    remembered preset as from a freshly read one."""
    from api.engines.offline.engine import OfflineEngine
    from api.rewrite.pipeline import RewriteRequest
    from api.services import app_services
    from api.store.teams import Principal

    calls = []

    class Slow(OfflineEngine):
        def rewrite(self, job):
            calls.append(1)
            time.sleep(0.2)
            return super().rewrite(job)

    with app.app_context():
        pipeline = app_services().pipeline
    pipeline.engine = pipeline.fallback = Slow()
    who = Principal("acme", "k1", "agent", "test")
    for round_, draft in enumerate(["Your order 4471 ships today.", "Order 4472 ships today."]):
        barrier = threading.Barrier(20)

        def one(_, draft=draft):
            barrier.wait()
            return pipeline.rewrite_draft(RewriteRequest(draft=draft), who)

        with ThreadPoolExecutor(20) as pool:
            # A hit comes back as the cached JSON text itself (RawJSON).
            results = [json.loads(r) if isinstance(r, str) else r for r in pool.map(one, range(20))]
        assert len(calls) == round_ + 1  # the second round uses the remembered preset
        assert sum(1 for r in results if not r["cached"]) == 1
        assert len({r["rewrite"] for r in results}) == 1
    assert not list(redis.scan_iter(match="kindly:*:lock:*"))
