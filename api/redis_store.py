"""The Redis connection: lazily built, short timeouts, no retry loops, health probe."""

from __future__ import annotations

import time

import redis
from flask import Flask, current_app

# After a failure we skip Redis for a short while instead of paying a timeout on every call.
_COOLDOWN_SECONDS = 1.0


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
        self._down_until = time.monotonic() + _COOLDOWN_SECONDS

    def mark_up(self) -> None:
        self._down_until = 0.0

    def ping(self) -> bool:
        try:
            self.client.ping()
        except redis.RedisError:
            self.mark_down()
            return False
        self.mark_up()
        return True


def init_app(app: Flask) -> None:
    app.extensions["kindly_redis"] = RedisHandle(
        app.config["REDIS_URL"], float(app.config["KINDLY_REDIS_TIMEOUT"])
    )


def get_redis() -> RedisHandle:
    """The app's Redis handle (the one access function, as in flaskr's get_db)."""
    return current_app.extensions["kindly_redis"]
