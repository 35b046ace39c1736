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
from api.engines.llm.guard import content_words, jaccard, sentences
from api.engines.llm.review import review
from api.facts.redaction import redact, sensitive_spans
from api.types import RewriteJob

if TYPE_CHECKING:
    from api.engines import Engine
    from api.engines.llm.prompts import PromptTemplates

# Actions whose job is sentence by sentence; the others ask for the whole reply.
ACTIONS = frozenset({"soften", "friendly"})
_NUMBERED = re.compile(r"^\s*(?:\*\*)?(\d{1,2})[.):]\s*(?:\*\*)?\s*(.+?)\s*$")


@dataclass
class Plan:
    """The offline rewrite, the harsh sentences of the draft, and where each one stands in the
    offline rewrite (the sentence the model's version replaces)."""

    text: str  # the offline rewrite (restored)
    masked: str = ""  # the same, as the model sees it
    sentences: list[str] = field(default_factory=list)  # the draft's harsh sentences (masked)
    reasons: list[str] = field(default_factory=list)  # the finding's category, per sentence
    targets: list[str] = field(default_factory=list)  # their places in `masked`
    changes: list[str] = field(default_factory=list)  # what the offline engine changed


def plan(job: RewriteJob, offline: Engine) -> Plan | None:
    """The plan for `job`, or None when focused mode cannot work for it (no tone analyser,
    or the offline engine cannot do the action) and the whole reply goes to the model."""
    if not tone.available() or not offline.supports(job.action):
        return None
    result = offline.rewrite(job)
    flagged: dict[str, str] = {}
    for finding in tone.harsh_findings(job.draft, detect_language(job.draft) or "en"):
        sentence = (finding.sentence or "").strip()
        if sentence and sentence in job.draft:
            flagged.setdefault(sentence, finding.category)
    return Plan(
        text=result.text,
        sentences=list(flagged),
        reasons=list(flagged.values()),
        changes=list(result.changes),
    )


def prepare(templates: PromptTemplates, work: Plan, job: RewriteJob, max_tokens: int) -> Prepared:
    """The request for a plan: the offline text masked like a draft, the draft's harsh
    sentences masked with the same table (a sentence with a fact the table lacks is left to
    the offline engine: nothing goes to the model unmasked), and a short system prompt."""
    redacted = redact(
        work.text, job.customer_message, None, names=(job.customer_name, job.agent_name)
    )
    work.masked = redacted.draft
    placeholder_of = {fact: key for key, fact in redacted.mapping.items()}
    free = sentences(work.masked)
    picked = []
    for sentence, reason in zip(work.sentences, work.reasons, strict=True):
        masked = _mask_with(sentence, placeholder_of)
        target = _best_match(masked, free)
        if masked is not None and target is not None:
            free.remove(target)
            picked.append((masked, reason, target))
    work.sentences = [s for s, _, _ in picked]
    work.reasons = [r for _, r, _ in picked]
    work.targets = [t for _, _, t in picked]
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
    for number, target in enumerate(work.targets, start=1):
        masked = masked.replace(target, replies[number].strip().strip('"'), 1)
    assembled = Completion(masked, answer.finish_reason, answer.tokens_in, answer.tokens_out)
    return review(prep, assembled)


def _numbered(text: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for line in text.strip().splitlines():
        match = _NUMBERED.match(line)
        if match:
            found.setdefault(int(match.group(1)), match.group(2))
    return found


def _mask_with(sentence: str, placeholder_of: dict[str, str]) -> str | None:
    """`sentence` with each of its sensitive spans replaced by the table's placeholder; None
    if one of them is not in the table."""
    pieces, position = [], 0
    for span in sensitive_spans(sentence):
        key = placeholder_of.get(span.text)
        if key is None:
            return None
        pieces += [sentence[position : span.start], key]
        position = span.end
    return "".join(pieces) + sentence[position:]


def _best_match(sentence: str | None, candidates: list[str]) -> str | None:
    """The sentence of the offline rewrite that says the same as `sentence` of the draft."""
    if sentence is None:
        return None
    mine = set(content_words(sentence))
    scored = [(jaccard(mine, set(content_words(c))), c) for c in candidates]
    best = max(scored, default=(0.0, None), key=lambda item: item[0])
    return best[1] if best[0] >= 0.25 else None
