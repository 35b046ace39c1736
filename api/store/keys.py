"""Every Redis key Kindly uses, built here from one prefix.

Keys that belong to a team share the hash tag ``{team}`` so a team's keys live in one
Redis Cluster slot and multi-key operations stay legal.

| key                                   | type   | holds                                  |
|---------------------------------------|--------|----------------------------------------|
| kindly:{team}:cache:<sha256>          | string | JSON of a verified rewrite             |
| kindly:{team}:lock:<sha256>           | string | single-flight lock token               |
| kindly:{team}:meta                    | hash   | the team's name, created time, settings|
| kindly:{team}:keys                    | hash   | key id -> JSON key record (no secret)  |
| kindly:{team}:keyhashes               | hash   | sha256(api key) -> JSON key record     |
| kindly:{team}:presets                 | hash   | slug -> JSON preset                    |
| kindly:{team}:presetversions          | hash   | slug -> last version (never reset)     |
| kindly:{team}:lastused:<key id>       | string | unix time the key was last used        |
| kindly:{team}:rate:<scope>:<window>   | string | request/token counter, expires w/ window|
| kindly:{team}:usage                   | stream | usage log entries                      |
| kindly:{team}:usage:seen              | zset   | logged request ids -> time (dedupe)    |
| kindly:{team}:usage:text:<request id> | string | JSON of stored texts (opt-in, TTL)     |
| kindly:{team}:rewrites:<id>           | string | JSON summary of a rewrite (feedback)   |
| kindly:{global}:teams                 | set    | team ids                               |
| kindly:{global}:apikeys               | hash   | sha256(older kly_ key) -> JSON record  |
| kindly:revocations (pub/sub channel)  |        | sha256 of each key revoked             |
| kindly:{global}:revocations           | stream | the same hashes, for listeners that were away |
| kindly:{global}:revocations:count     | string | how many revocations were ever appended |
| kindly:{global}:revocations:epoch     | string | random id of this Redis's key history  |
"""

from __future__ import annotations

import re

from api.types import TEAM_ID_PATTERN

PREFIX = "kindly"
_TEAM_ID = re.compile(TEAM_ID_PATTERN)


def valid_team_id(team: str) -> bool:
    return bool(_TEAM_ID.match(team))


def team_key(team: str, *parts: str) -> str:
    """A key inside one team's hash slot: kindly:{team}:part:part."""
    if not valid_team_id(team):
        raise ValueError(f"invalid team id: {team!r}")
    return ":".join([PREFIX, "{" + team + "}", *parts])


def global_key(*parts: str) -> str:
    """A key shared by all teams (team index, API key index)."""
    return ":".join([PREFIX, "{global}", *parts])


def cache_key(team: str, digest: str) -> str:
    return team_key(team, "cache", digest)


def lock_key(team: str, digest: str) -> str:
    return team_key(team, "lock", digest)


def presets_key(team: str) -> str:
    return team_key(team, "presets")


def team_meta_key(team: str) -> str:
    return team_key(team, "meta")


def team_keys_key(team: str) -> str:
    return team_key(team, "keys")


def preset_versions_key(team: str) -> str:
    # Kept when a preset is deleted, so a re-created slug never reuses a cached version.
    return team_key(team, "presetversions")


def key_last_used_key(team: str, key_id: str) -> str:
    return team_key(team, "lastused", key_id)


def rate_key(team: str, scope: str, window: str) -> str:
    """A limit counter: scope "team" or "key:<id>"; window "min" (requests) or "tokens" (day)."""
    return team_key(team, "rate", scope, window)


def usage_key(team: str) -> str:
    return team_key(team, "usage")


def usage_seen_key(team: str) -> str:
    return team_key(team, "usage", "seen")


def usage_text_key(team: str, request_id: str) -> str:
    return team_key(team, "usage", "text", request_id)


def rewrite_record_key(team: str, rewrite_id: str) -> str:
    return team_key(team, "rewrites", rewrite_id)


def team_key_hashes_key(team: str) -> str:
    """The team's key check: sha256(key) -> record, in the team's slot (keys of the current
    form name their team, so a request's first script can check them)."""
    return team_key(team, "keyhashes")


def revocation_channel() -> str:
    """Pub/sub channel: the hash of every revoked key, so every worker forgets it at once."""
    return f"{PREFIX}:revocations"


def revocations_key(*parts: str) -> str:
    """The revocation stream (no parts), its `count`, its `epoch` (api/store/trust.py)."""
    return global_key("revocations", *parts)


def teams_index_key() -> str:
    return global_key("teams")


def apikeys_index_key() -> str:
    """Older (kly_) keys only; current keys are checked in their team's slot."""
    return global_key("apikeys")
