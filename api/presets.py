"""Tone presets: defaults shipped in prompts/presets, per-team copies in Redis."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import redis

from api import redis_keys
from api.redis_store import RedisHandle


@lru_cache(maxsize=8)
def default_presets(prompts_dir: Path) -> dict[str, dict[str, Any]]:
    """The presets every new team starts with, keyed by slug (version 1)."""
    presets = {}
    for path in sorted((prompts_dir / "presets").glob("*.json")):
        preset = json.loads(path.read_text(encoding="utf-8"))
        preset.setdefault("version", 1)
        presets[preset["slug"]] = preset
    return presets


class PresetStore:
    """Read a team's presets; fall back to the shipped defaults when Redis is unreachable."""

    def __init__(self, handle: RedisHandle, prompts_dir: Path) -> None:
        self.handle = handle
        self.prompts_dir = prompts_dir

    @property
    def defaults(self) -> dict[str, dict[str, Any]]:
        return default_presets(self.prompts_dir)

    def seed(self, team: str) -> None:
        """Give a new team its own copy of every default preset (existing ones are kept)."""
        pipe = self.handle.client.pipeline(transaction=False)
        for slug, preset in self.defaults.items():
            pipe.hsetnx(redis_keys.presets_key(team), slug, json.dumps(preset))
        pipe.execute()

    def get(self, team: str, slug: str) -> dict[str, Any] | None:
        if self.handle.available():
            try:
                raw = self.handle.client.hget(redis_keys.presets_key(team), slug)
            except redis.RedisError:
                self.handle.mark_down()
            else:
                if raw:
                    return json.loads(raw)
                # A team that was never seeded (or Redis wiped) still gets the defaults.
        return self.defaults.get(slug)

    def list(self, team: str) -> list[dict[str, Any]]:
        try:
            raw = self.handle.client.hgetall(redis_keys.presets_key(team))
        except redis.RedisError:
            self.handle.mark_down()
            raw = {}
        merged = dict(self.defaults)
        merged.update({slug: json.loads(v) for slug, v in raw.items()})
        return [merged[slug] for slug in sorted(merged)]
