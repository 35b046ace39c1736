"""A team's text-storage setting: whether drafts, rewrites and sent texts are kept with its
usage log, and for how long. Off by default; turning it off deletes what was kept."""

from __future__ import annotations

import time
from typing import Any

from api.store import keys as redis_keys
from api.store.connection import OUTAGE_ERRORS, RedisHandle

DEFAULT_TEXT_RETENTION_DAYS = 30
MAX_TEXT_RETENTION_DAYS = 365
# How long a worker trusts what it read of a team's setting before reading it again.
_TEXT_SETTING_SECONDS = 2.0


class TextSettings:
    """Read and change the setting; remembers what it read for a moment per worker."""

    def __init__(self, handle: RedisHandle) -> None:
        self.handle = handle
        self._known: dict[str, tuple[bool, float]] = {}

    def stores_texts(self, team: str) -> bool:
        """Whether the team keeps texts, as read at most `_TEXT_SETTING_SECONDS` ago.

        Decides whether texts are sent to Redis at all; the log script checks the setting
        again, so a stale True stores nothing. False while Redis is unreachable."""
        known = self._known.get(team)
        now = time.monotonic()
        if known is not None and known[1] > now:
            return known[0]
        if not self.handle.available():
            return False
        try:
            value = self.handle.client.hget(redis_keys.team_meta_key(team), "store_texts")
        except OUTAGE_ERRORS:
            self.handle.mark_down()
            return False
        self._known[team] = (value == "1", now + _TEXT_SETTING_SECONDS)
        return value == "1"

    def settings(self, team: str) -> dict[str, Any]:
        """{store_texts, text_retention_days} of `team` as stored now."""
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
        self._known.pop(team, None)
        if not store_texts:
            self.delete_texts(team)
        return self.settings(team)

    def delete_texts(self, team: str) -> int:
        """Delete every text kept for `team`; returns how many keys went."""
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
