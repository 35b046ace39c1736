"""Usage log: one Redis stream per team; a local spool file when Redis is unreachable."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import redis

from api import redis_keys
from api.redis_store import RedisHandle

STREAM_MAXLEN = 200_000


class UsageLog:
    """Append usage entries; never raises and never loses an entry."""

    def __init__(self, handle: RedisHandle, spool_dir: Path) -> None:
        self.handle = handle
        self.spool_path = spool_dir / f"usage-{os.getpid()}.jsonl"
        self._lock = threading.Lock()

    def record(self, team: str, entry: dict[str, Any]) -> None:
        if self.handle.available():
            try:
                self._xadd(self.handle.client, team, entry)
                return
            except redis.RedisError:
                self.handle.mark_down()
        self._spool(team, entry)

    @staticmethod
    def _xadd(client: redis.Redis, team: str, entry: dict[str, Any]) -> None:
        client.xadd(
            redis_keys.usage_key(team),
            {"json": json.dumps(entry, separators=(",", ":"))},
            maxlen=STREAM_MAXLEN,
            approximate=True,
        )

    def _spool(self, team: str, entry: dict[str, Any]) -> None:
        line = json.dumps({"team": team, "entry": entry}, separators=(",", ":"))
        with self._lock:
            self.spool_path.parent.mkdir(parents=True, exist_ok=True)
            with self.spool_path.open("a", encoding="utf-8") as spool:
                spool.write(line + "\n")
                spool.flush()
                os.fsync(spool.fileno())
