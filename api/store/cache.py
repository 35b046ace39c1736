"""The rewrite cache in Redis, with single-flight so identical misses compute once."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from api.store import keys as redis_keys
from api.store.connection import (
    OUTAGE_ERRORS,
    CommandCall,
    RedisHandle,
    ScriptCall,
    lua_function,
)

# One round trip for a lookup: the cached value, or else the single-flight lock.
# Returns {1, value} on a hit, {2} when this caller now holds the lock, {0} when another does.
_LOOKUP_OR_LOCK = """
local value = redis.call('get', KEYS[1])
if value then return {1, value} end
if redis.call('set', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2} end
return {0}
"""

LOOKUP_OR_LOCK_FUNCTION = lua_function("lookup_or_lock", _LOOKUP_OR_LOCK)

# One round trip to finish: store the value (when cacheable) and release the lock if we
# still own it (compare-and-delete, so an expired lock taken over by another caller stays).
_STORE_AND_RELEASE = """
if ARGV[4] == '1' then redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
if redis.call('get', KEYS[2]) == ARGV[3] then redis.call('del', KEYS[2]) end
return 1
"""

_HIT, _LOCKED = 1, 2
_POLL_SECONDS = 0.02

Computation = Callable[[], tuple[dict[str, Any], bool]]
# A lookup's outcome: (cached value, None), (None, our lock token) or (None, None).
Lookup = tuple[dict[str, Any] | None, str | None]


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
        self._lookup_or_lock = handle.register_script(_LOOKUP_OR_LOCK)
        self._store_and_release = handle.register_script(_STORE_AND_RELEASE)

    def get(self, team: str, digest: str) -> dict[str, Any] | None:
        if not self.handle.available():
            return None
        try:
            raw = self.get_call(team, digest).run(self.handle.client)
        except OUTAGE_ERRORS:
            self.handle.mark_down()
            return None
        return json.loads(raw) if raw else None

    def get_call(self, team: str, digest: str) -> CommandCall:
        """The plain lookup as a call to send with other reads; its answer is the JSON or None."""
        return CommandCall(["GET", redis_keys.cache_key(team, digest)])

    def put(self, team: str, digest: str, value: dict[str, Any]) -> bool:
        if not self.handle.available():
            return False
        try:
            self.handle.client.set(
                redis_keys.cache_key(team, digest), json.dumps(value), ex=self.ttl
            )
        except OUTAGE_ERRORS:
            self.handle.mark_down()
            return False
        return True

    def get_or_compute(
        self, team: str, digest: str, compute: Computation
    ) -> tuple[dict[str, Any], bool]:
        """Return (value, cached). `compute` returns (value, cacheable)."""
        value, cached, finish = self.compute_once(team, digest, compute)
        if finish is not None:
            self.run_finish(finish)
        return value, cached

    def compute_once(
        self,
        team: str,
        digest: str,
        compute: Computation,
        looked_up: Lookup | None = None,
    ) -> tuple[dict[str, Any], bool, ScriptCall | None]:
        """Return (value, cached, finish). `compute` returns (value, cacheable).

        Concurrent identical misses: one caller takes a lock (token + expiry) and computes;
        the others wait for its result. If Redis fails at any point we just compute.
        A miss costs two round trips: lookup-or-lock, then store-and-release. The second is
        handed back as `finish` for the caller to send with its own writes (one round trip
        for all of them), or to pass to `run_finish`; until then waiters keep waiting.
        `looked_up` is the first lookup's outcome when the caller already made it (sent with
        its own reads: see `lookup_call`).
        """
        hit, token = looked_up if looked_up is not None else self.lookup(team, digest)
        if hit is not None:
            return hit, True, None
        if token is None and self.handle.available():
            waited = self._wait_for_winner(team, digest)
            if waited is not None:
                return waited, True, None
            # The winner's result was not cacheable (or it died): try to become the winner.
            hit, token = self.lookup(team, digest)
            if hit is not None:
                return hit, True, None
        try:
            value, cacheable = compute()
        except BaseException:
            if token:
                self.run_finish(self.finish_call(team, digest, token, None))
            raise
        if token:
            return value, False, self.finish_call(team, digest, token, value if cacheable else None)
        if cacheable:
            self.put(team, digest, value)
        return value, False, None

    def lookup(self, team: str, digest: str) -> Lookup:
        """The lookup-or-lock on its own (see `lookup_outcome`)."""
        if not self.handle.available():
            return None, None
        call, token = self.lookup_call(team, digest)
        try:
            answer = call.run(self.handle.client)
        except OUTAGE_ERRORS:
            self.handle.mark_down()
            return None, None
        return self.lookup_outcome(answer, token)

    def lookup_call(self, team: str, digest: str) -> tuple[ScriptCall, str]:
        """The lookup-or-lock as a script call to send with other reads, and the lock token
        it tries to take; `lookup_outcome` reads its answer."""
        token = secrets.token_hex(8)
        call = ScriptCall(
            self._lookup_or_lock,
            [redis_keys.cache_key(team, digest), redis_keys.lock_key(team, digest)],
            [token, int(self.lock_ttl * 1000)],
        )
        return call, token

    @staticmethod
    def lookup_outcome(answer: list[Any], token: str) -> Lookup:
        """(cached value, None) on a hit; (None, token) when we took the lock; else (None, None)."""
        if answer[0] == _HIT:
            return json.loads(answer[1]), None
        return None, (token if answer[0] == _LOCKED else None)

    def finish_call(
        self, team: str, digest: str, token: str, value: dict[str, Any] | None
    ) -> ScriptCall:
        """Store `value` (None: nothing to store) and release our lock, as one script call."""
        return ScriptCall(
            self._store_and_release,
            [redis_keys.cache_key(team, digest), redis_keys.lock_key(team, digest)],
            [
                json.dumps(value) if value is not None else "",
                self.ttl,
                token,
                "1" if value is not None else "0",
            ],
        )

    def run_finish(self, finish: ScriptCall) -> None:
        try:
            finish.run(self.handle.client)
        except OUTAGE_ERRORS:
            self.handle.mark_down()

    def _wait_for_winner(self, team: str, digest: str) -> dict[str, Any] | None:
        """Poll until the winner stores a value or gives up the lock (uncacheable result)."""
        deadline = time.monotonic() + self.lock_ttl
        lock = redis_keys.lock_key(team, digest)
        cache = redis_keys.cache_key(team, digest)
        while time.monotonic() < deadline:
            try:
                value, locked = (
                    self.handle.client.pipeline(transaction=False).get(cache).exists(lock).execute()
                )
            except OUTAGE_ERRORS:
                self.handle.mark_down()
                return None
            if value:
                return json.loads(value)
            if not locked:
                return None
            time.sleep(_POLL_SECONDS)
        return None
