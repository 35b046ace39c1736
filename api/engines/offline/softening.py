"""Sentence-level rewrites of harsh wording for the offline engine.

The tone analyser's rules (prompts/offline/harsh/<language>.json) say what each harsh phrase
becomes: blame turns into a neutral account, condescension goes, a curt refusal gets regret,
a threat becomes a next step, a bare command a request. Rules run until none fits any more, so
the result is a fixed point and a second rewrite changes nothing. Works on fact-shielded text.
"""

from __future__ import annotations

import re

from api.engines.offline.fallback import soften_flagged
from api.engines.offline.generic import detected_spans, rewrite_detected
from api.engines.offline.text import join_around, lower_first, upper_first
from api.engines.offline.work import Work
from api.tone.findings import sentence_findings
from api.tone.rules import Rule, RuleBook

_WORDS = re.compile(r"[^\W\d_]+")
_MAX_ROUNDS = 8
_OPENING = " \t\"'“‘("


def soften_sentence(work: Work, book: RuleBook, core: str) -> str:
    """`core` (one sentence, no trailing space) with every harsh phrase the rules know
    rewritten."""
    core = _apply_rules(work, book, core)
    if book.language == "en" and core.strip():
        core, detected = rewrite_detected(core, work.lowercase_text)
        for hit in detected:
            label = book.labels.get(hit.category, hit.category)
            work.note("fallback", f"Softened a sentence that {label} ({hit.kind})")
    if book.language == "en" and core.strip():
        claimed = detected_spans(core)
        left = [
            finding
            for finding in sentence_findings(core, book, work.lexicon)
            if (finding.start, finding.end, finding.category) not in claimed
        ]
        if left:
            core, acted = soften_flagged(core, left, work.lowercase_text)
            for finding in acted:
                label = book.labels.get(finding.category, finding.category)
                work.note("fallback", f"Softened a sentence that {label}: '{finding.text}'")
    return core


def _apply_rules(work: Work, book: RuleBook, core: str) -> str:
    for _ in range(_MAX_ROUNDS):
        fired = _first_rule(book, core)
        if fired is None:
            break
        rule, match = fired
        core = _splice(work, core, match, book.render(rule, match))
        label = book.labels.get(rule.category, rule.category)
        work.note(rule.category, f"Rewrote wording that {label}: '{match.group(0).strip(' ,')}'")
    # Two blame rules in a row ("You must have" then "you may have clicked ...") each open
    # with "it looks like": say it once.
    return re.sub(r"\b(it looks like) it looks like\b", r"\1", core, flags=re.IGNORECASE)


def _first_rule(book: RuleBook, core: str) -> tuple[Rule, re.Match[str]] | None:
    words = _WORDS.findall(core.lower())
    present = frozenset(words)
    for index in book.candidates(words):
        rule = book.rules[index]
        if rule.say is None or not book.could_match(index, present):
            continue
        match = rule.pattern.search(core)
        if match and match.end() > match.start():
            return rule, match
    return None


def _splice(work: Work, core: str, match: re.Match[str], new: str) -> str:
    left, right = core[: match.start()], core[match.end() :]
    found = match.group(0)
    at_start = not left.strip(_OPENING)
    if not new.strip():
        return join_around(left, right, found, at_start, work.lowercase_text)
    ending = re.search(r"[.!?]+(?=\s*$)", found)
    if ending and not right.strip() and not re.search(r"[.!?,;:]\s*$", new):
        new = new.rstrip() + ending.group(0)  # a rule that took the full stop gives it back
    if at_start and not work.lowercase_text:
        new = upper_first(new)
    elif not re.match(r"I\b", new.lstrip()) and not _keeps_its_capital(new, found):
        new = lower_first(new)
    if new.endswith(" ") and not right.strip():
        new = new.rstrip()
    if new.rstrip().endswith((".", "!", "?")) and right.strip() and not work.lowercase_text:
        right = upper_first(right)  # "I understand this is frustrating. We are …"
    if left and not left[-1].isspace() and new[:1].isalnum():
        left += " "
    if right[:1].isalnum() and new[-1:].isalnum():
        new += " "
    text = left + new + right
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"[ \t]+([,.;:!?])", r"\1", text)
    return re.sub(r",\s*([.!?])", r"\1", text)


def _keeps_its_capital(new: str, found: str) -> bool:
    """A replacement opening with a word the draft capitalised mid-sentence (a name such as
    "VitaPure Outlet", taken from the phrase it replaces) keeps its capital letter."""
    first = new.lstrip().split(" ", 1)[0].strip(",.;:!?")
    if not first[:1].isupper():
        return False
    at = found.find(first)
    return at > 0 or any(ch.isupper() for ch in first[1:])
