"""Read a model's answer back: clean it, restore its facts, and list everything wrong with it
(cut off, language, length, placeholders, facts, and the guard's rejections)."""

from __future__ import annotations

import re

from api.engines.llm.calls import Completion, Prepared
from api.engines.llm.checks import Problem, answer_problems, expected_language
from api.engines.llm.guard import Context, guard_problems
from api.engines.llm.meaning import fix_signoff
from api.facts.guard import check_facts, known_context, preset_allowed
from api.facts.placeholders import PLACEHOLDER

_WRAPPING_TAGS = re.compile(r"^\s*<draft>\s*|\s*</draft>\s*$", re.IGNORECASE)
_DATA_BLOCK = re.compile(
    r"<(draft|customer_message|reply)>.*?</\1>|^(?:Customer's|Agent's) name:[^\n]*$"
    r"|^\d+\. Draft: [^\n]*$|^\s+Start from: [^\n]*$",  # focused mode's sentences
    re.S | re.M,
)


def clean(masked: str) -> str:
    """The answer without the <draft> tags a model may wrap it in (same for stream deltas)."""
    return _WRAPPING_TAGS.sub("", masked).strip()


def review(prep: Prepared, answer: Completion) -> tuple[str, list[Problem]]:
    """Restore the answer and list everything wrong with it."""
    job, redacted = prep.job, prep.redacted
    masked = clean(answer.text)
    text, fixed = fix_signoff(
        redacted.restore(masked), job.customer_name or "", job.agent_name or ""
    )
    if fixed:
        prep.notes.append(fixed)
    problems = answer_problems(
        action=job.action,
        draft=job.draft,
        answer=text,
        finish_reason=answer.finish_reason,
        target_locale=job.target_locale,
    )
    if not text.strip():
        return text, problems
    lost = redacted.lost_placeholders(masked)
    if lost:
        facts = ", ".join(repr(redacted.mapping[key]) for key in lost)
        problems.append(
            Problem(
                f"placeholder_lost: lost the placeholder for {facts}",
                f"You left out the placeholder(s) {' '.join(lost)}; keep every one.",
            )
        )
    unknown = sorted(
        {m.group(0) for m in PLACEHOLDER.finditer(text)}
        - {m.group(0) for m in PLACEHOLDER.finditer(job.draft)}
    )
    if unknown:
        problems.append(
            Problem(
                f"placeholder_invented: made up placeholder(s) {' '.join(unknown)}",
                f"You wrote {' '.join(unknown)}, which the draft does not have; remove it.",
            )
        )
    problems.extend(_fact_problems(prep, text, lost))
    problems.extend(guard_problems(text, guard_context(prep)))
    return text, problems


def guard_context(prep: Prepared) -> Context:
    job = prep.job
    instructions = "\n".join(m["content"] for m in prep.messages)
    return Context(
        action=job.action,
        draft=job.draft,
        customer_message=job.customer_message or "",
        names_known=bool(job.customer_name and job.agent_name),
        expected_language=expected_language(job.action, job.draft, job.target_locale),
        instructions=_DATA_BLOCK.sub(" ", instructions),
        # The team's sign-off may be in another language than the reply: not allowed as is.
        allowed=[phrase for phrase in job.preset.get("required_phrases", []) if phrase],
        customer_name=job.customer_name or "",
        agent_name=job.agent_name or "",
    )


def _fact_problems(prep: Prepared, text: str, lost: list[str]) -> list[Problem]:
    job, redacted = prep.job, prep.redacted
    check = check_facts(job.draft, text, context=known_context(job), allowed=preset_allowed(job))
    prep.fact_check = (text, check)  # the pipeline's own check of this text, done once
    already = {redacted.mapping[key] for key in lost}
    placeholder_of = {fact: key for key, fact in redacted.mapping.items()}
    problems = []
    missing = [fact for fact in check.missing if fact not in already]
    if missing:
        shown = " ".join(placeholder_of.get(fact, "(a fact)") for fact in missing)
        problems.append(
            Problem(
                "fact_dropped: dropped " + ", ".join(repr(fact) for fact in missing),
                f"You changed or left out {shown}; keep each exactly as written.",
            )
        )
    if check.invented:
        added = ", ".join(repr(claim) for claim in check.invented)
        problems.append(
            Problem(
                f"fact_invented: added {added}, which the draft does not contain",
                "You added a number, date, link or other fact the draft does not contain; "
                "remove it.",
            )
        )
    return problems
