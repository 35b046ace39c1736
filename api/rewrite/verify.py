"""A verified rewrite: run the engine, check every fact, fall back to the offline engine or
keep the draft when a fact changed."""

from __future__ import annotations

import unicodedata
from typing import Any

from api.engines import Engine, EngineError
from api.facts.spans import check_facts, protected_spans
from api.rewrite.phrase_rules import apply_phrase_rules
from api.tone.scores import tone_scores
from api.types import EngineResult, FactCheck, RewriteJob


def verified_rewrite(
    job: RewriteJob, engine: Engine, fallback: Engine
) -> tuple[dict[str, Any], bool]:
    """Run the engine, check the facts, fall back when needed. Returns (value, cacheable)."""
    job.spans = protected_spans(job.draft)
    context = [t for t in (job.customer_message, job.customer_name, job.agent_name) if t]
    allowed = _preset_allowed(job.preset, job.agent_name)
    warnings: list[str] = []
    result = apply_phrase_rules(_run(engine, fallback, job, warnings), job)
    check = check_facts(job.draft, result.text, context=context, allowed=allowed)
    if not check.passed and engine is not fallback and fallback.supports(job.action):
        warnings.append(
            f"The {engine.name} rewrite changed facts ({_describe(check)}); "
            "used the offline engine instead."
        )
        result = apply_phrase_rules(_run(fallback, fallback, job, warnings), job)
        check = check_facts(job.draft, result.text, context=context, allowed=allowed)
    if not check.passed:
        # Facts are sacred: hand back the draft untouched rather than a changed fact.
        warnings.append(f"Kept your draft unchanged: the rewrite {_describe(check)}.")
        result = EngineResult(text=job.draft, engine=result.engine, model=result.model)
        check = check_facts(job.draft, job.draft, context=context, allowed=allowed)
    value = {
        "rewrite": result.text,
        "engine": result.engine,
        "model": result.model,
        "preset": {"slug": job.preset["slug"], "version": job.preset.get("version", 1)},
        "action": job.action,
        "channel": job.channel,
        "checks": {**check.as_dict(), "rejected": result.rejected},
        "scores": {"before": tone_scores(job.draft), "after": tone_scores(result.text)},
        "changes": result.changes,
        "warnings": warnings + result.warnings,
        "usage": {"tokens_in": result.tokens_in, "tokens_out": result.tokens_out},
        "upstream_request_id": result.upstream_request_id,
    }
    # Only a verified answer from the engine the key names is cached: never a fallback.
    return value, check.passed and not warnings and result.engine == engine.name


def _run(engine: Engine, fallback: Engine, job: RewriteJob, warnings: list[str]) -> EngineResult:
    try:
        return engine.rewrite(job)
    except EngineError as err:
        if engine is fallback:
            raise
        rejected = list(getattr(err, "problems", None) or [f"the {engine.name} engine {err}"])
        if not fallback.supports(job.action):
            # Never a 5xx for an upstream failure: hand the draft back, say why.
            warnings.append(
                f"The {engine.name} engine failed ({err}) and the {fallback.name} engine "
                f"cannot '{job.action}'; kept your draft unchanged."
            )
            return EngineResult(
                text=job.draft, engine=fallback.name, model=fallback.model, rejected=rejected
            )
        warnings.append(f"The {engine.name} engine failed ({err}); used the offline engine.")
        result = fallback.rewrite(job)
        result.rejected = [*rejected, *result.rejected]
        return result


class Settled:
    """An engine whose answer is already known (a finished stream), so `verified_rewrite`
    checks a streamed answer exactly like a plain one."""

    def __init__(self, engine: Engine, outcome: EngineResult | EngineError) -> None:
        self.name = engine.name
        self.model = engine.model
        self._outcome = outcome

    def supports(self, action: str) -> bool:
        return True

    def rewrite(self, job: RewriteJob) -> EngineResult:
        if isinstance(self._outcome, EngineError):
            raise self._outcome
        return self._outcome


def _preset_allowed(preset: dict[str, Any], agent_name: str | None) -> list[str]:
    allowed = [p for p in preset.get("required_phrases", []) if p]
    signoff = preset.get("signoff") or ""
    if signoff:
        allowed.append(signoff.replace("{agent_name}", agent_name or ""))
    return allowed


def _describe(check: FactCheck) -> str:
    parts = []
    if check.missing:
        parts.append("dropped " + ", ".join(repr(m) for m in check.missing))
    if check.invented:
        parts.append("added " + ", ".join(repr(i) for i in check.invented))
    return " and ".join(parts) or "failed the fact check"


def normalise_draft(draft: str) -> str:
    """Same text, same cache key: NFC, unix newlines, no trailing blanks."""
    text = unicodedata.normalize("NFC", draft).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def clean_text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
