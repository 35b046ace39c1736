"""The rewrite pipeline: resolve preset, protect facts, look up cache, call engine, verify,
store, log. Collaborators are passed in, so it runs and is tested without Flask."""

from __future__ import annotations

import json
import time
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from api.engines import Engine, EngineError
from api.errors import KindlyError
from api.rewrite.spend import Spend, reservation
from api.rewrite.verify import verified_rewrite
from api.store.cache import Lookup, RewriteCache, fingerprint
from api.store.connection import OUTAGE_ERRORS, ScriptCall, run_together
from api.store.presets import PresetStore
from api.store.teams import Principal
from api.tone.lexicon import Lexicon
from api.types import EngineResult, RewriteJob
from api.usage.entry import rewrite_entry
from api.usage.log import UsageLog

if TYPE_CHECKING:
    from api.store.rate_limit import RateLimiter

# A streamed rewrite's events: ("delta", {"text": ...}) then ("result", body).
Event = tuple[str, dict[str, Any]]


class Opened(NamedTuple):
    """A request past admission: its job, engine, cache key, first lookup and the model
    tokens reserved for it at admission (0: none, e.g. the offline engine)."""

    job: RewriteJob
    engine: Engine
    digest: str
    looked_up: Lookup
    reserved: int


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


@dataclass
class Pipeline:
    """Holds the collaborators; `rewrite_draft` runs the steps in order."""

    engine: Engine
    fallback: Engine
    cache: RewriteCache
    presets: PresetStore
    usage: UsageLog
    # Charges the model tokens a rewrite spent to the key and team (None: not counted).
    limits: RateLimiter | None = None
    # The word lists the tone scores use: the app's own (KINDLY_PROMPTS_DIR), else the default.
    lexicon: Lexicon | None = None
    clock: Any = field(default=time.perf_counter)

    def rewrite_draft(self, req: RewriteRequest, who: Principal) -> dict[str, Any]:
        started = self.clock()
        job, engine, digest, looked_up, reserved = self.open(req, who, lock=True)
        outcome: dict[str, bool] = {}

        def compute() -> tuple[dict[str, Any], bool]:
            value, outcome["cacheable"] = self._compute(job, engine)
            return value, outcome["cacheable"]

        value, cached, finish = self.cache.compute_once(who.team, digest, compute, looked_up)
        # The cache store goes out with the usage entry and the token charge: one round trip.
        stored = cached or (outcome.get("cacheable", False) and finish is not None)
        return self._respond(
            value, cached, job, who, started, finish, reserved, digest if stored else None
        )

    def stream_rewrite(self, req: RewriteRequest, who: Principal) -> Iterator[Event]:
        """The streamed rewrite: ("delta", {"text"}) events as the engine writes, then one
        ("result", body) with the verified result; `corrected` says the final text differs
        from the deltas (the guard rejected them). A bad request raises PipelineError here,
        before the first event. Streams skip the single-flight lock: each caller streams."""
        started = self.clock()
        job, engine, digest, (hit, _), reserved = self.open(req, who, lock=False)
        return self._stream_events(job, engine, digest, who, started, hit, reserved)

    def _stream_events(
        self,
        job: RewriteJob,
        engine: Engine,
        digest: str,
        who: Principal,
        started: float,
        hit: dict[str, Any] | None,
        reserved: int = 0,
    ) -> Iterator[Event]:
        if hit is not None:
            yield "delta", {"text": hit["rewrite"]}
            answer = self._respond(hit, True, job, who, started, None, reserved, digest)
            yield "result", {**answer, "corrected": False}
            return
        streamed: list[str] = []
        opener = getattr(engine, "stream", None)  # the offline engine does not stream yet
        upstream = None
        outcome: EngineResult | EngineError | None = None
        try:
            upstream = opener(job) if opener is not None else None
            if upstream is not None:
                for text in upstream:
                    streamed.append(text)
                    yield "delta", {"text": text}
                outcome = upstream.result()
        except EngineError as err:
            outcome = err
        finally:
            # Also on GeneratorExit (client gone): closing stops the upstream call.
            if upstream is not None:
                upstream.close()
        value, cacheable = verified_rewrite(
            job, engine, self.fallback, self.lexicon, outcome=outcome
        )
        if not streamed:
            yield "delta", {"text": value["rewrite"]}
        corrected = bool(streamed) and value["rewrite"] != "".join(streamed)
        stored = cacheable and self.cache.put(who.team, digest, value)
        answer = self._respond(
            value, False, job, who, started, None, reserved, digest if stored else None
        )
        yield "result", {**answer, "corrected": corrected}

    def _respond(
        self,
        value: dict[str, Any],
        cached: bool,
        job: RewriteJob,
        who: Principal,
        started: float,
        finish: ScriptCall | None = None,
        reserved: int = 0,
        digest: str | None = None,
    ) -> dict[str, Any]:
        response = dict(value)
        response["id"] = "rw_" + uuid.uuid4().hex[:20]
        response["cached"] = cached
        response["latency_ms"] = round((self.clock() - started) * 1000, 2)
        if cached:  # a hit called no model: it spent nothing
            response["usage"] = Spend().as_usage()
        self.usage.record_rewrite(
            who.team,
            rewrite_entry(response, who),
            draft=job.draft,
            rewrite_text=response["rewrite"],
            digest=digest,
            along=[finish, self._charge(who, response, reserved)],
        )
        return response

    def _charge(
        self, who: Principal, response: dict[str, Any], reserved: int = 0
    ) -> ScriptCall | None:
        """The token charge for a result: what the model calls spent (rejected answers and
        repairs too) less what admission reserved; a cache hit spent nothing."""
        if self.limits is None:
            return None
        usage = response.get("usage") or {}
        tokens = int(usage.get("tokens_in") or 0) + int(usage.get("tokens_out") or 0)
        return self.limits.charge_call(who, tokens - reserved)

    def open(
        self, req: RewriteRequest, who: Principal, *, lock: bool
    ) -> tuple[RewriteJob, Engine, str, Lookup]:
        """Preset, job, admission (rate limits) and the first cache lookup (with the
        single-flight lock when `lock`, a plain read for streams).

        One Redis round trip when this process remembers the preset: the check that it is
        still current goes with the admission and the lookup. Otherwise the preset is read
        first, and a preset changed since it was remembered costs one more lookup.
        """
        handle = self.cache.handle
        remembered = self.presets.remembered(who.team, req.preset) if handle.available() else None
        if remembered is None:
            job, engine, digest = self.prepare(req, who.team)
            reserve = reservation(job, engine)
            looked_up, reserved = self._first_trip(who, digest, lock, None, reserve)
        else:
            preset, stamp = remembered
            job, engine = self.build_job(req, preset)
            digest = self.digest(job, engine)
            check = self.presets.still_current_call(who.team, req.preset, stamp)
            reserve = reservation(job, engine)
            looked_up, reserved = self._first_trip(who, digest, lock, check, reserve)
            if looked_up is None:  # changed meanwhile (or unknown while Redis failed)
                self.presets.forget(who.team, req.preset)
                job, engine, digest = self.prepare(req, who.team)
                looked_up = self._lookup(who.team, digest, lock)
        return Opened(job, engine, digest, looked_up, reserved)

    def _first_trip(
        self,
        who: Principal,
        digest: str,
        lock: bool,
        still_current: ScriptCall | None,
        reserve: int = 0,
    ) -> tuple[Lookup | None, int]:
        """Admission (reserving `reserve` model tokens), preset check and lookup in one round
        trip: (lookup, tokens reserved). The lookup is None when the preset check did not
        confirm the remembered preset. Raises a 429 PipelineError when refused."""
        handle = self.cache.handle
        if not handle.available():
            return (None if still_current else (None, None)), 0
        admit = self.limits.admit_call(who, reserve) if self.limits else None
        token = None
        if lock:
            lookup, token = self.cache.lookup_call(who.team, digest)
        else:
            lookup = self.cache.get_call(who.team, digest)
        calls = [c for c in (admit, still_current, lookup) if c is not None]
        try:
            answers = run_together(handle.client, calls)
        except OUTAGE_ERRORS:
            handle.mark_down()  # limits fail open; the cache is skipped
            return (None if still_current else (None, None)), 0
        looked_up = _outcome(self.cache, answers[-1], token, lock)
        refusal = self.limits.refusal(who, answers[0]) if self.limits and admit else None
        if refusal is not None or (still_current and not answers[-2]):
            if looked_up[1]:  # we took the lock for nothing
                self.cache.run_finish(self.cache.finish_call(who.team, digest, looked_up[1], None))
            if refusal is not None:
                raise PipelineError(
                    429, refusal.message, headers={"Retry-After": str(refusal.retry_after)}
                )
            return None, reserve if admit else 0
        return looked_up, reserve if admit else 0

    def _lookup(self, team: str, digest: str, lock: bool) -> Lookup:
        if lock:
            return self.cache.lookup(team, digest)
        return self.cache.get(team, digest), None

    def prepare(self, req: RewriteRequest, team: str) -> tuple[RewriteJob, Engine, str]:
        """Read the preset; build the job, choose the engine and make the cache key."""
        preset = self.resolve_preset(team, req.preset)
        job, engine = self.build_job(req, preset)
        return job, engine, self.digest(job, engine)

    def digest(self, job: RewriteJob, engine: Engine) -> str:
        """The cache key of a job: everything that changes the output."""
        preset = job.preset
        return fingerprint(
            {
                "draft": job.draft,
                "customer_name": job.customer_name,
                "agent_name": job.agent_name,
                "customer_message": job.customer_message,
                # Slug and version, plus the content itself: a shipped default edited in
                # a release (still version 1) can't hit rewrites made with the old text.
                "preset": [preset["slug"], preset.get("version", 1), fingerprint(preset)],
                "action": job.action,
                "channel": job.channel,
                "target_locale": job.target_locale,
                "engine": engine.name,
                "model": engine.model,
                "templates": getattr(engine, "fingerprint", ""),
            }
        )

    def preview(
        self, req: RewriteRequest, preset: dict[str, Any], who: Principal
    ) -> dict[str, Any]:
        """Rewrite with an unsaved preset (the preset editor's live preview).

        Never cached and no feedback record: the preset may change on the next keystroke.
        """
        started = self.clock()
        job, engine = self.build_job(req, preset)
        reserved = self._reserve(who, reservation(job, engine))
        value, _ = verified_rewrite(job, engine, self.fallback, self.lexicon)
        response = dict(value)
        response["id"] = "pv_" + uuid.uuid4().hex[:20]
        response["cached"] = False
        response["latency_ms"] = round((self.clock() - started) * 1000, 2)
        entry = rewrite_entry(response, who, kind="preview")
        self.usage.record(who.team, entry, along=[self._charge(who, response, reserved)])
        return response

    def _reserve(self, who: Principal, tokens: int) -> int:
        """Reserve model tokens for a request admitted elsewhere (a preview): the tokens
        reserved, 0 when there is nothing to reserve or Redis is away; 429 when over."""
        if self.limits is None or tokens <= 0:
            return 0
        refusal, reserved = self.limits.reserve(who, tokens)
        if refusal is not None:
            raise PipelineError(
                429, refusal.message, headers={"Retry-After": str(refusal.retry_after)}
            )
        return reserved

    def build_job(self, req: RewriteRequest, preset: dict[str, Any]) -> tuple[RewriteJob, Engine]:
        """The job for `req` under `preset` (saved or being edited) and the engine to run it."""
        action = req.action or preset.get("default_action") or "soften"
        channel = req.channel or preset.get("default_channel") or "email"
        if action == "translate" and not req.target_locale:
            raise PipelineError(
                422,
                "The 'translate' action needs a target locale.",
                {"target_locale": ['Required for \'translate\', e.g. "de" or "pt-BR".']},
            )
        engine = self.choose_engine(action)
        job = RewriteJob(
            draft=normalise_draft(req.draft),
            action=action,
            channel=channel,
            customer_name=_clean(req.customer_name),
            agent_name=_clean(req.agent_name),
            customer_message=_clean(req.customer_message),
            target_locale=req.target_locale,
            preset=preset,
        )
        return job, engine

    def resolve_preset(self, team: str, slug: str) -> dict[str, Any]:
        preset = self.presets.get(team, slug)
        if preset is None:
            raise PipelineError(422, "Unknown preset.", {"preset": [f"No preset '{slug}'."]})
        return preset

    def choose_engine(self, action: str) -> Engine:
        for engine in (self.engine, self.fallback):
            if engine.supports(action):
                return engine
        raise PipelineError(
            422,
            f"The '{action}' action needs the language-model engine, which is not configured.",
            {"action": [f"'{action}' is not available with the {self.engine.name} engine."]},
        )

    def _compute(self, job: RewriteJob, engine: Engine) -> tuple[dict[str, Any], bool]:
        return verified_rewrite(job, engine, self.fallback, self.lexicon)


def _outcome(cache: RewriteCache, answer: Any, token: str | None, lock: bool) -> Lookup:
    if lock and token is not None:
        return cache.lookup_outcome(answer, token)
    return (json.loads(answer) if answer else None), None


def normalise_draft(draft: str) -> str:
    """Same text, same cache key: NFC, unix newlines, no trailing blanks."""
    text = unicodedata.normalize("NFC", draft).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
