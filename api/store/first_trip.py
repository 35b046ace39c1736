"""A rewrite's first Redis round trip as ONE Lua script in the team's hash slot: key check,
admission (limits), preset check, cache lookup (or single-flight lock) and, on a hit, its
usage entry. A cache hit is then one round trip, also on Redis Cluster.

Each step is the owning module's own Lua, run as a function (`lua_function`): the limits of
api/store/rate_limit, the preset check of api/store/presets, the lookup of api/store/cache,
the exactly-once usage entry of api/usage/log. The script stops at the first step that
refuses, so a mistyped or revoked key uses up no quota and takes no lock.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from api.store import keys as redis_keys
from api.store.cache import LOOKUP_OR_LOCK_FUNCTION
from api.store.connection import RedisHandle, ScriptCall
from api.store.presets import STILL_CURRENT_FUNCTION
from api.store.rate_limit import ADMIT_FUNCTION, RateLimiter
from api.store.teams import LIMIT_NAMES, Principal
from api.usage.log import LOG_ENTRY_FUNCTION, UsageLog

# KEYS: 1 key hashes | 2-6 admission (key/min, team/min, key tokens, team tokens, team meta)
#       | 7-8 preset check (presets, versions) | 9-10 cache, lock
#       | 11-14 usage entry (stream, seen, text, rewrite record)
# ARGV: 1 key hash ('' = checked before) | 2-5 limits, 6 model tokens to reserve (admit's
#       layout: api/store/rate_limit) | 7 preset slug ('' = no check), 8 stamp
#       | 9 lock token ('' = a plain read), 10 lock ms | 11 request id ('' = don't log a hit),
#       12 entry JSON without its closing brace, 13.. the usage entry's other arguments
#       (api/usage/log's layout; a hit's texts are never sent)
# A logged hit gives back the tokens reserved for it in the same script.
# Returns {0} for an unknown key; {2, record, retry ms, limit index} when refused;
# {3, record} when the preset changed; else {1, record, lookup answer, cached JSON}.
_FIRST_TRIP = (
    ADMIT_FUNCTION
    + STILL_CURRENT_FUNCTION
    + LOOKUP_OR_LOCK_FUNCTION
    + LOG_ENTRY_FUNCTION
    + """
local record = false
if ARGV[1] ~= '' then
  record = redis.call('HGET', KEYS[1], ARGV[1])
  if not record then return {0} end
end
local reserve = tonumber(ARGV[6]) or 0
local verdict = admit({KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]},
                      {ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], '1'})
if verdict[1] == 0 then return {2, record, verdict[2], verdict[3]} end
if ARGV[7] ~= '' and still_current({KEYS[7], KEYS[8]}, {ARGV[7], ARGV[8]}) == 0 then
  return {3, record}
end
local found
if ARGV[9] ~= '' then
  found = lookup_or_lock({KEYS[9], KEYS[10]}, {ARGV[9], ARGV[10]})
else
  local value = redis.call('GET', KEYS[9])
  if value then found = {1, value} else found = {0} end
end
if found[1] == 1 and ARGV[11] ~= '' then
  local entry = ARGV[12]
  if record then
    entry = entry .. ',"key_label":' .. cjson.encode(cjson.decode(record)['label'] or '')
  end
  local args = {ARGV[11], entry .. '}'}
  for i = 13, #ARGV do args[#args + 1] = ARGV[i] end
  log_entry({KEYS[11], KEYS[12], KEYS[6], KEYS[13], KEYS[14]}, args)
  -- A logged hit called no model: the tokens reserved at admission go back.
  if reserve > 0 then
    redis.call('DECRBY', KEYS[4], reserve)
    redis.call('DECRBY', KEYS[5], reserve)
  end
end
return {1, record, found[1], found[2] or false}
"""
)

INVALID_KEY, ADMITTED, REFUSED, PRESET_CHANGED = 0, 1, 2, 3


@dataclass(frozen=True)
class TripAnswer:
    """What the first trip found: `status` (one of the constants above), the key's record
    when it was checked, the admission's verdict, and the cache lookup's answer."""

    status: int
    record: str | None = None
    verdict: list[Any] | None = None
    lookup: list[Any] | None = None


@dataclass(frozen=True)
class HitLog:
    """The usage entry a hit is logged with, inside the script (a hit writes no feedback
    record: UsageLog.rewrite_record finds the entry instead)."""

    request_id: str
    entry: dict[str, Any]


class FirstTrip:
    """Builds the first trip's script call and reads its answer."""

    def __init__(self, handle: RedisHandle, limits: RateLimiter | None, usage: UsageLog) -> None:
        self.limits = limits
        self.usage = usage
        self._script = handle.register_script(_FIRST_TRIP)

    def call(
        self,
        who: Principal,
        key_hash: str | None,
        preset_check: tuple[str, int] | None,
        cache_keys: tuple[str, str],
        lock: tuple[str, int] | None,
        hit_log: HitLog | None,
        reserve: int = 0,
    ) -> ScriptCall:
        """`key_hash`: check this key (None: checked before); `preset_check`: (slug, stamp)
        of the remembered preset; `lock`: (token, ms) to take on a miss; `hit_log`: log a hit;
        `reserve`: model tokens to reserve at admission (a logged hit gives them back)."""
        team = who.team
        request_id = hit_log.request_id if hit_log else "-"
        fixed = self._fixed_keys(team, who.key_id)
        keys = [
            *fixed[:8],
            *cache_keys,
            *fixed[8:],
            redis_keys.usage_text_key(team, request_id),
            redis_keys.rewrite_record_key(team, request_id),
        ]
        reserve = max(int(reserve), 0) if self.limits is not None else 0
        args: list[Any] = [key_hash or "", *self._limits, reserve]
        args += [preset_check[0], preset_check[1]] if preset_check else ["", 0]
        args += [lock[0], lock[1]] if lock else ["", 0]
        if hit_log is None:
            args += ["", ""]
        else:
            entry_json = _compact(hit_log.entry)
            logged = self.usage.entry_args(
                hit_log.request_id, "", hit_log.entry["ts"], "", ""
            )
            args += [hit_log.request_id, entry_json[:-1], *logged[2:]]
        return ScriptCall(self._script, keys, args)

    @property
    def _limits(self) -> list[str]:
        if self.limits is None:
            return ["0", "0", "0", "0"]
        return [str(self.limits.defaults[name]) for name in LIMIT_NAMES]

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one FirstTrip per app, keys are small
    def _fixed_keys(self, team: str, key_id: str) -> tuple[str, ...]:
        """The keys that depend only on the team and the key (built once for each): KEYS
        1-8 and 11-12 of the script."""
        return (
            redis_keys.team_key_hashes_key(team),
            redis_keys.rate_key(team, f"key:{key_id}", "min"),
            redis_keys.rate_key(team, "team", "min"),
            redis_keys.rate_key(team, f"key:{key_id}", "tokens"),
            redis_keys.rate_key(team, "team", "tokens"),
            redis_keys.team_meta_key(team),
            redis_keys.presets_key(team),
            redis_keys.preset_versions_key(team),
            redis_keys.usage_key(team),
            redis_keys.usage_seen_key(team),
        )

    @staticmethod
    def answer(raw: list[Any]) -> TripAnswer:
        status = int(raw[0])
        record = raw[1] if len(raw) > 1 and raw[1] else None
        if status == REFUSED:
            return TripAnswer(status, record, verdict=[0, raw[2], raw[3]])
        if status == ADMITTED:
            lookup = [int(raw[2]), raw[3]] if len(raw) > 3 and raw[3] else [int(raw[2])]
            return TripAnswer(status, record, verdict=[1], lookup=lookup)
        return TripAnswer(status, record)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
