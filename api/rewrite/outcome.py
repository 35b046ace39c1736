"""What a rewrite request carries between its steps and leaves behind: what the first round
trip found, a hit's body (the cached JSON, not serialised again), and the usage entries."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api.engines import Engine
from api.errors import KindlyError
from api.rewrite.spend import Spend
from api.store.cache import Lookup
from api.store.first_trip import HitLog
from api.store.teams import Principal
from api.types import RewriteJob


class PipelineError(KindlyError):
    """A request the pipeline refuses (unknown preset, limits, bad options)."""


@dataclass
class RewriteRequest:
    """One validated request to rewrite a draft."""

    draft: str
    customer_name: str | None = None
    agent_name: str | None = None
    customer_message: str | None = None
    preset: str = "warm"
    channel: str | None = None
    action: str | None = None
    target_locale: str | None = None
    format: str = "text"  # "html": a rich draft, see api.facts.marks


class RawJSON(str):
    """A response body that is JSON text already (a cache hit): sent as it is."""


@dataclass(frozen=True)
class KeyCheck:
    """A key to check in the first round trip: its hash, and who to tell once it is known."""

    key_hash: str
    on_confirmed: Callable[[Principal], None] | None = None


@dataclass
class Opened:
    """What `Pipeline.open` found: the job, its engine and cache key, the confirmed caller
    and the cache lookup (a hit's JSON, or our single-flight lock token)."""

    job: RewriteJob
    engine: Engine
    digest: str
    who: Principal
    request_id: str
    hit_json: str | None = None
    logged: bool = False  # the hit's usage entry went out with the lookup
    lookup: Lookup = (None, None)
    latency_ms: float = 0.0
    preset_changed: bool = False
    reserved: int = 0  # model tokens admission reserved (given back by a logged hit)

    def looked_up(self) -> Lookup:
        """(cached value, None), (None, lock token) or (None, None)."""
        if self.hit_json is not None:
            return json.loads(self.hit_json), None
        return self.lookup


def hit_body(cached: str, request_id: str, latency_ms: float) -> RawJSON:
    """The 200 body of a hit: the cached JSON object with id, cached and latency in front,
    never parsed and serialised again."""
    return RawJSON(
        f'{{"id":"{request_id}","cached":true,"latency_ms":{latency_ms},{cached[1:]}'
    )


def hit_log_for(opened: Opened, with_label: bool) -> HitLog:
    """The small usage entry of a hit: no copy of the rewrite and no feedback record (the
    entry names the cache entry, and feedback finds the entry by the id's time)."""
    who, job, engine = opened.who, opened.job, opened.engine
    now = time.time()
    version = job.preset.get("version", 1)
    entry: dict[str, Any] = {
        "ts": now,
        "request_id": opened.request_id,
        "kind": "rewrite",
        "key_id": who.key_id,
        "preset": job.preset["slug"],
        "preset_version": version,
        "action": job.action,
        "channel": job.channel,
        "engine": engine.name,
        "model": engine.model,
        "cached": True,
        "latency_ms": opened.latency_ms,
        "tokens_in": 0,
        "tokens_out": 0,
        "cost_usd": 0.0,
        "facts_passed": True,
        "outcome": "ok",
        # What feedback on this hit needs, in place of a record of its own (see
        # UsageLog.rewrite_record): the cached rewrite it was served.
        "digest": opened.digest,
    }
    if with_label:
        entry["key_label"] = who.label  # else the script adds the checked key's label
    return HitLog(opened.request_id, entry)


def plain_text(value: dict[str, Any]) -> str:
    """The rewrite as text (a rich rewrite's `rewrite` is HTML)."""
    return value.get("rewrite_text", value["rewrite"])


def served_again(value: dict[str, Any]) -> dict[str, Any]:
    """What the cache keeps of an answer: the answer as a hit serves it (a hit calls no model,
    so it spent nothing), ready to be sent as it is: without `rules`, which only the engines'
    tone work reads and no answer carries."""
    kept = {name: part for name, part in value.items() if name != "rules"}
    return {**kept, "usage": Spend().as_usage()}
