"""The Redis connection: lazily built, short timeouts, no retry loops, health probe."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import redis
from flask import Flask, Response
from redis.commands.core import Script

from api.errors import KindlyError, refusal_response

# After a failure we skip Redis for a short while instead of paying a timeout on every call.
_COOLDOWN_SECONDS = 1.0

# What counts as an outage: Redis could not be reached or did not answer in time. Anything
# else Redis raises (a ResponseError for a bad argument, a script error) is not an outage:
# it must never switch Redis off for every team.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    redis.exceptions.BusyLoadingError,
)


class RedisUnavailable(KindlyError):
    """Redis is unreachable: the one 503 every feature that needs Redis answers with."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(503, message, headers={"Retry-After": "1"})


class RedisHandle:
    """Owns one Redis client and remembers recent failures so outages cost little."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url
        self.client: redis.Redis = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry_on_timeout=False,
            retry=None,
            health_check_interval=0,
            decode_responses=True,
        )
        self._down_until = 0.0

    def available(self) -> bool:
        """False while a recent failure is cooling down: callers skip Redis then."""
        return time.monotonic() >= self._down_until

    def mark_down(self) -> None:
        """Skip Redis for a moment after an outage error."""
        self._down_until = time.monotonic() + _COOLDOWN_SECONDS

    @contextmanager
    def outage(self, message: str | None = None) -> Iterator[None]:
        """Classify Redis errors in one place: an outage marks Redis down and raises
        RedisUnavailable (503); any other Redis error propagates as the bug it is.

        Callers that degrade instead of failing catch RedisUnavailable."""
        if not self.available():
            raise RedisUnavailable(message)
        try:
            yield
        except OUTAGE_ERRORS as exc:
            self.mark_down()
            raise RedisUnavailable(message) from exc

    def mark_up(self) -> None:
        self._down_until = 0.0

    def ping(self) -> bool:
        """True when Redis answers now (and forget a recent failure)."""
        try:
            self.client.ping()
        except OUTAGE_ERRORS:
            self.mark_down()
            return False
        self.mark_up()
        return True


def init_app(app: Flask) -> None:
    """Build the app's Redis handle; an outage no feature degraded around answers 503."""
    handle = RedisHandle(app.config["REDIS_URL"], float(app.config["KINDLY_REDIS_TIMEOUT"]))
    app.extensions["kindly_redis"] = handle

    def _outage(err: Exception) -> Response:
        handle.mark_down()
        return refusal_response(RedisUnavailable())

    for error in OUTAGE_ERRORS:
        app.register_error_handler(error, _outage)


@dataclass(frozen=True)
class ScriptCall:
    """One run of a Lua script, built by the module that owns its keys, so that several
    modules' reads and writes can share one round trip (`run_together`)."""

    script: Script
    keys: Sequence[str]
    args: Sequence[Any]

    def run(self, client: Any) -> Any:
        return self.script(keys=list(self.keys), args=list(self.args), client=client)

    def queue(self, pipe: Any) -> None:
        pipe.evalsha(self.script.sha, len(self.keys), *self.keys, *self.args)


@dataclass(frozen=True)
class CommandCall:
    """One plain Redis command (e.g. GET), to send with others in `run_together`."""

    args: Sequence[Any]

    def run(self, client: Any) -> Any:
        return client.execute_command(*self.args)

    def queue(self, pipe: Any) -> None:
        pipe.execute_command(*self.args)


RedisCall = ScriptCall | CommandCall


def run_together(client: redis.Redis, calls: Sequence[RedisCall]) -> list[Any]:
    """Run each call once, in one round trip, and return their answers in call order.

    A non-transactional pipeline; scripts go as EVALSHA (redis-py's own script pipelining
    would first ask SCRIPT EXISTS, a second round trip). A script the server does not know
    yet (first use, or Redis restarted) answers NOSCRIPT without running, and is then loaded
    and run on its own, after the others: so the calls must not depend on each other's
    effects (independent reads and writes of one request). On Redis Cluster the calls must
    share a hash slot, as all of one team's keys do (`kindly:{team}:...`). Raises RedisError
    like a single call would.
    """
    if len(calls) == 1:
        return [calls[0].run(client)]
    pipe = client.pipeline(transaction=False)
    for call in calls:
        call.queue(pipe)
    results = pipe.execute(raise_on_error=False)
    for index, (call, result) in enumerate(zip(calls, results, strict=True)):
        if isinstance(result, redis.exceptions.NoScriptError):
            results[index] = call.run(client)
        elif isinstance(result, Exception):
            raise result
    return results
