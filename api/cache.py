"""The rewrite cache in Redis, with single-flight so identical misses compute once."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import redis

from api import redis_keys
from api.redis_store import RedisHandle

# Delete the lock only if we still own it (compare-and-delete, atomic in Redis).
_RELEASE_LOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""

_POLL_SECONDS = 0.02

Computation = Callable[[], tuple[dict[str, Any], bool]]


def fingerprint(parts: dict[str, Any]) -> str:
    """SHA-256 over canonical JSON of everything that changes the output."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class RewriteCache:
    """Get/put verified rewrites; every Redis failure degrades to 'no cache'."""

    def __init__(self, handle: RedisHandle, ttl: int, lock_ttl: float) -> None:
        self.handle = handle
        self.ttl = ttl
        self.lock_ttl = lock_ttl
        self._release = handle.client.register_script(_RELEASE_LOCK)

    def get(self, team: str, digest: str) -> dict[str, Any] | None:
        if not self.handle.available():
            return None
        try:
            raw = self.handle.client.get(redis_keys.cache_key(team, digest))
        except redis.RedisError:
            self.handle.mark_down()
            return None
        return json.loads(raw) if raw else None

    def put(self, team: str, digest: str, value: dict[str, Any]) -> bool:
        if not self.handle.available():
            return False
        try:
            self.handle.client.set(
                redis_keys.cache_key(team, digest), json.dumps(value), ex=self.ttl
            )
        except redis.RedisError:
            self.handle.mark_down()
            return False
        return True

    def get_or_compute(
        self, team: str, digest: str, compute: Computation
    ) -> tuple[dict[str, Any], bool]:
        """Return (value, cached). `compute` returns (value, cacheable).

        Concurrent identical misses: one caller takes a lock (token + expiry) and computes;
        the others wait for its result. If Redis fails at any point we just compute.
        """
        hit = self.get(team, digest)
        if hit is not None:
            return hit, True
        token = self._acquire(team, digest)
        if token is None and self.handle.available():
            waited = self._wait_for_winner(team, digest)
            if waited is not None:
                return waited, True
            token = self._acquire(team, digest)
        if token:
            # Double-check: the previous winner may have stored the value between our
            # miss and our lock.
            hit = self.get(team, digest)
            if hit is not None:
                self._release_lock(team, digest, token)
                return hit, True
        try:
            value, cacheable = compute()
            if cacheable:
                self.put(team, digest, value)
            return value, False
        finally:
            if token:
                self._release_lock(team, digest, token)

    def _acquire(self, team: str, digest: str) -> str | None:
        if not self.handle.available():
            return None
        token = secrets.token_hex(8)
        try:
            ok = self.handle.client.set(
                redis_keys.lock_key(team, digest), token, nx=True, px=int(self.lock_ttl * 1000)
            )
        except redis.RedisError:
            self.handle.mark_down()
            return None
        return token if ok else None

    def _wait_for_winner(self, team: str, digest: str) -> dict[str, Any] | None:
        """Poll until the winner stores a value or gives up the lock (uncacheable result)."""
        deadline = time.monotonic() + self.lock_ttl
        lock = redis_keys.lock_key(team, digest)
        cache = redis_keys.cache_key(team, digest)
        while time.monotonic() < deadline:
            try:
                value, locked = self.handle.client.pipeline(transaction=False).get(
                    cache
                ).exists(lock).execute()
            except redis.RedisError:
                self.handle.mark_down()
                return None
            if value:
                return json.loads(value)
            if not locked:
                return None
            time.sleep(_POLL_SECONDS)
        return None

    def _release_lock(self, team: str, digest: str, token: str) -> None:
        try:
            self._release(keys=[redis_keys.lock_key(team, digest)], args=[token])
        except redis.RedisError:
            self.handle.mark_down()
