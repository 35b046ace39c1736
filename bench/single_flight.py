"""Benchmark (c): upstream engine calls for 50 identical concurrent misses, with and without
single-flight, against a real redis-server.

The engine is the offline engine behind a wrapper that counts its calls (across processes)
and first sleeps 100 ms, like a slow upstream model. The misses come from 2 processes
(like 2 gunicorn workers) x 25 threads released together by a barrier, each calling
Pipeline.rewrite_draft with the same request. The baseline is the same pipeline with a cache
that has no single-flight (get, compute, put); rounds alternate the two.

Run: .venv/bin/python bench/single_flight.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.engines.offline.engine import OfflineEngine
from api.rewrite.pipeline import Pipeline, RewriteRequest
from api.rewrite.verify import verified_rewrite
from api.store.cache import Computation, Lookup, RewriteCache
from api.store.connection import RedisHandle
from api.store.presets import PresetStore
from api.store.teams import Principal
from api.types import EngineResult, RewriteJob
from api.usage.log import UsageLog
from bench.drafts import make_drafts
from bench.stats import fmt_spread, percentile, round_orders
from tests.support.redis_server import RedisServer

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
CALLER = Principal(team="bench", key_id="bench", role="agent", label="bench")


class CountingEngine:
    """The offline engine behind a slow, counted 'upstream' call."""

    def __init__(self, counter: Any, delay: float) -> None:
        self.inner = OfflineEngine()
        self.name = self.inner.name
        self.model = self.inner.model
        self.counter = counter
        self.delay = delay

    def supports(self, action: str) -> bool:
        return self.inner.supports(action)

    def rewrite(self, job: RewriteJob) -> EngineResult:
        with self.counter.get_lock():
            self.counter.value += 1
        time.sleep(self.delay)
        return self.inner.rewrite(job)


class CacheWithoutSingleFlight(RewriteCache):
    """The baseline: look up, compute on a miss, store. No lock, so every miss computes.

    The pipeline sends its first lookup with its other reads (`lookup_call`), so that is
    where the lock is left out: a plain GET instead of lookup-or-lock."""

    def lookup_call(self, team: str, digest: str) -> tuple[Any, str]:
        return self.get_call(team, digest), ""

    @staticmethod
    def lookup_outcome(answer: Any, token: str) -> Lookup:
        return (json.loads(answer) if answer else None), None

    def lookup(self, team: str, digest: str) -> Lookup:
        return self.get(team, digest), None

    def compute_once(
        self,
        team: str,
        digest: str,
        compute: Computation,
        looked_up: Lookup | None = None,
    ) -> tuple[dict[str, Any], bool, Any]:
        hit, _ = looked_up if looked_up is not None else self.lookup(team, digest)
        if hit is not None:
            return hit, True, None
        value, cacheable = compute()
        if cacheable:
            self.put(team, digest, value)
        return value, False, None


def _process(
    redis_url: str,
    single_flight: bool,
    threads: int,
    request: dict[str, Any],
    counter: Any,
    delay: float,
    barrier: Any,
    results: Any,
    spool_dir: str,
) -> None:
    """One 'worker process': its own Redis client and pipeline, `threads` concurrent callers."""
    handle = RedisHandle(redis_url, timeout=0.25)
    engine = CountingEngine(counter, delay)
    cache_class = RewriteCache if single_flight else CacheWithoutSingleFlight
    pipeline = Pipeline(
        engine=engine,
        fallback=engine,
        cache=cache_class(handle, ttl=3600, lock_ttl=30.0),
        presets=PresetStore(handle, PROMPTS_DIR),
        usage=UsageLog(handle, Path(spool_dir)),
    )

    # Pay the process's one-time costs (word lists, CMUdict for the reading scores) before
    # the burst, so the numbers show single-flight and not a cold start.
    verified_rewrite(
        RewriteJob(draft="Warm-up draft, order 1.", preset={"slug": "warm"}),
        engine.inner,
        engine.inner,
    )

    def call() -> None:
        barrier.wait()
        started = time.perf_counter()
        response = pipeline.rewrite_draft(RewriteRequest(**request), CALLER)
        results.put((time.perf_counter() - started, response["cached"]))

    callers = [threading.Thread(target=call) for _ in range(threads)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()


def one_burst(
    server: RedisServer,
    single_flight: bool,
    request: dict[str, Any],
    misses: int,
    processes: int,
    delay: float,
    spool_dir: str,
) -> dict[str, Any]:
    """Fire `misses` identical requests at once on an empty cache; count engine calls."""
    server.client().flushall()
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("i", 0)
    barrier = ctx.Barrier(misses)
    results = ctx.Queue()
    per_process = [misses // processes + (i < misses % processes) for i in range(processes)]
    children = [
        ctx.Process(
            target=_process,
            args=(
                server.url,
                single_flight,
                n,
                request,
                counter,
                delay,
                barrier,
                results,
                spool_dir,
            ),
        )
        for n in per_process
    ]
    for child in children:
        child.start()
    answers = [results.get(timeout=120) for _ in range(misses)]
    for child in children:
        child.join()
    latencies = [a[0] * 1000 for a in answers]
    return {
        "engine_calls": counter.value,
        "answered_from_cache": sum(1 for a in answers if a[1]),
        "answers": len(answers),
        "latency_p50_ms": statistics.median(latencies),
        "latency_max_ms": percentile(latencies, 100),
    }


def run(misses: int = 50, processes: int = 2, rounds: int = 4, delay: float = 0.1) -> dict:
    samples = make_drafts(rounds, seed=7)
    runs: dict[str, list[dict[str, Any]]] = {"single_flight": [], "no_single_flight": []}
    with tempfile.TemporaryDirectory(prefix="kindly-bench-") as tmp:
        server = RedisServer(Path(tmp) / "redis").start()
        try:
            for r, order in enumerate(round_orders(list(runs), rounds)):
                sample = samples[r]
                request = {
                    "draft": sample.draft,
                    "customer_name": sample.customer_name,
                    "agent_name": sample.agent_name,
                    "customer_message": sample.customer_message,
                }
                for name in order:
                    runs[name].append(
                        one_burst(
                            server,
                            name == "single_flight",
                            request,
                            misses,
                            processes,
                            delay,
                            str(Path(tmp) / "spool"),
                        )
                    )
        finally:
            server.stop()
    return {
        "misses": misses,
        "processes": processes,
        "engine_delay_ms": delay * 1000,
        "rounds": rounds,
        "runs": runs,
        "calls_ratio": [
            base["engine_calls"] / max(1, sf["engine_calls"])
            for sf, base in zip(runs["single_flight"], runs["no_single_flight"], strict=True)
        ],
    }


def report(result: dict) -> str:
    lines = [
        f"(c) single-flight: {result['misses']} identical concurrent misses from "
        f"{result['processes']} processes, engine sleeps {result['engine_delay_ms']:.0f} ms, "
        f"{result['rounds']} alternated rounds",
        f"{'cache':<17} {'engine calls':>13} {'from cache':>11} {'p50 ms':>8} {'max ms':>8}",
    ]
    for name, runs in result["runs"].items():
        calls = "/".join(str(r["engine_calls"]) for r in runs)
        cached = "/".join(str(r["answered_from_cache"]) for r in runs)
        p50 = statistics.median(r["latency_p50_ms"] for r in runs)
        worst = max(r["latency_max_ms"] for r in runs)
        lines.append(f"{name:<17} {calls:>13} {cached:>11} {p50:>8.0f} {worst:>8.0f}")
    lines.append(
        f"upstream calls saved: x{fmt_spread(result['calls_ratio'], 0)} (baseline / single-flight)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--json", action="store_true", help="print the raw result as JSON")
    args = parser.parse_args(argv)
    result = run(rounds=2) if args.quick else run()
    print(json.dumps(result, indent=2) if args.json else report(result))
    return result


if __name__ == "__main__":
    main()
