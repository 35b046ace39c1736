"""The offline engine: softens English support replies with word lists and phrase banks, no network.

Order of work for one draft: split off what must stay verbatim (@handles, sign-off, signature,
quoted mail), shield every fact behind a private-use character, reword sentence by sentence
(banned phrases, filler, blame, refusals, jargon, formality, bare commands, then the
sentence-level fallback for what the analyser still flags), then add what is missing (greeting,
acknowledgement, apology before a refusal, help offer, required phrases, sign-off) within the
channel's budget, and finally put the facts back. Every step checks for its own earlier output,
so running the engine on its own result changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import replace

from api.engines import EngineBase, UnsupportedAction
from api.engines.language import detect_language
from api.engines.offline.additions import TRIM_ALL, TRIM_SENTENCE, TRIM_SIGNOFF, add_parts
from api.engines.offline.foreign import rewrite_foreign
from api.engines.offline.layout import Layout, opens_quote, split_draft
from api.engines.offline.rewording import reword
from api.engines.offline.settings import SUPPORTED_ACTIONS, settings_for
from api.engines.offline.text import (
    PLACEHOLDER_BASE,
    Shielded,
    has_placeholder_chars,
    occurrences,
    shield,
    spans_in,
    without_placeholder_chars,
)
from api.engines.offline.work import Work
from api.facts.spans import protected_spans
from api.tone.lexicon import Lexicon, load_lexicon
from api.tone.rules import LANGUAGES, rule_book
from api.types import EngineResult, RewriteJob, Span

NOT_ENGLISH = (
    "Draft is in a language the offline engine has no rules for (it knows English, Spanish, "
    "German, French and Portuguese); left unchanged."
)
_UPPER = re.compile(r"[A-ZÀ-ÞĀ-Ž]")
SOCIAL_LIMIT = 280
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_LATIN = re.compile(r"[a-z\u00c0-\u024f']+")


class OfflineEngine(EngineBase):
    """Rule-based rewriting from prompts/offline; English only; never touches a fact."""

    name = "offline"
    model = "kindly-offline-1"

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or load_lexicon()
        # The pipeline puts this in the cache key, so editing a word list invalidates old rewrites.
        self.fingerprint = f"{self.model}:{self.lexicon.fingerprint}"

    def supports(self, action: str) -> bool:
        return action in SUPPORTED_ACTIONS

    def rewrite(self, job: RewriteJob) -> EngineResult:
        if not self.supports(job.action):
            raise UnsupportedAction(job.action, self.name)
        job = _without_placeholder_chars(job)
        work = Work(job, self.lexicon, settings_for(job.action, job.preset))
        text = _rewrite(work)
        return EngineResult(
            text=text,
            engine=self.name,
            model=self.model,
            changes=work.changes,
            warnings=work.warnings,
            rules=work.rules,
            tokens_in=len(job.draft.split()),
            tokens_out=len(text.split()),
        )


def _without_placeholder_chars(job: RewriteJob) -> RewriteJob:
    """The job with placeholder characters removed from the text the engine adds (names,
    sign-off, kept phrases), so restoring the facts can never mistake them for facts."""
    preset = dict(job.preset)
    if preset.get("signoff"):
        preset["signoff"] = without_placeholder_chars(preset["signoff"])
    for name in ("required_phrases", "glossary"):
        if preset.get(name):
            preset[name] = [without_placeholder_chars(p) or "" for p in preset[name]]
    return replace(
        job,
        customer_name=without_placeholder_chars(job.customer_name),
        agent_name=without_placeholder_chars(job.agent_name),
        preset=preset,
    )


# ---------------------------------------------------------------- the whole draft


def _rewrite(work: Work, reread: bool = False) -> str:
    draft = work.job.draft
    if not draft.strip():
        return draft
    if has_placeholder_chars(draft):
        work.warnings.append("Draft contains private-use characters; left unchanged.")
        return draft
    layout = split_draft(draft, work.lexicon, work.job.agent_name)
    if not layout.body.strip():
        return draft
    shielded = _shield_body(work, layout)
    work.lowercase_text = _UPPER.search(shielded.text) is None
    language = _language(work, shielded.text)
    if language != "en":
        book = rule_book(language, work.lexicon.path)
        if book is None:
            work.warnings.append(NOT_ENGLISH)
            work.rules.append("non_english")
            return draft
        work.book = book
        work.rules.append(f"language:{language}")
        return layout.join(shielded.unshield(rewrite_foreign(work, book, shielded.text)))
    work.book = rule_book("en", work.lexicon.path)
    work.blocks = frozenset(
        chr(PLACEHOLDER_BASE + index)
        for index, fact in enumerate(shielded.facts)
        if fact.lstrip().startswith((">", "`", "~~~"))
    )
    body = reword(work, shielded.text)
    for _ in range(2):
        # A rewrite can open a new sentence ("… . Send"): reword until nothing changes, so
        # a second pass over the result finds nothing to do either.
        again = reword(work, body)
        if again == body:
            break
        body = again
    if not reread and opens_quote(shielded.unshield(body)):
        # Rewording left a quoted-mail header at the start of a line ("sorry On Mon, Jo
        # wrote:" without a banned "sorry"). A second pass would read everything from there
        # on as quoted mail, so finish the rewrite the way that pass reads it.
        return _rewrite_reworded(work, layout.join(shielded.unshield(body)))
    # Phrase choices hash the reworded body, so a second pass picks exactly as the first did.
    work.seed = body
    work.unshield = shielded.unshield
    changes, rules = list(work.changes), list(work.rules)
    result = layout.join(shielded.unshield(add_parts(work, body, layout, trim=0)))
    # Social posts have a hard length limit: first try the shortest phrasings, then give up
    # what we add, least needed first. (Trying the shortest before dropping keeps a second
    # pass from fitting a phrase the first pass gave up on.)
    attempts = iter([(0, True), (TRIM_SENTENCE, True), (TRIM_SIGNOFF, True), (TRIM_ALL, True)])
    while work.job.channel == "social" and len(result) > SOCIAL_LIMIT:
        attempt = next(attempts, None)
        if attempt is None:
            break
        trim, work.shortest = attempt
        work.changes[:], work.rules[:] = list(changes), list(rules)
        result = layout.join(shielded.unshield(add_parts(work, body, layout, trim=trim)))
    return result


def _rewrite_reworded(work: Work, reworded: str) -> str:
    """Rewrite `reworded` (this draft, reworded once) as a new draft, keeping what the first
    rewording did in the changes and rules."""
    again = Work(replace(work.job, draft=reworded, spans=[]), work.lexicon, work.settings)
    text = _rewrite(again, reread=True)
    work.changes += [change for change in again.changes if change not in work.changes]
    work.rules += [rule for rule in again.rules if rule not in work.rules]
    work.warnings += [warning for warning in again.warnings if warning not in work.warnings]
    return text


def _language(work: Work, text: str) -> str:
    """The draft's language; with the customer's message when the draft alone is too short
    to tell. Where the detector can't place it, the rule books' common words vote: another
    language wins only with a fair share of the words and more of them than English; text
    mostly in another script is "unknown" (left alone, no English added)."""
    found = detect_language(text)
    if found is None and work.job.customer_message:
        found = detect_language(f"{text}\n{work.job.customer_message}")
    if found is not None:
        return found
    words = [w for w in _WORDS.findall(text.lower().replace("’", "'")) if len(w) > 1]
    if not words:
        return "en"
    common: dict[str, set[str]] = {}
    for code in LANGUAGES:
        book = rule_book(code, work.lexicon.path)
        common[code] = set(book.frame.get("common_words", [])) if book else set()
    # A word English shares ("a", "as", "no") is no vote for another language.
    shares = {
        code: sum(w in words_of and (code == "en" or w not in common["en"]) for w in words)
        / len(words)
        for code, words_of in common.items()
    }
    best = max((c for c in shares if c != "en"), key=lambda c: shares[c])
    if shares[best] >= 0.2 and shares[best] > shares.get("en", 0):
        return best
    latin = sum(1 for w in words if _LATIN.fullmatch(w))
    return "en" if latin * 2 >= len(words) else "unknown"


def _job_spans(job: RewriteJob) -> list[Span]:
    spans = job.spans
    if not spans or any(job.draft[s.start : s.end] != s.text for s in spans):
        spans = protected_spans(job.draft)
    return spans


def _shield_body(work: Work, layout: Layout) -> Shielded:
    start = len(layout.lead)
    end = start + len(layout.body)
    spans = spans_in(_job_spans(work.job), start, end)
    # Glossary terms and required phrases are kept exactly as written, like facts.
    kept = (*work.settings.glossary, *work.settings.required)
    spans += occurrences(layout.body, kept, ignore_case=True)
    names = [n for n in (work.job.customer_name, work.job.agent_name) if n]
    names += [n.split()[0] for n in names if " " in n]
    spans += occurrences(layout.body, names, ignore_case=False)
    return shield(layout.body, spans)
