"""Finds the facts of a text: the pieces a rewrite must keep verbatim.

A *fact* is a piece of the draft a rewrite may never change: numbers, amounts, dates, times,
links, emails, phones, order/case IDs, quoted text, code and @handles. `protected_spans` finds
them; `facts.guard.check_facts` compares a rewrite with its draft, and
`facts.placeholders.mask_spans`/`unmask` swap facts for opaque placeholders so that engines keep
them by construction (or never see them at all).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from api.facts.patterns import (
    ALL_FINDERS,
    ANY_DIGIT,
    CLAIM_FINDERS,
    CODE_CHARS,
    CODE_SEED,
    DIGIT_KINDS,
    ID_CUE,
    NUMBERISH,
    RANK,
    URL_TRAILING,
    Finder,
    Hint,
)
from api.types import Span


def is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


def is_digit(char: str) -> bool:
    return "0" <= char <= "9"


def free_before(text: str, start: int, first: str) -> bool:
    """No word (or the rest of a decimal) glued to the fact starting at `start`."""
    if start == 0:
        return True
    previous = text[start - 1]
    if is_word_char(previous):
        return False
    return not (
        is_digit(first) and previous in ".,:" and start >= 2 and is_digit(text[start - 2])
    )


def free_after(text: str, end: int, last: str) -> bool:
    """No word (or the rest of a decimal) glued to the fact ending at `end`."""
    if end == len(text):
        return True
    following = text[end]
    if is_word_char(following):
        return False
    return not (
        is_digit(last) and following in ".,:" and end + 1 < len(text) and is_digit(text[end + 1])
    )


def _trim_link_end(text: str, start: int, end: int) -> int:
    """Drop sentence punctuation and unbalanced closing brackets from the end of a link."""
    while end > start and text[end - 1] in URL_TRAILING:
        closer = text[end - 1]
        opener = {")": "(", "]": "[", "}": "{"}.get(closer)
        link = text[start:end]
        if opener and link.count(opener) >= link.count(closer):
            break
        end -= 1
    return end


def _code_candidates(text: str, reversed_text: str) -> Iterator[tuple[int, int]]:
    """Every maximal digit-bearing token (ORD-2024-001, AB12CD, 24/7, v2.1), grown out from a
    seed digit: much cheaper than trying a token pattern at the start of every word."""
    length = len(text)
    covered = 0
    for seed in CODE_SEED.finditer(text):
        if seed.start() < covered:
            continue
        from_right = length - seed.start()
        start = seed.start() - (CODE_CHARS.match(reversed_text, from_right).end() - from_right)
        covered = CODE_CHARS.match(text, seed.start()).end()
        yield start, covered


def _kind_of(kind: str, text: str, start: int, end: int) -> str:
    """Refine a bare number or digit code into an id when a cue such as "order" precedes it."""
    if kind == "id" and text[start] != "#" and NUMBERISH.fullmatch(text, start, end):
        kind = "number"
    if kind == "number" and ID_CUE.search(text, max(0, start - 24), start):
        kind = "id"
    return kind


def _matches(
    pattern: re.Pattern[str], hint: Hint, text: str, reversed_text: str
) -> Iterable[re.Match[str]]:
    if hint is None:
        return pattern.finditer(text)
    if isinstance(hint, str):
        return pattern.finditer(text) if hint in text else ()
    found = (pattern.match(text, start) for start in hint.starts(text, reversed_text))
    return [match for match in found if match]


def _resolve(text: str, finders: tuple[Finder, ...]) -> list[Span]:
    reversed_text = text[::-1]
    has_digit = ANY_DIGIT.search(text) is not None
    candidates: list[tuple[int, int, int, str]] = []
    add = candidates.append
    for kind, rank, pattern, hint in finders:
        if not has_digit and kind in DIGIT_KINDS:
            continue
        matches = _matches(pattern, hint, text, reversed_text)
        if kind == "url":
            for match in matches:
                start, end = match.span()
                add((start - _trim_link_end(text, start, end), rank, start, kind))
        elif kind == "quote":
            for match in matches:
                start, end = match.span(pattern.groups)  # the ">" run, not its indent
                add((-len(text[start:end].rstrip()), rank, start, kind))
        else:
            for match in matches:
                start, end = match.span()
                add((start - end, rank, start, kind))
    id_rank = RANK["id"]
    for start, end in _code_candidates(text, reversed_text):
        add((start - end, id_rank, start, "id"))
    # Longest first, then most specific; a candidate overlapping one already taken is dropped.
    candidates.sort()
    taken = bytearray(len(text))
    spans: list[Span] = []
    overlapped: list[tuple[int, int, str]] = []
    for negative_length, _rank, start, kind in candidates:
        end = start - negative_length
        if taken.find(1, start, end) != -1:
            overlapped.append((start, end, kind))
            continue
        taken[start:end] = b"\x01" * (end - start)
        spans.append(Span(_kind_of(kind, text, start, end), text[start:end], start, end))
    spans.extend(_leftovers(text, taken, overlapped))
    spans.sort(key=lambda span: span.start)
    return spans


def _leftovers(text: str, taken: bytearray, overlapped: list[tuple[int, int, str]]) -> list[Span]:
    """Keep the digits of a candidate that a longer one only partly covered ("F2/" in
    "F2/https://x.co"), so every digit of a text stays protected, when the rest can stand
    as a fact of its own (it doesn't end glued to a letter or digit)."""
    spans: list[Span] = []
    for start, end, kind in overlapped:
        position = taken.find(0, start, end)
        while position != -1:
            stop = taken.find(1, position, end)
            stop = end if stop == -1 else stop
            raw = text[position:stop]
            piece = raw.strip()
            first = position + len(raw) - len(raw.lstrip())
            last = first + len(piece)
            if (
                any("0" <= char <= "9" for char in piece)
                and (not is_word_char(piece[0]) or free_before(text, first, piece[0]))
                and (not is_word_char(piece[-1]) or free_after(text, last, piece[-1]))
            ):
                taken[first:last] = b"\x01" * (last - first)
                spans.append(Span(kind, piece, first, last))
            position = taken.find(0, stop, end)
    return spans


# The pipeline asks about the same draft several times per request (spans for the engine, then
# one check per engine tried), so recent answers are kept. Spans are frozen; callers get a list.
@lru_cache(maxsize=256)
def spans_of(text: str, claims_only: bool) -> tuple[Span, ...]:
    return tuple(_resolve(text, CLAIM_FINDERS if claims_only else ALL_FINDERS))


def protected_spans(text: str) -> list[Span]:
    """The facts of `text` that a rewrite must keep verbatim, non-overlapping, sorted by start."""
    return list(spans_of(text, False))


def _unique_texts(spans: Iterable[Span]) -> list[str]:
    return list(dict.fromkeys(span.text for span in spans))


def fact_tokens(text: str) -> list[str]:
    """The distinct fact texts of `text`, in order of first appearance."""
    return _unique_texts(protected_spans(text))
