"""Teams and their API keys in Redis. Keys are stored only as SHA-256 hashes.

A key names its team and id (`kk_<team>_<key id>_<secret>`), so it is checked in the team's
own hash slot, in the same Lua script as the rest of a request's first round trip (also on
Redis Cluster). Keys of the older form (`kly_<key id>_<secret>`) are still accepted; they are
looked up in the global index, one round trip more.

What a worker may trust while Redis is away is one rule for every worker of the host, kept
in a file they share (api/store/trust.py, where the rule and its edge cases are written
down). This module feeds it: a key Redis confirms while this worker's revocation listener
is connected and caught up is written there; a revocation (published to every worker,
appended to a stream for listeners that were away, or seen as Redis answering "no such
key") clears it. Any other key during an outage gets 503 + Retry-After: a valid key never
gets 401 because Redis is away, and a revoked one never works again.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from api.store import keys as redis_keys
from api.store.connection import OUTAGE_ERRORS, RedisHandle, RedisUnavailable
from api.store.revocations import append_revocation, catch_up, listen
from api.store.trust import TrustFile
from api.types import ROLES

log = logging.getLogger(__name__)

KEY_PREFIX = "kk_"
OLD_KEY_PREFIX = "kly_"
_KEY_FORM = re.compile(r"^kk_(?P<team>[a-z0-9][a-z0-9_-]{0,63})_(?P<id>[0-9a-f]{12})_[0-9a-f]{40}$")
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
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def key_owner(secret: str) -> tuple[str, str] | None:
    """(team, key id) named by a key of the current form; None for any other string."""
    match = _KEY_FORM.match(secret)
    return (match["team"], match["id"]) if match else None


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48]
    return slug or "team"


class TeamStore:
    """Create teams, issue/verify/revoke keys. Redis errors propagate to the caller."""

    def __init__(self, handle: RedisHandle, trust_dir: Path | None = None) -> None:
        self.handle = handle
        # Keys Redis confirmed, used only while Redis is unreachable (stale-if-error), so
        # agents keep working through an outage, on every worker of the host, while
        # revocation stays immediate. `trust_dir`: None keeps them in this process only.
        self.trust = TrustFile(trust_dir, source=handle.url)
        self._touched: dict[str, float] = {}
        self._listener_pid = 0
        self._listening = False  # the revocation listener is subscribed right now

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
        secret = f"{KEY_PREFIX}{team}_{key_id}_{secrets.token_hex(20)}"
        record = {
            "id": key_id,
            "team": team,
            "role": role,
            "label": label,
            "created": int(time.time()),
            "last_used": None,
            "hash": hash_key(secret),
        }
        # Both hashes are in the team's slot: one MULTI on a cluster too.
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(redis_keys.team_keys_key(team), key_id, json.dumps(record))
        pipe.hset(redis_keys.team_key_hashes_key(team), record["hash"], json.dumps(record))
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
                # Into the revocation stream first, for listeners that are away right now.
                append_revocation(self.r, record["hash"])
                # Then the hash entries: from here on the key no longer verifies. An
                # older key also sits in the global index (another slot: its own command).
                self.r.hdel(redis_keys.apikeys_index_key(), record["hash"])
                pipe = self.r.pipeline(transaction=True)
                pipe.hdel(redis_keys.team_key_hashes_key(owner), record["hash"])
                pipe.hdel(redis_keys.team_keys_key(owner), key_id)
                pipe.delete(redis_keys.key_last_used_key(owner, key_id))
                pipe.execute()
                self.trust.forget([record["hash"]])
                # Every worker forgets it now, so it can't work during a later outage either.
                self.r.publish(redis_keys.revocation_channel(), record["hash"])
                return True
        return False

    def verify(self, secret: str, admin_key: str | None, default_team: str) -> Principal | None:
        """Map a presented key to a Principal, or None when it is not valid.

        While Redis is unreachable: the remembered Principal, or RedisUnavailable (503) for a
        key this worker may not vouch for (see the module docstring) - never None for that.
        """
        if admin_key and hmac.compare_digest(
            secret.encode("utf-8", "surrogatepass"), admin_key.encode()
        ):
            return Principal(team=default_team, key_id="env-admin", role="admin", label="env")
        owner = key_owner(secret)
        if owner is None and not secret.startswith(OLD_KEY_PREFIX):
            return None  # no Redis needed to refuse a string that is not a key at all
        digest = hash_key(secret)
        team = owner[0] if owner else None
        self.listen_for_revocations()
        if not self.handle.available():
            return self.remembered(digest, team)
        try:
            raw = self._lookup(digest, team)
        except OUTAGE_ERRORS:
            self.handle.mark_down()
            return self.remembered(digest, team)
        return self.confirmed(digest, raw)

    def _lookup(self, digest: str, team: str | None) -> str | None:
        """The key's record: in its team's slot, or (older keys) in the global index."""
        if team is not None:
            return self.r.hget(redis_keys.team_key_hashes_key(team), digest)
        return self.r.hget(redis_keys.apikeys_index_key(), digest)

    def confirmed(self, digest: str, raw: str | None) -> Principal | None:
        """The Principal of a key record Redis just answered (None: no such key), remembered
        for outages and touched for last-used."""
        if not raw:
            if self.trust.holds(digest):  # revoked while this host trusted it
                self.trust.forget([digest])
            return None
        record = json.loads(raw)
        principal = Principal(record["team"], record["id"], record["role"], record["label"])
        if self._listening:
            self.trust.remember(digest, record, time.time())
        self._touch(principal)
        return principal

    def remembered(self, digest: str, team: str | None = None) -> Principal | None:
        """A key Redis confirmed recently, trusted for a bounded time while Redis is away.

        Any other key: asked of Redis after all when the revocation listener is connected
        right now (Redis is back, a request was still in the cool-down), else RedisUnavailable
        (503): this worker can't tell whether it is valid, so the client retries later; it
        never learns "invalid" from an outage. `team`: the team a current key names.
        """
        record = self.trust.vouch(digest)
        if record is not None and (team is None or record["team"] == team):
            return Principal(record["team"], record["id"], record["role"], record["label"])
        if self._listening:
            try:
                raw = self._lookup(digest, team)
            except OUTAGE_ERRORS:
                raise RedisUnavailable() from None
            self.handle.mark_up()
            return self.confirmed(digest, raw)
        raise RedisUnavailable()

    def listen_for_revocations(self) -> None:
        """Start this process's revocation listener (once per process: gunicorn forks)."""
        if self._listener_pid == os.getpid():
            return
        self._listener_pid = os.getpid()
        self._listening = False
        # Subscribe here, so the keys this request confirms are already covered.
        pubsub = None
        if self.handle.available():
            try:
                pubsub = self._subscribe()
            except (*OUTAGE_ERRORS, redis.RedisError, OSError):
                pubsub = None  # the listener thread tries again (and logs a surprise)
        threading.Thread(
            target=listen,
            args=(weakref.ref(self), os.getpid(), pubsub),
            name="key-revocations",
            daemon=True,
        ).start()

    def _subscribe(self) -> Any:
        """Subscribe to revocations, then catch up on those appended while away; from
        then on this worker may add the keys it confirms to the host's trust."""
        pubsub = self.handle.client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(redis_keys.revocation_channel())
            catch_up(self.r, self.trust)
        except BaseException:
            with contextlib.suppress(Exception):
                pubsub.close()
            raise
        self._listening = True
        return pubsub

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

