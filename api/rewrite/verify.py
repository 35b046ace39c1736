"""Run an engine on a job and verify its answer: facts checked in code, the offline engine as
fallback, the draft handed back untouched rather than a changed fact; and what the model
calls of every attempt spent."""

from __future__ import annotations

import unicodedata
from typing import Any

from api.engines import Engine, EngineError
from api.engines.language import detect_language
from api.facts import marks
from api.facts.guard import check_facts, known_context, preset_allowed
from api.facts.spans import protected_spans
from api.rewrite.phrase_rules import apply_phrase_rules
from api.rewrite.spend import Spend
from api.tone.findings import before_after
from api.tone.lexicon import Lexicon
from api.tone.scores import tone_scores
from api.types import EngineResult, FactCheck, RewriteJob


def verified_rewrite(
    job: RewriteJob,
    engine: Engine,
    fallback: Engine,
    lexicon: Lexicon | None = None,
    outcome: EngineResult | EngineError | None = None,
) -> tuple[dict[str, Any], bool]:
    """Run the engine (or take its `outcome`, e.g. a finished stream), check the facts, fall
    back when needed. Returns (value, cacheable)."""
    job.spans = protected_spans(job.draft)
    if job.rich is not None:  # marked runs are kept like facts
        job.rich, job.spans = marks.protect(job.rich, job.spans)
    context = known_context(job)
    allowed = preset_allowed(job)
    warnings: list[str] = []
    spent = Spend(model=engine.model)
    answered = _run(engine, fallback, job, warnings, spent, outcome)
    checked_text, checked = answered.text, answered.fact_check
    result = apply_phrase_rules(answered, job)
    if checked is not None and result.text == checked_text and job.rich is None:
        check = checked  # the engine checked this very text with the same inputs
    else:
        check = _guard(job, result.text, context, allowed)
    if not check.passed and engine is not fallback and fallback.supports(job.action):
        warnings.append(
            f"The {engine.name} rewrite changed facts ({_describe(check)}); "
            "used the offline engine instead."
        )
        result = apply_phrase_rules(_run(fallback, fallback, job, warnings, spent), job)
        check = _guard(job, result.text, context, allowed)
    if not check.passed:
        # Facts are sacred: hand back the draft untouched rather than a changed fact.
        warnings.append(f"Kept your draft unchanged: the rewrite {_describe(check)}.")
        result = EngineResult(text=job.draft, engine=result.engine, model=result.model)
        check = _guard(job, job.draft, context, allowed)
    value = {
        "rewrite": result.text,
        "engine": result.engine,
        "model": result.model,
        "preset": {"slug": job.preset["slug"], "version": job.preset.get("version", 1)},
        "action": job.action,
        "channel": job.channel,
        "checks": {**check.as_dict(), "rejected": result.rejected},
        "scores": {
            "before": tone_scores(job.draft, lexicon),
            "after": tone_scores(result.text, lexicon),
        },
        "tone": before_after(job.draft, result.text, detect_language(job.draft), lexicon),
        "changes": result.changes,
        "warnings": warnings + result.warnings,
        "rules": result.rules,
        "usage": spent.as_usage(),
        "upstream_request_id": result.upstream_request_id,
    }
    if job.rich is not None:
        value.update(marks.rich_output(job.rich, result.text))
    # Only a verified answer from the engine the key names is cached: never a fallback.
    return value, check.passed and not warnings and result.engine == engine.name


def _guard(job: RewriteJob, text: str, context: list[str], allowed: list[str]) -> FactCheck:
    """The fact guard, plus a rich draft's marked runs and link hrefs."""
    check = check_facts(job.draft, text, context=context, allowed=allowed)
    return check if job.rich is None else marks.check_marks(job.rich, text, check)


def _run(
    engine: Engine,
    fallback: Engine,
    job: RewriteJob,
    warnings: list[str],
    spent: Spend,
    outcome: EngineResult | EngineError | None = None,
) -> EngineResult:
    try:
        if isinstance(outcome, EngineError):
            raise outcome
        return spent.add(outcome if outcome is not None else engine.rewrite(job))
    except EngineError as err:
        spent.add(err)  # the calls of a rejected answer cost tokens too
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
        result = spent.add(fallback.rewrite(job))
        result.rejected = [*rejected, *result.rejected]
        return result


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
    """A name or message as the job keeps it: stripped, None when empty."""
    value = (value or "").strip()
    return value or None
