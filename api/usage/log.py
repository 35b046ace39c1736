"""Usage log: one Redis stream per team; a local spool file when Redis is unreachable.

Exactly-once design. Every entry carries a request id. One Lua script adds the id to the
team's dedupe ZSET (`ZADD NX`, score = time logged) and appends to the stream only when the
id is new, so the check and the append are atomic. A spool file can therefore be replayed
any number of times (a crash mid-replay, two workers racing, a write that reached Redis but
timed out on the way back and was spooled too) and each entry lands in the stream once.
Explicit stream ids could not do this: XADD needs ids above the stream's last id, and by the
time an outage ends newer entries are already there. Ids are remembered for
`dedupe_days`, longer than any spool is expected to wait.

The same script trims the stream by length (MAXLEN ~) and by age (MINID ~), and, only when
the team turned text storage on, keeps the texts under their own key with the team's
retention as TTL. Texts and rewrite records are never written to the spool: while Redis is
down only metadata touches the disk.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
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

STREAM_MAXLEN = 200_000
DEFAULT_TEXT_RETENTION_DAYS = 30
MAX_TEXT_RETENTION_DAYS = 365
# A listing request reads at most this many stream entries, then hands back a cursor.
SCAN_BUDGET = 20_000
_REPLAY_BATCH = 200
_DIR_CHECK_SECONDS = 30.0
_WATCH_SECONDS = 1.0

# USD per million tokens (input, output). Overridden by KINDLY_PRICES.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
}

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


def estimated_cost(
    model: str | None, tokens_in: int, tokens_out: int, prices: Mapping[str, Any]
) -> float | None:
    """USD for one call, or None when the model's price is unknown (0 when no tokens)."""
    if not tokens_in and not tokens_out:
        return 0.0
    price = prices.get(model or "")
    if price is None:
        return None
    return round((tokens_in * float(price[0]) + tokens_out * float(price[1])) / 1_000_000, 8)


def parse_prices(raw: str | None) -> dict[str, tuple[float, float]]:
    prices = dict(DEFAULT_PRICES)
    if raw:
        prices.update({k: (float(v[0]), float(v[1])) for k, v in json.loads(raw).items()})
    return prices


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


@dataclass
class ReplayReport:
    """What one replay pass did."""

    files: int = 0
    lines: int = 0
    added: int = 0
    duplicates: int = 0
    unreadable: int = 0
    finished: bool = True
    teams: set[str] = field(default_factory=set)


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
        self.spool_dir = Path(spool_dir)
        self.maxlen = maxlen
        self.max_age_days = max_age_days
        self.dedupe_days = dedupe_days
        self.rewrite_record_ttl = rewrite_record_ttl
        self.prices = dict(prices) if prices is not None else dict(DEFAULT_PRICES)
        self.replay_in_background = replay_in_background
        self._script = handle.register_script(_LOG_ENTRY)
        self._lock = threading.Lock()
        self._replay_lock = threading.Lock()
        self._watcher_lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        # Since this process started: entries spooled, replayed, and dropped as duplicates.
        self.counters = {"spooled": 0, "replayed": 0, "duplicates": 0}
        # Check the spool directory on the first successful write (files left by an
        # earlier run or a dead worker), then every _DIR_CHECK_SECONDS.
        self._next_dir_check = 0.0

    @property
    def spool_path(self) -> Path:
        # Per process, so gunicorn workers never interleave lines in one file.
        return self.spool_dir / f"usage-{os.getpid()}.jsonl"

    # -- writing ---------------------------------------------------------------------------

    def record(
        self,
        team: str,
        entry: dict[str, Any],
        texts: Mapping[str, str] | None = None,
        rewrite: Mapping[str, Any] | None = None,
        along: Sequence[ScriptCall | None] = (),
    ) -> None:
        """Log one entry (it must carry `request_id` and `ts`).

        `texts` are kept only if the team turned text storage on; `rewrite` is the small
        record feedback needs. Neither is spooled. `along` are other writes of the same
        request and team (cache store, token charge), sent in the same round trip; they are
        best effort: when Redis fails, the entry is spooled and they are dropped.
        """
        if entry.get("engine") == "offline":
            entry.setdefault("cost_usd", 0.0)  # runs in-process: its token counts are free
        if "cost_usd" not in entry and ("tokens_in" in entry or "tokens_out" in entry):
            entry["cost_usd"] = estimated_cost(
                entry.get("model"),
                int(entry.get("tokens_in") or 0),
                int(entry.get("tokens_out") or 0),
                self.prices,
            )
        if self.handle.available():
            own = self.entry_call(team, entry, texts, rewrite)
            try:
                run_together(self.handle.client, [own, *(c for c in along if c is not None)])
            except OUTAGE_ERRORS:
                self.handle.mark_down()
            else:
                self._replay_if_due()
                return
        self._spool(team, entry)

    def record_rewrite(
        self,
        team: str,
        entry: dict[str, Any],
        draft: str,
        rewrite_text: str,
        along: Sequence[ScriptCall | None] = (),
    ) -> None:
        """Log a rewrite and keep the small record that feedback on it will need."""
        record = {
            "id": entry["request_id"],
            "ts": entry["ts"],
            "key_id": entry.get("key_id"),
            "preset": entry.get("preset"),
            "preset_version": entry.get("preset_version"),
            "engine": entry.get("engine"),
            "model": entry.get("model"),
            "rewrite": rewrite_text,
        }
        self.record(
            team,
            entry,
            texts={"draft": draft, "rewrite": rewrite_text},
            rewrite=record,
            along=along,
        )

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

    def _spool(self, team: str, entry: dict[str, Any]) -> None:
        line = _compact({"team": team, "entry": {**entry, "spooled": True}}) + "\n"
        self.recheck_spool_soon()
        if self.replay_in_background:
            self._ensure_watcher()
        with self._lock:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            while True:
                path = self.spool_path
                with path.open("a", encoding="utf-8") as spool:
                    fcntl.flock(spool, fcntl.LOCK_EX)
                    # A replayer may have removed the file between our open and our lock:
                    # then this inode is gone and we must open the path again.
                    if _same_file(spool, path):
                        spool.write(line)
                        spool.flush()
                        os.fsync(spool.fileno())
                        self.counters["spooled"] += 1
                        return

    # -- replay ----------------------------------------------------------------------------

    def spool_files(self) -> list[Path]:
        return sorted(self.spool_dir.glob("usage-*.jsonl"))

    def _replay_if_due(self) -> None:
        now = time.monotonic()
        if now < self._next_dir_check:
            return
        self._next_dir_check = now + _DIR_CHECK_SECONDS
        if not self.spool_files():
            return
        if self.replay_in_background:
            threading.Thread(target=self.replay_spool, name="usage-replay", daemon=True).start()
        else:
            self.replay_spool()

    def _ensure_watcher(self) -> None:
        """Start the thread that replays this spool once Redis answers, even if no request
        comes along to notice (traffic may stop right after the outage)."""
        with self._watcher_lock:
            if self._watcher is None or not self._watcher.is_alive():
                self._watcher = threading.Thread(
                    target=self._watch_spool, name="usage-spool-watcher", daemon=True
                )
                self._watcher.start()

    def _watch_spool(self) -> None:
        while self.spool_files():
            time.sleep(_WATCH_SECONDS)
            if not self.handle.available():
                continue
            try:
                self.handle.client.ping()
            except OUTAGE_ERRORS:
                self.handle.mark_down()
                continue
            self.replay_spool()

    def recheck_spool_soon(self) -> None:
        """Make the next successful write look at the spool directory again."""
        self._next_dir_check = 0.0

    def replay_spool(self) -> ReplayReport:
        """Send every spooled entry to Redis; safe to run any number of times at once."""
        report = ReplayReport()
        if not self._replay_lock.acquire(blocking=False):
            report.finished = False
            return report
        try:
            for path in self.spool_files():
                if not self._replay_file(path, report):
                    report.finished = False
                    self.recheck_spool_soon()
                    break
        finally:
            self._replay_lock.release()
        return report

    def _replay_file(self, path: Path, report: ReplayReport) -> bool:
        """Replay one file and remove it. False when Redis failed (file kept)."""
        try:
            spool = path.open("r", encoding="utf-8")
        except FileNotFoundError:
            return True
        with spool:
            try:
                fcntl.flock(spool, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True  # a writer or another replayer has it; next pass
            if not _same_file(spool, path):
                return True
            report.files += 1
            # Read and send in batches, so a long outage's big file never sits in memory.
            batch: list[tuple[str, dict[str, Any]]] = []
            try:
                for line in spool:
                    if not line.strip():
                        continue
                    report.lines += 1
                    try:
                        item = json.loads(line)
                        batch.append((item["team"], item["entry"]))
                    except (ValueError, KeyError, TypeError):
                        report.unreadable += 1  # a line cut short by a crash mid-write
                    if len(batch) >= _REPLAY_BATCH:
                        self._replay_batch(batch, report)
                        batch = []
                self._replay_batch(batch, report)
            except OUTAGE_ERRORS:
                self.handle.mark_down()
                return False
            path.unlink()
        return True

    def _replay_batch(self, batch: list[tuple[str, dict[str, Any]]], report: ReplayReport) -> None:
        if not batch:
            return
        # run_together, not a script pipeline: it also works on Redis Cluster (teams in
        # different slots) and reloads the script after a Redis restart.
        calls = [self.entry_call(team, entry, None, None) for team, entry in batch]
        for (team, _), added in zip(batch, run_together(self.handle.client, calls), strict=True):
            report.added += int(added)
            report.duplicates += 1 - int(added)
            report.teams.add(team)
            self.counters["replayed" if added else "duplicates"] += 1

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

    def rewrite_record(self, team: str, rewrite_id: str) -> dict[str, Any] | None:
        raw = self.handle.client.get(redis_keys.rewrite_record_key(team, rewrite_id))
        record = json.loads(raw) if raw else None
        if record and "rewrite" not in record and record.get("cache"):
            # A cache hit's record points at the cached rewrite instead of copying it.
            cached = self.handle.client.get(redis_keys.cache_key(team, record["cache"]))
            record["rewrite"] = json.loads(cached)["rewrite"] if cached else None
        return record

    # -- the team's text-storage setting ---------------------------------------------------

    def settings(self, team: str) -> dict[str, Any]:
        store, days = self.handle.client.hmget(
            redis_keys.team_meta_key(team), ["store_texts", "text_retention_days"]
        )
        return {
            "store_texts": store == "1",
            "text_retention_days": int(days) if days else DEFAULT_TEXT_RETENTION_DAYS,
        }

    def set_settings(self, team: str, store_texts: bool, text_retention_days: int) -> dict:
        """Turn text storage on or off. Turning it off deletes the texts already kept."""
        self.handle.client.hset(
            redis_keys.team_meta_key(team),
            mapping={
                "store_texts": "1" if store_texts else "0",
                "text_retention_days": str(text_retention_days),
            },
        )
        if not store_texts:
            self.delete_texts(team)
        return self.settings(team)

    def delete_texts(self, team: str) -> int:
        client = self.handle.client
        pattern = redis_keys.usage_text_key(team, "*")
        deleted = 0
        batch: list[str] = []
        for key in client.scan_iter(match=pattern, count=500):
            batch.append(key)
            if len(batch) >= 500:
                deleted += client.unlink(*batch)
                batch = []
        if batch:
            deleted += client.unlink(*batch)
        return deleted


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _same_file(handle: Any, path: Path) -> bool:
    try:
        return os.fstat(handle.fileno()).st_ino == path.stat().st_ino
    except FileNotFoundError:
        return False
