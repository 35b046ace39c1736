"""A per-process circuit breaker: stop calling a failing upstream for a while, then probe it.

States: ``closed`` (calls go through), ``open`` (calls are refused until the cool-down ends)
and ``half_open`` (the cool-down is over and exactly one probe call is in flight). A success
closes the circuit; a failed probe opens it again for another cool-down.

The state lives in the process, not in Redis: each gunicorn worker learns on its own that
the upstream is down, after at most `failure_threshold` failed calls. That costs a few more
failed calls per worker but needs no shared state on the hot path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


class CircuitBreaker:
    """Counts consecutive failures; thread-safe (gunicorn gthread workers share one engine)."""

    def __init__(
        self,
        failure_threshold: int = 5,
        cooldown_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._open_for = cooldown_seconds
        self._probe_in_flight = False
        self.last_error: str | None = None

    @property
    def state(self) -> str:
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self._opened_at is None:
            return CLOSED
        if self._clock() - self._opened_at < self._open_for:
            return OPEN
        return HALF_OPEN

    def allow(self) -> bool:
        """May a call go upstream now? In half-open state only one caller gets True."""
        with self._lock:
            state = self._state()
            if state == CLOSED:
                return True
            if state == OPEN or self._probe_in_flight:
                return False
            self._probe_in_flight = True
            return True

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probe_in_flight = False
            self.last_error = None

    def record_failure(self, reason: str, open_for: float | None = None) -> None:
        """Count a failed call. `open_for` (an upstream's Retry-After) opens the circuit at once
        for that long: the upstream told us when to come back."""
        with self._lock:
            self._failures += 1
            self.last_error = reason
            probe_failed = self._probe_in_flight
            self._probe_in_flight = False
            if probe_failed or self._failures >= self.failure_threshold:
                self._opened_at = self._clock()
                self._open_for = max(self.cooldown_seconds, open_for or 0.0)
            elif open_for:
                self._opened_at = self._clock()
                self._open_for = open_for

    def release_probe(self) -> None:
        """A probe that ended without a verdict on the upstream (e.g. the client left)."""
        with self._lock:
            self._probe_in_flight = False

    def retry_in(self) -> float:
        """Seconds until the next probe may go through (0 when closed or half-open)."""
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self._open_for - (self._clock() - self._opened_at))

    def snapshot(self) -> dict[str, object]:
        """For /healthz."""
        with self._lock:
            return {
                "state": self._state(),
                "consecutive_failures": self._failures,
                "last_error": self.last_error,
            }
