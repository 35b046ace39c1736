"""Text mechanics for the offline engine: fact masking, sentences, case, phrase replacement.

Facts are swapped for single private-use characters before any rule runs. Those characters are
not letters, digits or spaces, so no word rule can match, split or re-case them, and restoring
them afterwards gives back every fact byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from api.tone.lexicon import PhraseTable
from api.tone.sentences import split_sentences as split_sentences
from api.types import Span

# Supplementary Private Use Area-A: one character per protected span.
PLACEHOLDER_BASE = 0xF0000
PLACEHOLDER_CLASS = "[\U000f0000-\U000ffffd]"
_PLACEHOLDER = re.compile(PLACEHOLDER_CLASS)
BULLET = re.compile(rf"^[ \t]*(?:[-*•·+–]|{PLACEHOLDER_CLASS}[.)]|[a-z][.)])[ \t]+")


def has_placeholder_chars(text: str) -> bool:
    return bool(_PLACEHOLDER.search(text))


def without_placeholder_chars(text: str | None) -> str | None:
    """`text` without the characters placeholders are made of (names, sign-offs: text the
    engine adds to a shielded draft must not be mistaken for a placeholder)."""
    return _PLACEHOLDER.sub("", text) if text else text


@dataclass
class Shielded:
    """Text with its facts shielded: each replaced by one private-use character, and the
    facts to put back (not api.facts.placeholders' visible placeholders)."""

    text: str
    facts: list[str]

    def unshield(self, text: str) -> str:
        """Put the facts back; a placeholder character that stands for no fact stays as is."""
        return _PLACEHOLDER.sub(self._fact, text)

    def _fact(self, match: re.Match[str]) -> str:
        index = ord(match.group(0)) - PLACEHOLDER_BASE
        return self.facts[index] if index < len(self.facts) else match.group(0)


def non_overlapping(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans, dropping any that overlaps one already kept (earlier and longer first)."""
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if end <= start:
            continue
        if kept and start < kept[-1][1]:
            if end > kept[-1][1]:
                kept[-1] = (kept[-1][0], end)  # merge: a fact is never half-masked
            continue
        kept.append((start, end))
    return kept


def shield(text: str, spans: Iterable[tuple[int, int]]) -> Shielded:
    """`text` with every span (a fact) swapped for a private-use character."""
    pieces: list[str] = []
    facts: list[str] = []
    position = 0
    for start, end in non_overlapping(spans):
        pieces.append(text[position:start])
        pieces.append(chr(PLACEHOLDER_BASE + len(facts)))
        facts.append(text[start:end])
        position = end
    pieces.append(text[position:])
    return Shielded("".join(pieces), facts)


def spans_in(spans: Iterable[Span], start: int, end: int) -> list[tuple[int, int]]:
    """The parts of `spans` inside [start, end), shifted to start at 0."""
    out = []
    for span in spans:
        lo, hi = max(span.start, start), min(span.end, end)
        if hi > lo:
            out.append((lo - start, hi - start))
    return out


def occurrences(text: str, phrases: Iterable[str], ignore_case: bool) -> list[tuple[int, int]]:
    """Where each phrase occurs as a whole word or phrase."""
    found = []
    for phrase in phrases:
        if not phrase:
            continue
        flags = re.IGNORECASE if ignore_case else 0
        pattern = re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", flags)
        found.extend(m.span() for m in pattern.finditer(text))
    return found


def upper_first(text: str) -> str:
    for index, char in enumerate(text):
        if char.isalpha():
            return text[:index] + char.upper() + text[index + 1 :]
        if not char.isspace():
            return text
    return text


def lower_first(text: str) -> str:
    """Lower-case the first letter, except the pronoun I ("I'm", "I can")."""
    stripped = text.lstrip()
    if re.match(r"I(?:\W|$)", stripped):
        return text
    for index, char in enumerate(text):
        if char.isalpha():
            return text[:index] + char.lower() + text[index + 1 :]
        if not char.isspace():
            return text
    return text


_CONTRACTION = re.compile(r"(?<=\w)(n't|'(?:s|re|m|ll|ve|d))\b")


def tokenise_like(found: str, replacement: str) -> str:
    """Write contractions the way the draft does: "aren't" -> "are n't" for tokenised text."""
    if re.search(r"\w\s+(?:n't|'(?:s|re|m|ll|ve|d))\b", found):
        return _CONTRACTION.sub(r" \1", replacement)
    return replacement


def fit_case(found: str, replacement: str, at_start: bool, lowercase_text: bool) -> str:
    """Give `replacement` the casing `found` had: "DM" -> "private message", "Utilize" -> "Use"."""
    if not replacement:
        return replacement
    replacement = tokenise_like(found, replacement)
    letters = [c for c in found if c.isalpha()]
    first_word = [c for c in found.split()[0] if c.isalpha()] if found.split() else []
    acronym = len(first_word) > 1 and all(c.isupper() for c in first_word)
    if acronym:
        return upper_first(replacement) if at_start and not lowercase_text else replacement
    if letters and found.lstrip()[:1].isupper():
        return upper_first(replacement)
    if letters and found.lstrip()[:1].islower():
        return lower_first(replacement)
    return replacement


def join_around(left: str, right: str, removed: str, at_start: bool, lowercase_text: bool) -> str:
    """Join the text around a removed phrase without doubled spaces or stray commas."""
    if at_start:
        rest = right.lstrip(" \t,;:")
        if removed[:1].isupper() and not lowercase_text:
            rest = upper_first(rest)
        return left + rest
    head = left.rstrip(" \t")
    rest = right.lstrip(" \t")
    if head.endswith(",") and (removed.endswith(",") or rest.startswith(",")):
        head = head[:-1]
    if rest.startswith(",") and (head.endswith(",") or not head):
        rest = rest[1:].lstrip(" \t")
    if not head:
        return rest
    if not rest:
        return head
    joiner = "" if rest[0] in ".,!?;:)" else " "
    return head + joiner + rest




def _glues_to_next(found: str, new: str, right: str) -> bool:
    """True when the match ended in punctuation that separated it from the next token."""
    return (
        bool(right)
        and found[-1:] in ".:/"
        and new[-1:].isalnum()
        and not right[0].isspace()
        and right[0] not in ".,;:!?)]}…'\"’”"
    )


def apply_table(
    sentence: str,
    table: PhraseTable,
    say: Callable[[dict, bool], str | None],
    lowercase_text: bool,
) -> tuple[str, list[tuple[dict, str, str]]]:
    """Replace every phrase of `table` in one sentence.

    `say(entry, at_start)` gives the replacement ("" removes, None leaves the match alone).
    Returns the new sentence and (entry, found, replacement) for each change.
    """
    fired: list[tuple[dict, str, str]] = []
    position = 0
    while True:
        match = table.pattern.search(sentence, position)
        if not match:
            return sentence, fired
        entry = table.entry(match)
        at_start = not sentence[: match.start()].strip(" \t\"'“‘(.!?…")
        replacement = say(entry, at_start)
        if replacement is None:
            position = match.end()
            continue
        found = match.group(0)
        left, right = sentence[: match.start()], sentence[match.end() :]
        if replacement:
            new = fit_case(found, replacement, at_start, lowercase_text)
            if _glues_to_next(found, new, right):
                new += " "  # 'acct.12' becomes 'account 12', never 'account12'
            elif found.endswith(".") and not new.endswith(".") and not right.strip():
                new += "."  # 'your acct.' ended the sentence: 'your account.' still does
            sentence = left + new + right
            position = len(left) + len(new)
        else:
            new = ""
            sentence = join_around(left, right, found, at_start, lowercase_text)
            position = max(0, len(left.rstrip(" \t,")))
        fired.append((entry, found, new))
