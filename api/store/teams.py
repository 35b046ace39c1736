"""Teams and their API keys in Redis. Keys are stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

import redis

from api.store import keys as redis_keys
from api.store.connection import OUTAGE_ERRORS, RedisHandle
from api.types import ROLES

KEY_PREFIX = "kly_"
# How long a key verified by Redis stays usable while Redis is unreachable.
STALE_KEY_SECONDS = 300.0
# Per-team overrides of the deployment's limits, stored in the team's meta hash as
# "limit:<name>" (api/rate_limit.py reads them inside its Lua script).
LIMIT_NAMES = ("key_per_min", "team_per_min", "tokens_key_per_day", "tokens_team_per_day")
# Writing last-used on every request would cost a Redis write per call; once a minute is
# precise enough for "is this key still in use?".
_TOUCH_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's team, id, role and label (never the secret)."""

    team: str
    key_id: str
    role: str
    label: str = ""

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48]
    return slug or "team"


class TeamStore:
    """Create teams, issue/verify/revoke keys. Redis errors propagate to the caller."""

    def __init__(self, handle: RedisHandle) -> None:
        self.handle = handle
        # Last good verifications, used only while Redis is unreachable (stale-if-error),
        # so agents keep working through an outage while revocation stays immediate
        # whenever Redis answers.
        self._recent: dict[str, tuple[Principal, float]] = {}
        self._touched: dict[str, float] = {}

    @property
    def r(self) -> redis.Redis:
        return self.handle.client

    def team_exists(self, team: str) -> bool:
        return bool(self.r.sismember(redis_keys.teams_index_key(), team))

    def create_team(self, name: str, team_id: str | None = None) -> str:
        team = team_id or slugify(name)
        if not redis_keys.valid_team_id(team):
            raise ValueError(f"invalid team id: {team!r}")
        base, n = team, 1
        while not self.r.sadd(redis_keys.teams_index_key(), team):
            if team_id:
                raise ValueError(f"team {team!r} already exists")
            n += 1
            team = f"{base}-{n}"
        self.r.hset(
            redis_keys.team_meta_key(team),
            mapping={"name": name, "created": str(int(time.time()))},
        )
        return team

    def ensure_team(self, team: str, name: str | None = None) -> bool:
        """Create `team` if missing. Returns True when it was created now."""
        if self.team_exists(team):
            return False
        self.create_team(name or team, team_id=team)
        return True

    def team_info(self, team: str) -> dict[str, Any] | None:
        meta = self.r.hgetall(redis_keys.team_meta_key(team))
        if not meta:
            return None
        return {"id": team, "name": meta.get("name", team), "created": int(meta.get("created", 0))}

    def team_name(self, team: str) -> str:
        """The team's display name; its id while Redis is unreachable or it has none."""
        if self.handle.available():
            try:
                return self.r.hget(redis_keys.team_meta_key(team), "name") or team
            except OUTAGE_ERRORS:
                self.handle.mark_down()
        return team

    def set_limits(self, team: str, limits: dict[str, int | None]) -> dict[str, int]:
        """Override this team's limits (None clears one, back to the deployment default)."""
        if not self.team_exists(team):
            raise LookupError(f"no team {team!r}")
        meta = redis_keys.team_meta_key(team)
        pipe = self.r.pipeline(transaction=True)
        for name, value in limits.items():
            if name not in LIMIT_NAMES:
                raise ValueError(f"unknown limit {name!r}")
            if value is None:
                pipe.hdel(meta, f"limit:{name}")
            else:
                pipe.hset(meta, f"limit:{name}", int(value))
        pipe.execute()
        return self.team_limits(team)

    def team_limits(self, team: str) -> dict[str, int]:
        """This team's own limit overrides (only the ones it has)."""
        meta = self.r.hgetall(redis_keys.team_meta_key(team))
        return {
            name: int(meta[f"limit:{name}"]) for name in LIMIT_NAMES if f"limit:{name}" in meta
        }

    def list_teams(self) -> list[dict[str, Any]]:
        teams = sorted(self.r.smembers(redis_keys.teams_index_key()))
        return [info for t in teams if (info := self.team_info(t))]

    def create_key(self, team: str, role: str = "agent", label: str = "") -> tuple[dict, str]:
        """Issue a key. Returns (record, secret); the secret is never stored."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if not self.team_exists(team):
            raise LookupError(f"no team {team!r}")
        key_id = secrets.token_hex(6)
        secret = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(24)}"
        record = {
            "id": key_id,
            "team": team,
            "role": role,
            "label": label,
            "created": int(time.time()),
            "last_used": None,
            "hash": hash_key(secret),
        }
        pipe = self.r.pipeline(transaction=False)
        pipe.hset(redis_keys.team_keys_key(team), key_id, json.dumps(record))
        pipe.hset(redis_keys.apikeys_index_key(), record["hash"], json.dumps(record))
        pipe.execute()
        return record, secret

    def list_keys(self, team: str) -> list[dict[str, Any]]:
        """A team's keys, oldest first, with last-used times (never the hashes)."""
        raw = self.r.hgetall(redis_keys.team_keys_key(team))
        records = [public_record(json.loads(v)) for v in raw.values()]
        records.sort(key=lambda rec: (rec["created"], rec["id"]))
        if records:
            used = self.r.mget([redis_keys.key_last_used_key(team, r["id"]) for r in records])
            for record, last in zip(records, used, strict=True):
                record["last_used"] = int(last) if last else None
        return records

    def find_key(self, key_id: str, team: str | None = None) -> dict[str, Any] | None:
        """The public record of one key: in `team` when given, else in whichever team has it."""
        teams = [team] if team else self.r.smembers(redis_keys.teams_index_key())
        for owner in teams:
            raw = self.r.hget(redis_keys.team_keys_key(owner), key_id)
            if raw:
                return public_record(json.loads(raw))
        return None

    def revoke_key(self, key_id: str, team: str | None = None) -> bool:
        """Revoke a key, looking only in `team` when given. False when there is no such key."""
        teams = [team] if team else self.r.smembers(redis_keys.teams_index_key())
        for owner in teams:
            raw = self.r.hget(redis_keys.team_keys_key(owner), key_id)
            if raw:
                record = json.loads(raw)
                # The index entry goes first: from here on the key no longer verifies.
                pipe = self.r.pipeline(transaction=False)
                pipe.hdel(redis_keys.apikeys_index_key(), record["hash"])
                pipe.hdel(redis_keys.team_keys_key(owner), key_id)
                pipe.delete(redis_keys.key_last_used_key(owner, key_id))
                pipe.execute()
                self._recent.pop(record["hash"], None)
                return True
        return False

    def verify(self, secret: str, admin_key: str | None, default_team: str) -> Principal | None:
        """Map a presented key to a Principal, or None when it is not valid."""
        if admin_key and hmac.compare_digest(secret.encode(), admin_key.encode()):
            return Principal(team=default_team, key_id="env-admin", role="admin", label="env")
        digest = hash_key(secret)
        if not self.handle.available():
            return self._remembered(digest)
        try:
            raw = self.r.hget(redis_keys.apikeys_index_key(), digest)
        except OUTAGE_ERRORS:
            self.handle.mark_down()
            return self._remembered(digest)
        if not raw:
            self._recent.pop(digest, None)
            return None
        record = json.loads(raw)
        principal = Principal(record["team"], record["id"], record["role"], record["label"])
        self._recent[digest] = (principal, time.monotonic())
        self._touch(principal)
        return principal

    def _remembered(self, digest: str) -> Principal | None:
        """A key Redis confirmed recently, trusted for a bounded time while Redis is away.

        The bound caps how long a key revoked just before an outage could still work on a
        worker that had seen it; within it, agents keep working through a short outage.
        """
        remembered = self._recent.get(digest)
        if remembered is None:
            return None
        principal, seen = remembered
        if time.monotonic() - seen > STALE_KEY_SECONDS:
            self._recent.pop(digest, None)
            return None
        return principal

    def _touch(self, principal: Principal) -> None:
        """Record last-used time; best effort, at most about once a minute per key."""
        now = time.monotonic()
        last = self._touched.get(principal.key_id)
        if last is not None and now - last < _TOUCH_EVERY_SECONDS:
            return
        self._touched[principal.key_id] = now
        try:
            self.r.set(
                redis_keys.key_last_used_key(principal.team, principal.key_id),
                int(time.time()),
                ex=90 * 24 * 3600,
            )
        except OUTAGE_ERRORS:
            self.handle.mark_down()


def public_record(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "hash"}

