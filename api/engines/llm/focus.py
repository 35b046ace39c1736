"""Focused mode: ask the model for less. The offline engine rewrites the whole draft (facts,
greeting, sign-off, every rule it knows); only the sentences the tone analyser flags in the
draft go to the model, each with the offline engine's version of it as a starting point and
the phrase found, why it hurts and what to write instead, in one short request with the reply
around them as context. Each sentence the model gives back must be free of findings and keep
its placeholders, or the offline version stays in its place; then the whole text is checked
like any answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from api.engines.language import detect_language, language_name
from api.engines.llm import tone
from api.engines.llm.calls import Completion, Prepared
from api.engines.llm.checks import Problem, word_count
from api.engines.llm.guard import content_words, jaccard, sentences
from api.engines.llm.review import review
from api.facts.placeholders import PLACEHOLDER
from api.facts.redaction import redact, sensitive_spans
from api.types import RewriteJob

if TYPE_CHECKING:
    from api.engines import Engine
    from api.engines.llm.prompts import PromptTemplates

# Actions whose job is sentence by sentence; the others ask for the whole reply.
ACTIONS = frozenset({"soften", "friendly"})
_NUMBERED = re.compile(r"^\s*(?:\*\*)?(\d{1,2})[.):]\s*(?:\*\*)?\s*(.+?)\s*$")
# A label a model may put before its sentence ("Rewritten: ...").
_LABEL = re.compile(r"(?i)^\s*(?:rewritten|new|softened|kind|improved)(?: sentence| version)?:\s*")
_FACTISH = re.compile(r"[0-9@/⟦]")


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
    findings: list[list[Any]] = field(default_factory=list)  # the analyser's, per sentence
    kept_offline: list[str] = field(default_factory=list)  # sentences the model did not soften


def applies(job: RewriteJob, offline: Engine) -> bool:
    """Whether focused mode can work for `job`: a sentence-level action the offline engine
    does, and a tone analyser to find the sentences. If not, the whole reply goes."""
    return job.action in ACTIONS and tone.available() and offline.supports(job.action)


def plan(job: RewriteJob, offline: Engine) -> Plan | None:
    """The plan for `job`, or None when focused mode does not apply to it."""
    if not applies(job, offline):
        return None
    result = offline.rewrite(job)
    flagged: dict[str, list[Any]] = {}
    for finding in tone.harsh_findings(job.draft, detect_language(job.draft) or "en"):
        sentence = (finding.sentence or "").strip()
        if sentence and sentence in job.draft:
            flagged.setdefault(sentence, []).append(finding)
    return Plan(
        text=result.text,
        sentences=list(flagged),
        reasons=[found[0].category for found in flagged.values()],
        changes=list(result.changes),
        findings=list(flagged.values()),
    )


def prepare(templates: PromptTemplates, work: Plan, job: RewriteJob, max_tokens: int) -> Prepared:
    """The request for a plan: the offline text masked like a draft, the draft's harsh
    sentences masked with the same table (a sentence with a fact the table lacks is left to
    the offline engine: nothing goes to the model unmasked), each with its offline version
    and what was found in it, and a short system prompt."""
    redacted = redact(
        work.text, job.customer_message, None, names=(job.customer_name, job.agent_name)
    )
    work.masked = redacted.draft
    placeholder_of = {fact: key for key, fact in redacted.mapping.items()}
    offline = sentences(work.masked)
    free = list(offline)
    draft = [_mask_with(s, placeholder_of) for s in sentences(job.draft)]
    picked = []
    for sentence, reason, found in zip(work.sentences, work.reasons, work.findings, strict=True):
        masked = _mask_with(sentence, placeholder_of)
        target = _best_match(masked, free) or _by_neighbour(masked, draft, offline, free)
        if masked is not None and target is not None:
            free.remove(target)
            picked.append((masked, reason, target, found))
    work.sentences = [p[0] for p in picked]
    work.reasons = [p[1] for p in picked]
    work.targets = [p[2] for p in picked]
    work.findings = [p[3] for p in picked]
    context = {
        "reply": work.masked,
        "sentences": list(zip(work.sentences, work.reasons, strict=True)),
        "items": [
            {
                "draft": sentence,
                "start": target,
                "found": [_shown(f, placeholder_of) for f in found],
            }
            for sentence, target, found in zip(
                work.sentences, work.targets, work.findings, strict=True
            )
        ],
        "language": language_name(detect_language(job.draft) or "en"),
        "placeholders": redacted.draft_placeholders,
        "preset": job.preset,
    }
    messages = templates.render_focus(context).as_openai()
    words = sum(word_count(s) for s in work.targets)
    budget = min(max_tokens, 48 + words * 6)
    return Prepared(job, redacted, messages, budget, focus=work)


def _shown(finding: Any, placeholder_of: dict[str, str]) -> dict[str, str]:
    """A finding as the model is shown it: the phrase masked (or left out if it holds a fact
    the table lacks), its category, reason and suggestion."""
    return {
        "phrase": _mask_with(finding.text, placeholder_of) or "",
        "category": finding.category.replace("_", " "),
        "reason": getattr(finding, "reason", "") or "",
        "suggestion": getattr(finding, "suggestion", "") or "",
    }


def review_answer(prep: Prepared, answer: Completion) -> tuple[str, list[Problem]]:
    """Put the model's sentences back into the offline text (each one that is still harsh or
    lost a placeholder gives way to the offline version) and review the whole."""
    work: Plan = prep.focus
    replies = _numbered(answer.text, len(work.sentences))
    if not replies:
        problem = Problem(
            "focus_format: did not answer each sentence on its own numbered line",
            f"Answer with exactly {len(work.sentences)} numbered line(s), one per sentence.",
        )
        return work.text, [problem]
    masked, used, kept = work.masked, 0, []
    language = detect_language(prep.job.draft) or "en"
    for number, target in enumerate(work.targets, start=1):
        mine = replies.get(number, "").strip().strip('"“”').strip()
        problem = _sentence_problem(prep, mine, target, language)
        if problem is not None:
            kept.append(problem)
            continue
        masked = masked.replace(target, mine, 1)
        used += mine != target
    work.kept_offline = [p.for_people for p in kept]
    if used == 0:  # nothing of the model's own: the offline text (said as such), or a retry
        return work.text, kept
    assembled = Completion(masked, answer.finish_reason, answer.tokens_in, answer.tokens_out)
    return review(prep, assembled)


def _sentence_problem(prep: Prepared, mine: str, target: str, language: str) -> Problem | None:
    """Why the model's sentence cannot replace `target` (the offline version), or None."""
    if not mine:
        return Problem("focus_format: left a sentence out", "Give every numbered sentence.")
    if sorted(PLACEHOLDER.findall(mine)) != sorted(PLACEHOLDER.findall(target)):
        return Problem(
            f"placeholder_lost: a sentence lost or changed its placeholders ('{target[:40]}')",
            "Keep every placeholder of each sentence exactly as written.",
        )
    if word_count(mine) > 3 * word_count(target) + 12:
        return Problem("too_long: a sentence grew far too long", "Keep each sentence short.")
    found = tone.harsh_findings(prep.redacted.restore(mine), language)
    if found:
        quoted = "" if _FACTISH.search(found[0].text) else f" ('{found[0].text}')"
        return Problem(
            f"harsh_tone: a sentence still sounds {found[0].category}{quoted}",
            f"A sentence still sounds {found[0].category}{quoted}; say it kindly.",
        )
    return None


def _numbered(text: str, expected: int) -> dict[int, str]:
    """The model's sentences by number: numbered lines, or for one sentence a bare line, or
    exactly as many bare lines as sentences."""
    found: dict[int, str] = {}
    lines = [line for line in text.strip().splitlines() if line.strip()]
    for line in lines:
        match = _NUMBERED.match(line)
        if match:
            found.setdefault(int(match.group(1)), _LABEL.sub("", match.group(2)))
    if not found and len(lines) == expected:
        found = {n: _LABEL.sub("", line.strip()) for n, line in enumerate(lines, 1)}
    return {n: t for n, t in found.items() if 1 <= n <= expected}


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


def _by_neighbour(
    sentence: str | None, draft: list[str | None], offline: list[str], free: list[str]
) -> str | None:
    """For a sentence with no content words ("Can't.", "Nope."): the offline sentence just
    before the one that matches the draft's next sentence (a greeting line never counts)."""
    if sentence is None or content_words(sentence) or sentence not in draft:
        return None
    index = draft.index(sentence)
    following = draft[index + 1] if index + 1 < len(draft) else None
    anchor = _best_match(following, offline)
    if anchor is None:
        return None
    place = offline.index(anchor) - 1
    candidate = offline[place] if place >= 0 else None
    if candidate is None or candidate not in free or candidate.rstrip().endswith(","):
        return None
    if any(jaccard(set(content_words(candidate)), set(content_words(s or ""))) >= 0.25
           for s in draft):
        return None  # it says something of the draft's own: not the short sentence's place
    return candidate


def _best_match(sentence: str | None, candidates: list[str]) -> str | None:
    """The sentence of the offline rewrite that says the same as `sentence` of the draft."""
    if sentence is None:
        return None
    mine = set(content_words(sentence))
    scored = [(jaccard(mine, set(content_words(c))), c) for c in candidates]
    best = max(scored, default=(0.0, None), key=lambda item: item[0])
    return best[1] if best[0] >= 0.25 else None
