"""Usage log: one Redis stream per team, written exactly once per request.

Exactly-once design. Every entry carries a request id. One Lua script adds the id to the
team's dedupe ZSET (`ZADD NX`, score = time logged) and appends to the stream only when the
id is new, so the check and the append are atomic. The spool (api/usage/spool.py) can
therefore be replayed any number of times (a crash mid-replay, two workers racing, a write
that reached Redis but timed out on the way back and was spooled too) and each entry lands
in the stream once. Explicit stream ids could not do this: XADD needs ids above the stream's
last id, and by the time an outage ends newer entries are already there. Ids are remembered
for `dedupe_days`, longer than any spool is expected to wait.

The same script trims the stream by length (MAXLEN ~) and by age (MINID ~), keeps the small
record feedback on a rewrite needs (api/usage/entry.py: metadata, never the text), and, only
when the team turned text storage on, keeps the texts under their own key with the team's
retention as TTL. Texts are not even sent to Redis when the team does not store them.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.store import keys as redis_keys
from api.store.connection import (
    OUTAGE_ERRORS,
    RedisHandle,
    ScriptCall,
    lua_function,
    run_together,
)
from api.usage import entry as entries
from api.usage.pricing import DEFAULT_PRICES, with_cost
from api.usage.spool import ReplayReport, Spool
from api.usage.texts import DEFAULT_TEXT_RETENTION_DAYS, MAX_TEXT_RETENTION_DAYS, TextSettings

__all__ = ["MAX_TEXT_RETENTION_DAYS", "UsageLog", "UsageQuery"]

STREAM_MAXLEN = 200_000
# A listing request reads at most this many stream entries, then hands back a cursor.
SCAN_BUDGET = 20_000
# Word hashes of rewrites logged to the spool, kept in memory (never on disk) so that their
# records can still count word edits once replayed by this process.
_SPOOLED_WORDS_MAX = 10_000

# KEYS: stream, seen zset, team meta, text key, rewrite record key
# ARGV: request id, entry json, now ms, maxlen, min id ms, seen cutoff ms, texts json|'',
#       entry ts ms, rewrite record json|'', rewrite record ttl s, default retention days
_LOG_ENTRY = """
if redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1]) == 0 then
  return 0
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[6])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'json', ARGV[2])
redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[5])
local age = (tonumber(ARGV[3]) - tonumber(ARGV[8])) / 1000
if ARGV[9] ~= '' then
  local ttl = math.floor(tonumber(ARGV[10]) - age)
  if ttl > 0 then redis.call('SET', KEYS[5], ARGV[9], 'EX', ttl) end
end
if ARGV[7] ~= '' and redis.call('HGET', KEYS[3], 'store_texts') == '1' then
  local days = tonumber(redis.call('HGET', KEYS[3], 'text_retention_days') or ARGV[11])
  local ttl = math.floor(days * 86400 - age)
  if ttl > 0 then redis.call('SET', KEYS[4], ARGV[7], 'EX', ttl) end
end
return 1
"""

# The same step as a Lua function, for a cache hit's one script (api/store/first_trip.py).
LOG_ENTRY_FUNCTION = lua_function("log_entry", _LOG_ENTRY)


@dataclass
class UsageQuery:
    """Filters for reading a team's log; times are epoch seconds, bounds inclusive."""

    limit: int = 50
    cursor: str | None = None
    since: float | None = None
    until: float | None = None
    key: str | None = None
    preset: str | None = None
    engine: str | None = None
    outcome: str | None = None
    kind: str | None = None

    def matches(self, entry: Mapping[str, Any]) -> bool:
        ts = float(entry.get("ts", 0))
        if self.since is not None and ts < self.since:
            return False
        if self.until is not None and ts > self.until:
            return False
        wanted = {
            "key_id": self.key,
            "preset": self.preset,
            "engine": self.engine,
            "outcome": self.outcome,
            "kind": self.kind,
        }
        return all(value is None or entry.get(name) == value for name, value in wanted.items())


class UsageLog:
    """Append usage entries (never raises, never loses one) and read them back."""

    def __init__(
        self,
        handle: RedisHandle,
        spool_dir: Path,
        *,
        maxlen: int = STREAM_MAXLEN,
        max_age_days: int = 90,
        dedupe_days: int = 14,
        rewrite_record_ttl: int = 7 * 24 * 3600,
        prices: Mapping[str, Any] | None = None,
        replay_in_background: bool = True,
    ) -> None:
        self.handle = handle
        self.maxlen = maxlen
        self.max_age_days = max_age_days
        self.dedupe_days = dedupe_days
        self.rewrite_record_ttl = rewrite_record_ttl
        self.prices = dict(prices) if prices is not None else dict(DEFAULT_PRICES)
        self._script = handle.register_script(_LOG_ENTRY)
        self.spool = Spool(
            handle, spool_dir, self._send_batch, replay_in_background=replay_in_background
        )
        self.texts = TextSettings(handle)
        self._spooled_words: OrderedDict[str, str] = OrderedDict()
        self._words_lock = threading.Lock()

    # The spool's surface, kept on the log for its callers.
    @property
    def spool_dir(self) -> Path:
        return self.spool.spool_dir

    @property
    def spool_path(self) -> Path:
        return self.spool.path

    @property
    def counters(self) -> dict[str, int]:
        return self.spool.counters

    def spool_files(self) -> list[Path]:
        """Spool files waiting for replay."""
        return self.spool.files()

    def replay_spool(self) -> ReplayReport:
        """Send every spooled entry to Redis (see Spool.replay)."""
        return self.spool.replay()

    def recheck_spool_soon(self) -> None:
        self.spool.recheck_soon()

    # -- writing ---------------------------------------------------------------------------

    def record(
        self,
        team: str,
        entry: dict[str, Any],
        texts: Mapping[str, str] | None = None,
        rewrite: Mapping[str, Any] | None = None,
        along: Sequence[ScriptCall | None] = (),
    ) -> bool:
        """Log one entry (it must carry `request_id` and `ts`); False when it was spooled.

        `texts` are sent to Redis only if the team stores texts; `rewrite` is the small
        record feedback needs. Neither is spooled. `along` are other writes of the same
        request and team (cache store, token charge), sent in the same round trip; they are
        best effort: when Redis fails, the entry is spooled and they are dropped.
        """
        with_cost(entry, self.prices)
        if texts and not self.stores_texts(team):
            texts = None
        if self.handle.available():
            own = self.entry_call(team, entry, texts, rewrite)
            try:
                run_together(self.handle.client, [own, *(c for c in along if c is not None)])
            except OUTAGE_ERRORS:
                self.handle.mark_down()
            else:
                self.spool.replay_if_due()
                return True
        self.spool.write(team, entry)
        return False

    def record_rewrite(
        self,
        team: str,
        entry: dict[str, Any],
        draft: str,
        rewrite_text: str,
        digest: str | None = None,
        along: Sequence[ScriptCall | None] = (),
    ) -> None:
        """Log a rewrite and keep the small record that feedback on it will need.

        `digest` names the cache entry holding this rewrite (a hit, or a miss that was
        cached): the record then points at it instead of keeping the rewrite's words."""
        logged = self.record(
            team,
            entry,
            texts={"draft": draft, "rewrite": rewrite_text},
            rewrite=entries.rewrite_record(entry, digest=digest, rewrite_text=rewrite_text),
            along=along,
        )
        if not logged:
            self._remember_words(str(entry["request_id"]), entries.pack_words(rewrite_text))

    def entry_call(
        self,
        team: str,
        entry: Mapping[str, Any],
        texts: Mapping[str, str] | None,
        rewrite: Mapping[str, Any] | None,
    ) -> ScriptCall:
        now_ms = int(time.time() * 1000)
        request_id = str(entry["request_id"])
        keys = [
            redis_keys.usage_key(team),
            redis_keys.usage_seen_key(team),
            redis_keys.team_meta_key(team),
            redis_keys.usage_text_key(team, request_id),
            redis_keys.rewrite_record_key(team, request_id),
        ]
        args = self.entry_args(
            request_id,
            _compact(entry),
            float(entry.get("ts", now_ms / 1000)),
            _compact(texts) if texts else "",
            _compact(rewrite) if rewrite else "",
            now_ms,
        )
        return ScriptCall(self._script, keys, args)

    def entry_args(
        self,
        request_id: str,
        entry_json: str,
        ts: float,
        texts_json: str,
        record_json: str,
        now_ms: int | None = None,
    ) -> list[Any]:
        """The log script's ARGV, in order (see _LOG_ENTRY)."""
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        return [
            request_id,
            entry_json,
            now_ms,
            self.maxlen,
            now_ms - self.max_age_days * 86_400_000,
            now_ms - self.dedupe_days * 86_400_000,
            texts_json,
            int(ts * 1000),
            record_json,
            self.rewrite_record_ttl,
            DEFAULT_TEXT_RETENTION_DAYS,
        ]

    def _send_batch(self, batch: Sequence[tuple[str, dict[str, Any]]]) -> list[int]:
        """Replay spooled entries in one round trip; a rewrite gets its record back, so
        feedback on a rewrite made during the outage works once it is replayed."""
        calls = []
        for team, entry in batch:
            record = None
            if entry.get("kind") == "rewrite" and entry.get("request_id"):
                record = entries.rewrite_record(entry)
                words = self._spooled_words.get(str(entry["request_id"]))
                if words:
                    record["words"] = words
            calls.append(self.entry_call(team, entry, None, record))
        # run_together, not a script pipeline: it also works on Redis Cluster (teams in
        # different slots) and reloads the script after a Redis restart.
        return [int(added) for added in run_together(self.handle.client, calls)]

    def _remember_words(self, request_id: str, packed: str) -> None:
        with self._words_lock:
            self._spooled_words[request_id] = packed
            while len(self._spooled_words) > _SPOOLED_WORDS_MAX:
                self._spooled_words.popitem(last=False)

    # -- reading (Redis errors propagate: the admin views turn them into 503) ---------------

    def entries(
        self,
        team: str,
        since: float | None = None,
        until: float | None = None,
        before: str | None = None,
        batch: int = 500,
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """(stream id, entry) newest first, in [since, until], older than stream id `before`.

        An entry's stream id is never earlier than its `ts` (a replayed entry is appended
        later), so `since` can bound the stream range while `until` is checked per entry.
        """
        client = self.handle.client
        stream = redis_keys.usage_key(team)
        low = str(int(since * 1000)) if since is not None else "-"
        high = f"({before}" if before else "+"
        while True:
            rows = client.xrevrange(stream, max=high, min=low, count=batch)
            for stream_id, fields in rows:
                try:
                    entry = json.loads(fields.get("json", "{}"))
                except ValueError:
                    continue
                ts = float(entry.get("ts", 0))
                if since is not None and ts < since:
                    continue
                if until is not None and ts > until:
                    continue
                yield stream_id, entry
            if len(rows) < batch:
                return
            high = f"({rows[-1][0]}"

    def page(self, team: str, query: UsageQuery) -> tuple[list[dict[str, Any]], str | None]:
        """One page of matching entries, newest first, and the cursor of the next page.

        The cursor is the stream id of the last entry seen: ids never change, and new
        entries get larger ids, so later pages are not shifted by new traffic.
        """
        items: list[dict[str, Any]] = []
        for scanned, (stream_id, entry) in enumerate(self._scan(team, query), start=1):
            if query.matches(entry):
                items.append({"id": stream_id, "team": team, **entry})
                if len(items) >= query.limit:
                    return self._with_texts(team, items), stream_id
            if scanned >= SCAN_BUDGET:
                return self._with_texts(team, items), stream_id
        return self._with_texts(team, items), None

    def _scan(self, team: str, query: UsageQuery) -> Iterator[tuple[str, dict[str, Any]]]:
        # `until` is left to query.matches so entries newer than it count against the budget.
        return self.entries(
            team, query.since, None, before=query.cursor, batch=max(query.limit, 200)
        )

    def _with_texts(self, team: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not items:
            return items
        keys = [redis_keys.usage_text_key(team, str(i.get("request_id"))) for i in items]
        for item, raw in zip(items, self.handle.client.mget(keys), strict=True):
            if raw:
                item["texts"] = json.loads(raw)
        return items

    # -- the team's text-storage setting (api/usage/texts.py) -------------------------------

    def stores_texts(self, team: str) -> bool:
        """Whether texts of `team` are sent to Redis at all (see TextSettings)."""
        return self.texts.stores_texts(team)

    def settings(self, team: str) -> dict[str, Any]:
        """The team's text-storage setting."""
        return self.texts.settings(team)

    def set_settings(self, team: str, store_texts: bool, text_retention_days: int) -> dict:
        """Turn text storage on or off (off deletes the texts already kept)."""
        return self.texts.set_settings(team, store_texts, text_retention_days)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
