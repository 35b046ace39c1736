"""The rewrite pipeline: resolve preset, protect facts, look up cache, call engine, verify,
store, log. Collaborators are passed in, so it runs and is tested without Flask."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from api.engines import Engine
from api.facts import marks
from api.rewrite.cache_key import JobDigest
from api.rewrite.outcome import (
    KeyCheck,
    Opened,
    PipelineError,
    RawJSON,
    RewriteRequest,
    hit_body,
    hit_log_for,
    plain_text,
    served_again,
)
from api.rewrite.spend import Spend, reservation
from api.rewrite.streaming import Event, stream_events
from api.rewrite.verify import clean_text, normalise_draft, verified_rewrite
from api.store import keys as redis_keys
from api.store.cache import Lookup, RewriteCache
from api.store.connection import OUTAGE_ERRORS, RedisUnavailable, ScriptCall
from api.store.first_trip import INVALID_KEY, PRESET_CHANGED, REFUSED, FirstTrip
from api.store.presets import PresetStore
from api.store.teams import Principal, TeamStore
from api.tone.lexicon import Lexicon
from api.types import RewriteJob
from api.usage.entry import new_rewrite_id, rewrite_entry
from api.usage.log import UsageLog

__all__ = ["KeyCheck", "Pipeline", "PipelineError", "RawJSON", "RewriteRequest"]
__all__ += ["normalise_draft", "verified_rewrite"]

if TYPE_CHECKING:
    from api.store.rate_limit import RateLimiter



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
    # Checks keys of the current form in the first round trip (None: keys come checked).
    teams: TeamStore | None = None
    clock: Any = field(default=time.perf_counter)

    def __post_init__(self) -> None:
        self.first_trip = FirstTrip(self.cache.handle, self.limits, self.usage)
        self._digest = JobDigest()

    def rewrite_draft(
        self, req: RewriteRequest, who: Principal, key: KeyCheck | None = None
    ) -> dict[str, Any] | RawJSON:
        """The rewrite's body; a cache hit comes back as the cached JSON itself (RawJSON),
        already logged by the first round trip. `key`: check the caller's key in that trip."""
        started = self.clock()
        opened = self.open(req, who, lock=True, key=key, started=started)
        if opened.hit_json is not None and opened.logged:
            return hit_body(opened.hit_json, opened.request_id, opened.latency_ms)
        computed: dict[str, Any] = {}

        def compute() -> tuple[dict[str, Any], bool]:
            value, computed["cacheable"] = self._compute(opened.job, opened.engine)
            computed["value"] = value
            return served_again(value), computed["cacheable"]

        value, cached, finish = self.cache.compute_once(
            opened.who.team, opened.digest, compute, opened.looked_up()
        )
        if not cached:
            value = computed.get("value", value)
        stored = cached or (computed.get("cacheable", False) and finish is not None)
        # The cache store goes out with the usage entry and the token charge: one round trip.
        # The id the first trip may already have logged a hit under: if that trip timed out
        # but ran later, this answer's entry has the same id, so the log keeps one of them.
        return self.respond(
            value,
            cached,
            opened.job,
            opened.who,
            started,
            finish,
            opened.request_id,
            opened.reserved,
            opened.digest if stored else None,
        )

    def stream_rewrite(
        self, req: RewriteRequest, who: Principal, key: KeyCheck | None = None
    ) -> Iterator[Event]:
        """The streamed rewrite (api/rewrite/streaming.py): ("delta", {"text"}) events as the
        engine writes, then one ("result", body) with the verified result and `corrected`. A
        bad request raises PipelineError here, before the first event. Streams skip the
        single-flight lock (each caller streams); a hit is logged in the first round trip."""
        started = self.clock()
        opened = self.open(req, who, lock=False, key=key, started=started)
        return stream_events(self, opened, started)

    def respond(
        self,
        value: dict[str, Any],
        cached: bool,
        job: RewriteJob,
        who: Principal,
        started: float,
        finish: ScriptCall | None = None,
        request_id: str | None = None,
        reserved: int = 0,
        digest: str | None = None,
    ) -> dict[str, Any]:
        response = dict(value)
        response["id"] = request_id or new_rewrite_id()
        response["cached"] = cached
        response["latency_ms"] = round((self.clock() - started) * 1000, 2)
        if cached:  # a hit called no model: it spent nothing
            response["usage"] = Spend().as_usage()
        self.usage.record_rewrite(
            who.team,
            rewrite_entry(response, who),
            draft=job.draft,
            rewrite_text=plain_text(response),
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
        if tokens == reserved:
            return None
        return self.limits.charge_call(who, tokens - reserved)

    def open(
        self,
        req: RewriteRequest,
        who: Principal,
        *,
        lock: bool,
        key: KeyCheck | None = None,
        started: float = 0.0,
    ) -> Opened:
        """Key check, preset, job, admission (rate limits) and the first cache lookup (with
        the single-flight lock when `lock`, a plain read for streams); with `lock`, a hit is
        logged in the same script.

        One Redis round trip when this process remembers the preset (its check goes in the
        trip). Otherwise the preset is read first, and a preset changed since it was
        remembered costs one more lookup. While Redis is unreachable: no cache, and the key
        is one this worker may vouch for (else 503, see TeamStore.remembered).
        """
        handle = self.cache.handle
        request_id = new_rewrite_id()
        if not handle.available():
            who = self._vouched(who, key)
            job, engine, digest = self.prepare(req, who.team)
            return Opened(job, engine, digest, who, request_id)
        remembered = self.presets.remembered(who.team, req.preset)
        if remembered is None:
            job, engine, digest = self.prepare(req, who.team)
            check = None
        else:
            preset, stamp = remembered
            job, engine = self.build_job(req, preset)
            digest = self.digest(job, engine)
            check = (req.preset, stamp)
        opened = Opened(job, engine, digest, who, request_id)
        self._first_trip(opened, key, check, lock, started, reservation(job, engine))
        if opened.preset_changed:
            self.presets.forget(opened.who.team, req.preset)
            job, engine, digest = self.prepare(req, opened.who.team)
            changed = Opened(job, engine, digest, opened.who, request_id)
            changed.reserved = opened.reserved
            changed.lookup = self._lookup(opened.who.team, digest, lock)
            return changed
        return opened

    def _first_trip(
        self,
        opened: Opened,
        key: KeyCheck | None,
        check: tuple[str, int] | None,
        lock: bool,
        started: float,
        reserve: int = 0,
    ) -> None:
        """Send the one script and fill `opened` from its answer (admission reserves `reserve`
        model tokens; a logged hit gives them back in the script). Raises a 401 PipelineError
        for an unknown key and a 429 one when a limit refuses."""
        who, handle = opened.who, self.cache.handle
        token = secrets.token_hex(8) if lock else None
        cache_keys = (
            redis_keys.cache_key(who.team, opened.digest),
            redis_keys.lock_key(who.team, opened.digest),
        )
        opened.latency_ms = round((self.clock() - started) * 1000, 2)
        hit_log = hit_log_for(opened, with_label=key is None)
        call = self.first_trip.call(
            who,
            key.key_hash if key else None,
            check,
            cache_keys,
            (token, int(self.cache.lock_ttl * 1000)) if token else None,
            hit_log,
            reserve,
        )
        try:
            answer = self.first_trip.answer(handle.call_script(call))
        except OUTAGE_ERRORS:
            handle.mark_down()  # limits fail open; the cache is skipped
            opened.who = self._vouched(who, key)
            return
        if answer.status == INVALID_KEY:
            raise PipelineError(401, "This API key is not valid (revoked or mistyped).")
        if key is not None and self.teams is not None:
            opened.who = self.teams.confirmed(key.key_hash, answer.record) or who
            if key.on_confirmed is not None:
                key.on_confirmed(opened.who)
        if answer.status == REFUSED:
            refusal = self.limits.refusal(opened.who, answer.verdict) if self.limits else None
            if refusal is not None:
                raise PipelineError(
                    429, refusal.message, headers={"Retry-After": str(refusal.retry_after)}
                )
        opened.reserved = reserve if self.limits is not None else 0
        if answer.status == PRESET_CHANGED:
            opened.preset_changed = True
            return
        found = answer.lookup or [0]
        if found[0] == 1:
            opened.hit_json = found[1]
            opened.logged = hit_log is not None
            if opened.logged:
                opened.reserved = 0  # given back by the script
        elif found[0] == 2:
            opened.lookup = (None, token)

    def _vouched(self, who: Principal, key: KeyCheck | None) -> Principal:
        """While Redis is away: the caller as this worker remembers its key, or a 503."""
        if key is None:
            return who
        if self.teams is None:
            raise RedisUnavailable()
        principal = self.teams.remembered(key.key_hash, who.team)
        if principal is None:
            raise PipelineError(401, "This API key is not valid (revoked or mistyped).")
        if key.on_confirmed is not None:
            key.on_confirmed(principal)
        return principal

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
        return self._digest(job, engine)

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
        rich = marks.read_html(req.draft) if req.format == "html" else None
        if rich is not None and not rich.text.strip():
            raise PipelineError(422, "The draft has no text.", {"draft": ["No text in the HTML."]})
        job = RewriteJob(
            draft=rich.text if rich else normalise_draft(req.draft),
            rich=rich,
            action=action,
            channel=channel,
            customer_name=clean_text(req.customer_name),
            agent_name=clean_text(req.agent_name),
            customer_message=clean_text(req.customer_message),
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

