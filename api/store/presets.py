"""Tone presets: defaults shipped in prompts/presets, each team's own copies in Redis.

A team is *seeded* once with copies of the defaults; from then on its Redis hash is the whole
truth, so a default it deleted stays deleted. Every write bumps the preset's version from a
per-slug counter that is never reset (not even by a delete), so a cached rewrite made with an
older preset can never match a newer one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import redis

from api.errors import KindlyError
from api.store import keys as redis_keys
from api.store.connection import OUTAGE_ERRORS, RedisHandle, lua_function
from api.types import PRESET_DEFAULTS


class PresetError(KindlyError):
    """A preset write the store refuses (taken slug, bad fields, unknown preset)."""


@lru_cache(maxsize=8)
def default_presets(prompts_dir: Path) -> dict[str, dict[str, Any]]:
    """The presets every new team starts with, keyed by slug (version 1)."""
    presets = {}
    for path in sorted((prompts_dir / "presets").glob("*.json")):
        preset = json.loads(path.read_text(encoding="utf-8"))
        preset.setdefault("version", 1)
        presets[preset["slug"]] = preset
    return presets


def conflicting_phrases(preset: dict[str, Any]) -> dict[str, list[str]]:
    """Field errors when the required phrases or the sign-off contain a banned phrase.

    The guard could not obey both rules, so such a preset is refused when it is saved.
    """
    banned = [b.casefold() for b in preset.get("banned_phrases", [])]
    errors: dict[str, list[str]] = {}
    for phrase in preset.get("required_phrases", []):
        for bad in banned:
            if bad in phrase.casefold():
                errors.setdefault("required_phrases", []).append(
                    f"'{phrase}' contains the banned phrase '{bad}'."
                )
    signoff = (preset.get("signoff") or "").casefold()
    for bad in banned:
        if bad in signoff:
            errors.setdefault("signoff", []).append(f"It contains the banned phrase '{bad}'.")
    return errors


# Whether a preset this process remembers is still the team's current one, so a rewrite can
# check it in the round trip that looks up the cache instead of reading the preset first.
# KEYS: presets hash, versions hash. ARGV: slug, stamp (the preset's version; 0 for a default
# of a team never seeded). Versions never repeat and survive deletes, so "the versions hash
# still says this version and the preset still exists" means the same content.
_STILL_CURRENT = """
if ARGV[2] == '0' then
  if redis.call('EXISTS', KEYS[2]) == 0 then return 1 end
  return 0
end
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
return redis.call('HEXISTS', KEYS[1], ARGV[1])
"""
STILL_CURRENT_FUNCTION = lua_function("still_current", _STILL_CURRENT)
# Presets remembered per process; far more than any deployment has, cleared when exceeded.
_REMEMBER_AT_MOST = 10_000


class PresetStore:
    """Read and write a team's presets; reads fall back to the defaults when Redis is down."""

    def __init__(self, handle: RedisHandle, prompts_dir: Path) -> None:
        self.handle = handle
        self.prompts_dir = prompts_dir
        # (team, slug) -> (preset, stamp), as last read from Redis by this process.
        self._remembered: dict[tuple[str, str], tuple[dict[str, Any], int]] = {}

    @property
    def defaults(self) -> dict[str, dict[str, Any]]:
        return default_presets(self.prompts_dir)

    @property
    def r(self) -> redis.Redis:
        return self.handle.client

    def seed(self, team: str) -> bool:
        """Give `team` its own copy of every default, once. Returns True when seeded now.

        The version counters double as the "seeded" mark: they exist from the first seed on
        and are never deleted, so seeding again never brings back a default the team removed.
        """
        versions = redis_keys.preset_versions_key(team)
        presets = redis_keys.presets_key(team)
        with self.r.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(versions)
                    if pipe.exists(versions):
                        pipe.unwatch()
                        return False
                    pipe.multi()
                    for slug, preset in self.defaults.items():
                        pipe.hsetnx(presets, slug, json.dumps(preset))
                        pipe.hset(versions, slug, int(preset.get("version", 1)))
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    def get(self, team: str, slug: str) -> dict[str, Any] | None:
        if self.handle.available():
            try:
                raw, seeded = (
                    self.r.pipeline(transaction=False)
                    .hget(redis_keys.presets_key(team), slug)
                    .exists(redis_keys.preset_versions_key(team))
                    .execute()
                )
            except OUTAGE_ERRORS:
                self.handle.mark_down()
            else:
                if raw:
                    preset = _complete(json.loads(raw))
                    self._remember(team, slug, preset, int(preset["version"]))
                    return preset
                if seeded:
                    self.forget(team, slug)
                    return None
                # A team that was never seeded still gets the defaults.
                default = self.defaults.get(slug)
                if default:
                    self._remember(team, slug, _complete(default), 0)
        default = self.defaults.get(slug)
        return _complete(default) if default else None

    def remembered(self, team: str, slug: str) -> tuple[dict[str, Any], int] | None:
        """(preset, stamp) as this process last read it, unchecked: the first trip's
        `still_current` function checks it in the same round trip as the cache lookup."""
        return self._remembered.get((team, slug))

    def forget(self, team: str, slug: str) -> None:
        self._remembered.pop((team, slug), None)

    def _remember(self, team: str, slug: str, preset: dict[str, Any], stamp: int) -> None:
        if len(self._remembered) >= _REMEMBER_AT_MOST:
            self._remembered.clear()
        self._remembered[(team, slug)] = (preset, stamp)

    def list(self, team: str) -> list[dict[str, Any]]:
        """The team's presets sorted by slug (the defaults while Redis is unreachable)."""
        raw: dict[str, str] = {}
        seeded = False
        if self.handle.available():
            try:
                raw, seeded = (
                    self.r.pipeline(transaction=False)
                    .hgetall(redis_keys.presets_key(team))
                    .exists(redis_keys.preset_versions_key(team))
                    .execute()
                )
            except OUTAGE_ERRORS:
                self.handle.mark_down()
        merged = {} if seeded else {slug: _complete(p) for slug, p in self.defaults.items()}
        merged.update({slug: _complete(json.loads(v)) for slug, v in raw.items()})
        return [merged[slug] for slug in sorted(merged)]

    def create(self, team: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Add a preset; 409 when the slug is taken."""
        slug = fields["slug"]

        def build(current: dict[str, Any] | None) -> dict[str, Any]:
            if current is not None:
                raise PresetError(409, f"A preset '{slug}' already exists.", {"slug": ["Taken."]})
            return {**PRESET_DEFAULTS, **fields}

        return self._write(team, slug, build)

    def replace(
        self, team: str, slug: str, fields: dict[str, Any], expected_version: int | None = None
    ) -> dict[str, Any]:
        """PUT: the preset becomes exactly `fields` (missing fields take their defaults)."""

        def build(current: dict[str, Any] | None) -> dict[str, Any]:
            _check_current(slug, current, expected_version)
            return {**PRESET_DEFAULTS, **fields}

        return self._write(team, slug, build)

    def update(
        self, team: str, slug: str, changes: dict[str, Any], expected_version: int | None = None
    ) -> dict[str, Any]:
        """PATCH: change only the given fields."""

        def build(current: dict[str, Any] | None) -> dict[str, Any]:
            _check_current(slug, current, expected_version)
            assert current is not None
            return {**current, **changes}

        return self._write(team, slug, build)

    def delete(self, team: str, slug: str) -> bool:
        """Remove a preset (its version counter stays). False when there was none."""
        self.seed(team)
        return bool(self.r.hdel(redis_keys.presets_key(team), slug))

    def _write(
        self, team: str, slug: str, build: Callable[[dict[str, Any] | None], dict[str, Any]]
    ) -> dict[str, Any]:
        """Read-modify-write under WATCH so concurrent edits never lose one or share a version."""
        self.seed(team)  # a team's first own preset must not hide the defaults it never had
        presets = redis_keys.presets_key(team)
        versions = redis_keys.preset_versions_key(team)
        with self.r.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(presets, versions)
                    raw = pipe.hget(presets, slug)
                    current = _complete(json.loads(raw)) if raw else None
                    preset = build(current)
                    errors = conflicting_phrases(preset)
                    if errors:
                        raise PresetError(422, "Some fields are not valid.", errors)
                    last = int(pipe.hget(versions, slug) or 0)
                    seen = int(current["version"]) if current else 0
                    preset["slug"] = slug
                    preset["version"] = max(last, seen) + 1
                    pipe.multi()
                    pipe.hset(presets, slug, json.dumps(preset))
                    pipe.hset(versions, slug, preset["version"])
                    pipe.execute()
                    return preset
                except redis.WatchError:
                    continue


def _check_current(slug: str, current: dict[str, Any] | None, expected: int | None) -> None:
    if current is None:
        raise PresetError(404, f"No preset '{slug}'.")
    if expected is not None and int(current["version"]) != expected:
        raise PresetError(
            409,
            f"Preset '{slug}' changed since you read it (now version {current['version']}).",
            {"version": [f"Expected {expected}, found {current['version']}."]},
        )


def _complete(preset: dict[str, Any]) -> dict[str, Any]:
    """Fill fields an older stored preset lacks, so readers can rely on every field."""
    return {**PRESET_DEFAULTS, "version": 1, **preset}
