"""A rewrite's feedback record: what feedback on it needs (its preset, engine and how to get
its words), from its own record key or, for a cache hit, from its usage entry."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from api.store import keys as redis_keys
from api.usage import entry as entries
from api.usage.log import UsageLog

# Feedback on a cache hit looks for its usage entry this far either side of the id's time
# (clock skew between a worker and Redis), among at most this many entries.
_HIT_LOOKUP_WINDOW_MS = 120_000
_HIT_LOOKUP_MAX = 20_000
_HIT_RECORD_FIELDS = ("preset", "preset_version", "engine", "model", "digest")


def rewrite_record(usage: UsageLog, team: str, rewrite_id: str) -> dict[str, Any] | None:
    """The record of a rewrite, or None. A rewrite made while Redis was away gets its
    record when its spooled entry is replayed: a pending spool is replayed first."""
    raw = usage.handle.client.get(redis_keys.rewrite_record_key(team, rewrite_id))
    if raw is None and usage.spool.files():
        usage.spool.replay(wait=True)
        raw = usage.handle.client.get(redis_keys.rewrite_record_key(team, rewrite_id))
    return json.loads(raw) if raw else _hit_record(usage, team, rewrite_id)


def _hit_record(usage: UsageLog, team: str, rewrite_id: str) -> dict[str, Any] | None:
    """A cache hit's record, read from its usage entry: the entries logged around the
    time the id carries (the stream's ids are Redis's clock, the id this worker's)."""
    made = entries.rewrite_id_ms(rewrite_id)
    if made is None or made < (time.time() - usage.rewrite_record_ttl) * 1000:
        return None
    window = _HIT_LOOKUP_WINDOW_MS
    found = usage.handle.client.xrange(
        redis_keys.usage_key(team), made - window, made + window, count=_HIT_LOOKUP_MAX
    )
    for _, fields in found:
        entry = json.loads(fields.get("json") or "{}")
        if entry.get("request_id") == rewrite_id and entry.get("digest"):
            return {name: entry.get(name) for name in _HIT_RECORD_FIELDS}
    return None

def rewrite_words(usage: UsageLog, team: str, record: Mapping[str, Any]) -> list[bytes] | None:
    """The word hashes of a recorded rewrite; None when they are no longer known (the
    cached rewrite it points at has expired, or it was made during an outage)."""
    if record.get("words"):
        return list(entries.unpack_words(record["words"]))
    if record.get("digest"):
        raw = usage.handle.client.get(redis_keys.cache_key(team, str(record["digest"])))
        cached = json.loads(raw) if raw else None
        if isinstance(cached, dict) and isinstance(cached.get("rewrite"), str):
            return entries.word_hashes(cached["rewrite"])
        return None
    if isinstance(record.get("rewrite"), str):  # records written before word hashes
        return entries.word_hashes(record["rewrite"])
    return None
