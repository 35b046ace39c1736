"""Focused mode: ask the model for less. The offline engine rewrites the whole draft (facts,
greeting, sign-off, every rule it knows); only the sentences the tone analyser still flags in
that text go to the model, in one short request with the reply around them as context. The
model's sentences go back in their places and the whole text is checked like any answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from api.engines.language import detect_language
from api.engines.llm import tone
from api.engines.llm.calls import Completion, Prepared
from api.engines.llm.checks import Problem, word_count
from api.engines.llm.guard import sentences
from api.engines.llm.review import review
from api.facts.redaction import Redacted, redact
from api.types import RewriteJob

if TYPE_CHECKING:
    from api.engines import Engine
    from api.engines.llm.prompts import PromptTemplates

# Actions whose job is sentence by sentence; the others ask for the whole reply.
ACTIONS = frozenset({"soften", "friendly"})
_NUMBERED = re.compile(r"^\s*(?:\*\*)?(\d{1,2})[.):]\s*(?:\*\*)?\s*(.+?)\s*$")


@dataclass
class Plan:
    """The offline rewrite and the sentences of it that the model is asked to rewrite."""

    text: str  # the offline rewrite (restored)
    masked: str = ""  # the same, as the model sees it
    sentences: list[str] = field(default_factory=list)  # masked, in order
    reasons: list[str] = field(default_factory=list)  # the finding's category, per sentence
    changes: list[str] = field(default_factory=list)  # what the offline engine changed


def plan(job: RewriteJob, offline: Engine) -> Plan | None:
    """The plan for `job`, or None when focused mode cannot work for it (no tone analyser,
    or the offline engine cannot do the action) and the whole reply goes to the model."""
    if not tone.available() or not offline.supports(job.action):
        return None
    result = offline.rewrite(job)
    language = detect_language(job.draft) or "en"
    flagged: dict[str, str] = {}
    for finding in tone.harsh_findings(result.text, language):
        sentence = (finding.sentence or "").strip()
        if sentence and sentence in result.text:
            flagged.setdefault(sentence, finding.category)
    return Plan(
        text=result.text,
        sentences=list(flagged),
        reasons=list(flagged.values()),
        changes=list(result.changes),
    )


def prepare(templates: PromptTemplates, work: Plan, job: RewriteJob, max_tokens: int) -> Prepared:
    """The request for a plan: the offline text masked like a draft, the flagged sentences
    masked with the same table, and a short system prompt."""
    redacted = redact(
        work.text, job.customer_message, None, names=(job.customer_name, job.agent_name)
    )
    # Masking a sentence on its own gives other numbers; mask the text and cut it instead.
    work.masked = redacted.draft
    pairs = zip(work.sentences, work.reasons, strict=True)
    picked = [(_masked_sentence(redacted, s), r) for s, r in pairs]
    picked = [(s, r) for s, r in picked if s]
    work.sentences, work.reasons = [s for s, _ in picked], [r for _, r in picked]
    context = {
        "reply": work.masked,
        "sentences": list(zip(work.sentences, work.reasons, strict=True)),
        "placeholders": redacted.draft_placeholders,
        "preset": job.preset,
    }
    messages = templates.render_focus(context).as_openai()
    words = sum(word_count(s) for s in work.sentences)
    budget = min(max_tokens, 48 + words * 6)
    return Prepared(job, redacted, messages, budget, focus=work)


def review_answer(prep: Prepared, answer: Completion) -> tuple[str, list[Problem]]:
    """Put the model's sentences back into the offline text and review the whole."""
    work: Plan = prep.focus
    replies = _numbered(answer.text)
    if sorted(replies) != list(range(1, len(work.sentences) + 1)):
        problem = Problem(
            "focus_format: did not answer each sentence on its own numbered line",
            f"Answer with exactly {len(work.sentences)} numbered line(s), one per sentence.",
        )
        return work.text, [problem]
    masked = work.masked
    for number, sentence in enumerate(work.sentences, start=1):
        masked = masked.replace(sentence, replies[number].strip().strip('"'), 1)
    assembled = Completion(masked, answer.finish_reason, answer.tokens_in, answer.tokens_out)
    return review(prep, assembled)


def _numbered(text: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for line in text.strip().splitlines():
        match = _NUMBERED.match(line)
        if match:
            found.setdefault(int(match.group(1)), match.group(2))
    return found


def _masked_sentence(redacted: Redacted, sentence: str) -> str | None:
    """`sentence` of the offline text as masked there; None if it cannot be found (it is
    then left as the offline engine wrote it: never sent unmasked)."""
    for candidate in sentences(redacted.draft):
        if redacted.restore(candidate) == sentence:
            return candidate
    for line in redacted.draft.split("\n"):
        if sentence in redacted.restore(line):
            return line.strip() or None
    return None
