"""The circuit breaker: opens after N consecutive failures, lets one probe through after the
cool-down, closes on success, reopens on a failed probe."""

from __future__ import annotations

import threading

from api.engines.llm.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures_only():
    breaker = CircuitBreaker(3, 10, Clock())
    breaker.record_failure("boom")
    breaker.record_failure("boom")
    breaker.record_success()  # resets the count
    breaker.record_failure("boom")
    breaker.record_failure("boom")
    assert breaker.state == CLOSED and breaker.allow()
    breaker.record_failure("boom")
    assert breaker.state == OPEN and not breaker.allow()
    assert breaker.snapshot()["last_error"] == "boom"


def test_half_open_lets_exactly_one_probe_through():
    clock = Clock()
    breaker = CircuitBreaker(1, 10, clock)
    breaker.record_failure("down")
    clock.now += 10
    assert breaker.state == HALF_OPEN
    results = []
    threads = [threading.Thread(target=lambda: results.append(breaker.allow())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1


def test_failed_probe_reopens_and_successful_probe_closes():
    clock = Clock()
    breaker = CircuitBreaker(2, 10, clock)
    breaker.record_failure("a")
    breaker.record_failure("b")
    clock.now += 11
    assert breaker.allow()
    breaker.record_failure("still down")
    assert breaker.state == OPEN and breaker.retry_in() == 10
    clock.now += 10
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == CLOSED and breaker.snapshot()["consecutive_failures"] == 0


def test_retry_after_opens_at_once_for_that_long():
    clock = Clock()
    breaker = CircuitBreaker(5, 30, clock)
    breaker.record_failure("429", open_for=4)
    assert breaker.state == OPEN
    clock.now += 4
    assert breaker.state == HALF_OPEN


def test_released_probe_lets_the_next_caller_probe():
    clock = Clock()
    breaker = CircuitBreaker(1, 5, clock)
    breaker.record_failure("x")
    clock.now += 5
    assert breaker.allow() and not breaker.allow()
    breaker.release_probe()  # the probing client went away mid-stream
    assert breaker.allow()
