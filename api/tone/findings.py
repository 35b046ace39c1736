"""The tone analyser: finds curt, blaming, condescending, deflecting, threatening, dismissive,
commanding and jargon wording, sentence by sentence, with a reason and a suggestion for each.

Offline, deterministic and fast (about 0.8 ms of CPU for a dense, jargon-heavy 1 KB draft
that no cache helps, see bench/tone.py): the rules are regular expressions compiled once from
prompts/offline/harsh/<language>.json and the families of api/tone/families.py; each sentence
tries only the rules its words can start and whose required words it holds (api/tone/cues.py),
the jargon list only when all the words of one of its entries are there, and the request verbs
of the offline word lists. Findings are kept per sentence, so re-checking a draft as it is typed
costs about the one sentence that changed.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from api.tone.cues import COMMON_WORDS
from api.tone.detectors import detect
from api.tone.lexicon import Lexicon, load_lexicon
from api.tone.rules import CATEGORIES, RuleBook, rule_book
from api.tone.sentences import sentence_spans

# Links and email addresses are facts: nothing inside one is ever a harsh phrase.
_FACT_LIKE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+")
_WORDS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Finding:
    """One harsh phrase: where it is, which kind, why it may hurt and what to write instead."""

    category: str
    start: int
    end: int
    text: str
    sentence: str
    reason: str
    suggestion: str

    def as_dict(self) -> dict[str, object]:
        return {
            "category": self.category,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "sentence": self.sentence,
            "reason": self.reason,
            "suggestion": self.suggestion,
        }


def analyse(
    text: str, language: str | None = None, lexicon: Lexicon | None = None
) -> list[Finding]:
    """Every harsh phrase in `text`, in order. `language` is an ISO 639-1 code (None: read
    the text as English; callers that don't know it ask api.engines.language first). A
    language without rules gets no findings."""
    if not text or not text.strip():
        return []
    lexicon = lexicon or load_lexicon()
    book = rule_book(language or "en", lexicon.path)
    if book is None:
        return []
    facts = [m.span() for m in _FACT_LIKE.finditer(text)] if ("/" in text or "@" in text) else []
    findings: list[Finding] = []
    for start, end in sentence_spans(text):
        findings.extend(_in_sentence(text, start, end, book, lexicon, facts))
    return findings


def sentence_findings(sentence: str, book: RuleBook, lexicon: Lexicon) -> list[Finding]:
    """The findings of one sentence (offsets relative to it); used by the offline engine."""
    core = sentence.strip()
    if not core:
        return []
    start = len(sentence) - len(sentence.lstrip())
    return list(_in_sentence(sentence, start, start + len(core), book, lexicon, []))


def _in_sentence(
    text: str,
    start: int,
    end: int,
    book: RuleBook,
    lexicon: Lexicon,
    facts: list[tuple[int, int]],
) -> Iterable[Finding]:
    sentence = text[start:end]
    return [
        Finding(category, start + lo, start + hi, sentence[lo:hi], sentence, reason, suggestion)
        for category, lo, hi, reason, suggestion in _hits(sentence, book, lexicon)
        if not any(start + lo < b and a < start + hi for a, b in facts)
    ]


_SIGNATURE_MARKS = " \t-–—/^~*"
Hit = tuple[str, int, int, str, str]  # category, start, end, reason, suggestion


# While an agent types, every keystroke re-checks the draft but changes one sentence: the
# others are answered from here.
@functools.lru_cache(maxsize=4096)
def _hits(sentence: str, book: RuleBook, lexicon: Lexicon) -> tuple[Hit, ...]:
    """The harsh phrases of one sentence, offsets relative to it, overlaps resolved (the
    first rule to claim a span keeps it)."""
    found: list[Hit] = []

    def add(category: str, lo: int, hi: int, reason: str, suggestion: str) -> None:
        lo, hi = _trim(sentence, lo, hi)
        if hi > lo and not any(lo < b and a < hi for _, a, b, _, _ in found):
            found.append((category, lo, hi, reason, suggestion))

    words = _WORDS.findall(sentence.lower())
    present = frozenset(words)
    for index in book.candidates(words):
        rule = book.rules[index]
        if not rule.flag or not book.could_match(index, present):
            continue
        match = rule.pattern.search(sentence)
        if match:
            add(rule.category, match.start(), match.end(), rule.reason, rule.suggestion)
    if book.language == "en" and _may_hold_jargon(lexicon, present):
        for match in lexicon.jargon.pattern.finditer(sentence):
            alone = not sentence[match.end() :].strip(" .!")
            if alone and not sentence[: match.start()].strip(_SIGNATURE_MARKS):
                continue  # "-KB": a sign-off's initials, not jargon
            plain = lexicon.jargon.entry(match)["plain"]
            word = match.group(0)
            reason, _ = book.reasons["jargon"]
            add("jargon", match.start(), match.end(), f"{reason} ('{word}')", f"Write '{plain}'.")
    # The generic detectors read only sentences no listed rule flagged (the offline engine
    # runs them on every sentence it rewrites): that keeps a typical draft's check fast.
    if book.language == "en" and not found:
        for hit in detect(sentence, present):
            add(hit.category, hit.start, hit.end, hit.reason, hit.suggestion)
    command = bare_command(sentence, book, lexicon)
    if command is not None:
        reason, suggestion = book.reasons["command"]
        add("command", command.verb_start, command.verb_end, reason, suggestion)
    found.sort(key=lambda hit: hit[1])
    return tuple(found)


@functools.lru_cache(maxsize=8)
def _jargon_index(lexicon: Lexicon) -> dict[str, tuple[frozenset[str], ...]] | None:
    """The words of every jargon entry ("T&Cs" -> {"t", "cs"}, as a sentence's words are
    read), filed under the entry's rarest word. A sentence holding all the words of no entry
    cannot hold jargon, so its search is skipped. None: some entry has no letters (never skip)."""
    index: dict[str, list[frozenset[str]]] = {}
    for entry in lexicon.jargon.entries:
        found = _WORDS.findall(entry["find"].lower())
        if not found:
            return None
        rare = [w for w in found if w not in COMMON_WORDS] or found
        index.setdefault(max(rare, key=len), []).append(frozenset(found))
    return {word: tuple(sets) for word, sets in index.items()}


def _may_hold_jargon(lexicon: Lexicon, present: frozenset[str]) -> bool:
    index = _jargon_index(lexicon)
    if index is None:
        return True
    return any(
        entry <= present for word in present.intersection(index) for entry in index[word]
    )


def _trim(sentence: str, lo: int, hi: int) -> tuple[int, int]:
    """The span without the spaces and commas a pattern takes along."""
    while lo < hi and sentence[lo] in " \t,;:":
        lo += 1
    while hi > lo and sentence[hi - 1] in " \t,;:":
        hi -= 1
    return lo, hi


@dataclass(frozen=True)
class Command:
    """A sentence that gives an order: where its lead words ("Then", "Just") and verb are."""

    lead_start: int
    verb_start: int
    verb_end: int


def bare_command(sentence: str, book: RuleBook, lexicon: Lexicon) -> Command | None:
    """The command a sentence opens with, unless it already asks politely or is a question."""
    if sentence.rstrip().endswith("?") or (book.please and book.please.search(sentence)):
        return None
    stripped = sentence.lstrip(" \t\"'“‘(")
    offset = len(sentence) - len(stripped)
    lead = book.command_lead.match(stripped) if book.command_lead else None
    at = lead.end() if lead else 0
    rest = stripped[at:]
    match = book.command_start.match(rest) if book.command_start else None
    listed = False
    if book.language == "en":
        known = lexicon.request_verbs.match(rest)
        if known and (match is None or known.end() >= match.end()):
            match, listed = known, True
        if match and lexicon.request_closing_cues.search(rest):
            return None
    if match is None or rest[match.end() : match.end() + 1] == ":":
        return None
    if _names_a_record(rest, match):
        return None
    if not listed and not _followed_like_a_command(rest, match.end(), book):
        return None
    return Command(offset, offset + at + match.start(), offset + at + match.end())


_NEXT_WORD = re.compile(r"\s*(\S*)")
# Words that are verbs and also name a record: followed by its ID ("Order FD-90113 from
# Golden Wok, $27.80.") they open a noun phrase, not an order.
_RECORD_WORDS = frozenset(
    [
        "order",
        "ticket",
        "case",
        "invoice",
        "booking",
        "reference",
        "claim",
        "policy",
        "account",
        "reservation",
        "subscription",
    ]
)
# The ID as written, or as the offline engine's shield character for a fact (U+F0000 on).
_RECORD_ID = re.compile(
    r"[\U000f0000-\U000ffffd]|#?(?=\S*[0-9])(?:[A-Za-z]+[-_]?[0-9]|[0-9]{4,}|#[0-9])\S*"
)


def _names_a_record(rest: str, match: re.Match[str]) -> bool:
    """Whether the opening word is a record's name followed by its ID and then what a noun
    phrase goes on with ("Order FD-90113 from Golden Wok", "Order 48213, as noted"), not an
    object ("Order 3 more filters")."""
    if match.group(0).strip().lower() not in _RECORD_WORDS:
        return False
    step = _NEXT_WORD.match(rest, match.end())
    if not _RECORD_ID.match(rest, step.start(1)):
        return False
    then = _NEXT_WORD.match(rest, step.end()).group(1).lower()
    after_id = rest[step.end(1) - 1 : step.end(1)]
    return (
        not then
        or after_id in ",.;:!"
        or then.strip(",.;:!") in _RECORD_FOLLOWERS
        or then.strip(",.;:!") in _STATEMENT_VERBS
    )


_RECORD_FOLLOWERS = frozenset(["from", "for", "of", "at", "on", "with", "placed", "dated"])


def _followed_like_a_command(rest: str, end: int, book: RuleBook) -> bool:
    """ "Return the parcel" is an order, "Return shipping is free" is not: the verb must be
    followed by an object word, a particle, a number or a fact, or end the sentence."""
    if " " in rest[:end].strip() or rest[:2].lower() == "do":
        return True  # a phrasal verb ("log back in") or "don't ..." is an order already
    step = _NEXT_WORD.match(rest, end)
    following = step.group(1).lower().strip(",.;:!")
    if not following:
        return True
    if following[:1].isalpha():
        return following in book.command_next
    # A number or fact: "Return 2 items" is an order, but "Order 1 shipped" and "Ticket
    # 4471 is closed" name a thing, then say what happened to it.
    then = _NEXT_WORD.match(rest, step.end()).group(1).lower().strip(",.;:!")
    return not (then in _STATEMENT_VERBS or (len(then) > 3 and then.endswith("ed")))


# Finite verbs that, right after "<noun> <number>", make the sentence a statement.
_STATEMENT_VERBS = frozenset(
    [
        "is",
        "was",
        "are",
        "were",
        "has",
        "had",
        "have",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "went",
        "left",
        "arrived",
        "shipped",
        "came",
        "got",
        "ships",
        "arrives",
        "leaves",
        "goes",
        "comes",
        "costs",
        "takes",
        "expires",
        "renews",
        "starts",
        "ends",
    ]
)


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each category (only categories that occur)."""
    tally = Counter(f.category for f in findings)
    return {name: tally[name] for name in CATEGORIES if tally[name]}


def summary(findings: list[Finding], language: str = "en") -> str:
    """One line for the agent: "2 sentences may sound blaming" (the most frequent kind)."""
    if not findings:
        return "No harsh wording found."
    book = rule_book(language) or rule_book("en")
    assert book is not None
    by_category: dict[str, set[str]] = {}
    for finding in findings:
        by_category.setdefault(finding.category, set()).add(finding.sentence)
    category = max(by_category, key=lambda c: (len(by_category[c]), -CATEGORIES.index(c)))
    sentences = len(by_category[category])
    label = book.labels.get(category, category)
    line = f"{sentences} {'sentence' if sentences == 1 else 'sentences'} {label}"
    rest = len({f.sentence for f in findings} - by_category[category])
    if rest:
        line += f"; {rest} more {'needs' if rest == 1 else 'need'} a look"
    return line


def before_after(
    draft: str, rewrite: str, language: str | None = None, lexicon: Lexicon | None = None
) -> dict[str, list]:
    """The findings of a draft and of its rewrite (both read as `language`), as dicts: what
    `after` still lists is what the rewrite left harsh."""
    return {
        "before": [f.as_dict() for f in analyse(draft, language, lexicon)],
        "after": [f.as_dict() for f in analyse(rewrite, language, lexicon)],
    }


def describe(finding: Finding, language: str = "en") -> str:
    """One finding in words, for a repair prompt: "the sentence '…' may sound blaming"."""
    book = rule_book(language) or rule_book("en")
    assert book is not None
    label = book.labels.get(finding.category, finding.category)
    return f"the sentence '{finding.sentence}' {label}"
