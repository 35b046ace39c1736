"""Requests per minute and tokens per day, per key and per team, counted atomically in Redis.

Why one small Lua script rather than the `limits` package: a request has to pass four
counters at once (key and team requests per minute, key and team tokens per day). The script
checks all four and counts the request only when every one passes, in one round trip and
atomically across all workers; with `limits` that is one call per counter, and a request the
team limit refuses would still have used up the key's quota. The counters are built by
api.store.keys inside the team's hash slot, so the script stays legal on Redis Cluster, and it
reads the team's own overrides from its meta hash in the same call. Windows are fixed: a
minute from the first request in it, and the UTC day by Redis's own clock, so every worker
agrees. It runs on the app's RedisHandle: when Redis is unreachable the limits *fail open* —
agents keep working and nothing is counted.

Token budgets apply to model calls only: a request bound for the language model reserves an
estimate of its tokens in the same script that checks the budgets (check and charge in one
atomic step), and the pipeline later charges the difference to what the calls really used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from api.store import keys as redis_keys
from api.store.connection import OUTAGE_ERRORS, RedisHandle, ScriptCall, lua_function
from api.store.teams import LIMIT_NAMES, Principal

# KEYS: key/min, team/min, key tokens/day, team tokens/day, team meta.
# ARGV: the deployment's limits in LIMIT_NAMES order (0 = no limit); model tokens to reserve
# (0: the request calls no model, so the token budgets don't apply to it); '1' to count the
# request per minute, '0' to only reserve tokens. HMGET reads the team's overrides in
# LIMIT_NAMES order. Check and charge are one atomic step: concurrent requests can't all
# pass the check before any of them is charged.
# Returns {1} when admitted, else {0, retry-after in ms, index of the first limit hit}.
_ADMIT = """
local own = redis.call('HMGET', KEYS[5], 'limit:key_per_min', 'limit:team_per_min',
                       'limit:tokens_key_per_day', 'limit:tokens_team_per_day')
local used = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
local reserve = tonumber(ARGV[5]) or 0
local first, last = 1, 4
if ARGV[6] == '0' then first = 3 end
if reserve <= 0 then last = 2 end
local limits = {}
local retry, hit = 0, 0
for i = first, last do
  limits[i] = tonumber(own[i] or ARGV[i]) or 0
  if limits[i] > 0 and (tonumber(used[i]) or 0) >= limits[i] then
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl > retry then retry = ttl end
    if hit == 0 then hit = i end
  end
end
if hit > 0 then return {0, retry, hit} end
for i = first, math.min(last, 2) do
  if limits[i] > 0 and redis.call('INCR', KEYS[i]) == 1 then
    redis.call('PEXPIRE', KEYS[i], 60000)
  end
end
if reserve > 0 then
  local now = tonumber(redis.call('TIME')[1])
  for i = 3, 4 do
    redis.call('INCRBY', KEYS[i], reserve)
    if redis.call('TTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], 86400 - (now % 86400)) end
  end
end
return {1}
"""

# The admission as a Lua function, for a request's first script (api/store/first_trip.py).
ADMIT_FUNCTION = lua_function("admit", _ADMIT)

# KEYS: key tokens/day, team tokens/day. ARGV: tokens (negative: give back an unused
# reservation). The window ends at the next UTC midnight.
_CHARGE = """
local now = tonumber(redis.call('TIME')[1])
local left = 86400 - (now % 86400)
for i = 1, 2 do
  redis.call('INCRBY', KEYS[i], ARGV[1])
  if redis.call('TTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], left) end
end
return 1
"""

_WHAT = {
    1: "this key's {n} requests per minute",
    2: "this team's {n} requests per minute",
    3: "this key's {n} tokens per day",
    4: "this team's {n} tokens per day",
}


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused and when to try again."""

    message: str
    retry_after: int  # whole seconds, at least 1


class RateLimiter:
    """Admit or refuse requests and charge tokens; every Redis failure admits (fails open)."""

    def __init__(self, handle: RedisHandle, defaults: dict[str, int]) -> None:
        self.handle = handle
        self.defaults = {name: int(defaults.get(name, 0)) for name in LIMIT_NAMES}
        self._admit = handle.register_script(_ADMIT)
        self._charge = handle.register_script(_CHARGE)

    def admit(self, who: Principal, reserve: int = 0) -> Refusal | None:
        """Count one request (and reserve `reserve` model tokens for it); a Refusal when any
        limit is reached (nothing is counted then)."""
        if not self.handle.available():
            return None
        try:
            verdict = self.admit_call(who, reserve).run(self.handle.client)
        except OUTAGE_ERRORS:
            self.handle.mark_down()
            return None
        return self.refusal(who, verdict)

    def admit_call(self, who: Principal, reserve: int = 0, count: bool = True) -> ScriptCall:
        """The admission as a script call to send with other reads (see `refusal`).

        `reserve` model tokens are charged in the same step when admitted (the token budgets
        apply only then); `count=False` leaves the per-minute counters alone."""
        keys = [
            redis_keys.rate_key(who.team, f"key:{who.key_id}", "min"),
            redis_keys.rate_key(who.team, "team", "min"),
            *self._token_keys(who),
            redis_keys.team_meta_key(who.team),
        ]
        args = [self.defaults[n] for n in LIMIT_NAMES]
        return ScriptCall(self._admit, keys, [*args, max(int(reserve), 0), "1" if count else "0"])

    def reserve(self, who: Principal, tokens: int) -> tuple[Refusal | None, int]:
        """Reserve model tokens for an already admitted request: (refusal, tokens reserved).
        Fails open (nothing reserved) while Redis is unreachable."""
        if tokens <= 0 or not self.handle.available():
            return None, 0
        try:
            verdict = self.admit_call(who, tokens, count=False).run(self.handle.client)
        except OUTAGE_ERRORS:
            self.handle.mark_down()
            return None, 0
        refusal = self.refusal(who, verdict)
        return refusal, 0 if refusal else tokens

    def refusal(self, who: Principal, verdict: list[Any]) -> Refusal | None:
        """None when the admission's answer admitted the request, else why not."""
        if int(verdict[0]) == 1:
            return None
        retry_ms, hit = int(verdict[1]), int(verdict[2])
        limit = self.limit_for(who.team, LIMIT_NAMES[hit - 1])
        seconds = max(1, math.ceil(retry_ms / 1000))
        return Refusal(
            f"Too many requests: {_WHAT[hit].format(n=limit)} are used up. "
            f"Try again in {seconds} s.",
            seconds,
        )

    def charge_call(self, who: Principal, tokens: int) -> ScriptCall | None:
        """The charge as a script call to send with other writes (None: nothing to charge).
        Negative tokens give back what a reservation did not use."""
        if tokens == 0:
            return None
        return ScriptCall(self._charge, self._token_keys(who), [int(tokens)])

    def limit_for(self, team: str, name: str) -> int:
        """The limit in force for `team` (its override, else the deployment's default)."""
        try:
            own = self.handle.client.hget(redis_keys.team_meta_key(team), f"limit:{name}")
        except OUTAGE_ERRORS:
            own = None
        return int(own) if own is not None else self.defaults[name]

    @staticmethod
    def _token_keys(who: Principal) -> list[str]:
        return [
            redis_keys.rate_key(who.team, f"key:{who.key_id}", "tokens"),
            redis_keys.rate_key(who.team, "team", "tokens"),
        ]


def init_app(app: Flask, handle: RedisHandle) -> RateLimiter:
    cfg = app.config
    limiter = RateLimiter(
        handle,
        {
            "key_per_min": cfg["KINDLY_RATE_KEY_PER_MIN"],
            "team_per_min": cfg["KINDLY_RATE_TEAM_PER_MIN"],
            "tokens_key_per_day": cfg["KINDLY_TOKENS_KEY_PER_DAY"],
            "tokens_team_per_day": cfg["KINDLY_TOKENS_TEAM_PER_DAY"],
        },
    )
    app.extensions["kindly_limits"] = limiter
    return limiter


def get_limiter() -> RateLimiter:
    return current_app.extensions["kindly_limits"]
