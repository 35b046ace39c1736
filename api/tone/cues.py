"""Which words a pattern can start with, so the analyser only tries the rules that can match.

Read from the parsed regular expression: the literal text a match must begin with, up to the
first word boundary; None when a match may begin with anything.
"""

from __future__ import annotations

import re
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]

_SKIP = {C.AT, C.ASSERT, C.ASSERT_NOT}
_LIMIT = 512


def first_words(pattern: re.Pattern[str]) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """(whole words, word beginnings): every match opens with one of the words, or with a
    word that starts with one of the beginnings. None when a match may open with anything."""
    try:
        prefixes = _walk(list(P.parse(pattern.pattern, pattern.flags)), {""})
    except (re.error, RecursionError, ValueError):
        return None
    if prefixes is None:
        return None
    words, starts = set(), set()
    for prefix in prefixes:
        word = prefix[:-1].lower()
        if not word.isalpha():
            return None
        (words if prefix.endswith(" ") else starts).add(word)
    return frozenset(words), tuple(sorted(starts))


def _walk(items: list, prefixes: set[str]) -> set[str] | None:
    """Extend each prefix through `items` while they are plain letters; stop at anything else.
    A prefix ends (gets a trailing space marker) where the text it matches stops being letters."""
    for op, arg in items:
        if all(_ended(p) for p in prefixes):
            return prefixes
        if op in _SKIP:
            continue
        if prefixes == {""} and _letterless([(op, arg)]):
            continue
        if op is C.LITERAL:
            char = chr(arg)
            prefixes = {_end(p, char) if not char.isalpha() else (p if _ended(p) else p + char)
                        for p in prefixes}
        elif op is C.SUBPATTERN:
            result = _walk(list(arg[-1]), prefixes)
            if result is None:
                return None
            prefixes = result
        elif op is C.BRANCH:
            merged: set[str] = set()
            for branch in arg[1]:
                result = _walk(list(branch), prefixes)
                if result is None:
                    return None
                merged |= result
            prefixes = merged
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            if prefixes == {""} and _letterless(list(arg[2])):
                continue  # spaces or punctuation before the first word
            taken = _walk(list(arg[2]), prefixes)
            if taken is None:
                return None
            if arg[1] > 1:
                taken = {_end(p, "~") for p in taken}
            prefixes = (prefixes | taken) if arg[0] == 0 else taken
        else:
            prefixes = {_end(p, "~") for p in prefixes}
        if len(prefixes) > _LIMIT:
            return None
    return {_end(p, "~") for p in prefixes}


def _ended(prefix: str) -> bool:
    return prefix.endswith((" ", "~"))


def _end(prefix: str, char: str) -> str:
    if _ended(prefix):
        return prefix
    return prefix + (" " if not char.isalnum() and char != "~" else "~")


def _letterless(items: list) -> bool:
    """Whether `items` can only match spaces and punctuation."""
    for op, arg in items:
        if op is C.LITERAL and not chr(arg).isalnum():
            continue
        if op is C.IN and all(
            (kind is C.LITERAL and not chr(value).isalnum())
            or (kind is C.CATEGORY and value is C.CATEGORY_SPACE)
            for kind, value in arg
        ):
            continue
        if op in (C.MAX_REPEAT, C.MIN_REPEAT) and _letterless(list(arg[2])):
            continue
        return False
    return True


# Words so frequent in replies that a rule keyed on them would be tried on most sentences.
_COMMON = "you your the a an to it we i that this is and of in for on so as if not be have our"
_MORE = "my me us with at was are do can will or but they them there"
COMMON_WORDS = frozenset(f"{_COMMON} {_MORE}".split(" "))


def required_words(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Whole words one of which every match contains, chosen to be as rare as possible; None
    when the pattern names no such word."""
    try:
        needs = _needs(list(P.parse(pattern.pattern, pattern.flags)), True, False)
    except (re.error, RecursionError, ValueError):
        return None
    best = None
    for need in needs:
        if not need:
            continue
        score = (sum(w in COMMON_WORDS for w in need) > 0, len(need))
        if best is None or score < best[0]:
            best = (score, need)
    return frozenset(best[1]) if best else None


def all_required_words(pattern: re.Pattern[str]) -> tuple[frozenset[str], ...]:
    """Every set of whole words a match must hold one word of (empty when none is known): a
    sentence missing all the words of any one set cannot match, so its search can be skipped."""
    try:
        needs = _needs(list(P.parse(pattern.pattern, pattern.flags)), True, False)
    except (re.error, RecursionError, ValueError):
        return ()
    return tuple(dict.fromkeys(need for need in needs if need))


def _rarity(need: frozenset[str]) -> tuple[bool, int]:
    return any(w in COMMON_WORDS for w in need), len(need)


def _boundary_item(item: tuple | None) -> bool:
    """Whether an item surely stands between words: a word boundary, a space, punctuation."""
    if item is None:
        return False
    op, arg = item
    if op is C.AT:
        return True
    if op in (C.MAX_REPEAT, C.MIN_REPEAT):
        return arg[0] >= 1 and _letterless(list(arg[2]))
    return _letterless([item])


def _needs(items: list, start_boundary: bool, end_boundary: bool) -> list[frozenset[str]]:
    """Sets of words, each holding one word a match must contain. A word counts only where
    it surely stands whole (a boundary on both sides), as a tokeniser splitting at every
    non-letter would see it."""
    needs: list[frozenset[str]] = []
    word, clean, gap = "", False, False
    at_boundary = start_boundary

    def close(whole: bool) -> None:
        nonlocal word, gap
        if word and clean and whole and len(word) > 1:
            needs.append(frozenset({word.lower()}))
        word, gap = "", False

    for index, (op, arg) in enumerate(items):
        following = items[index + 1] if index + 1 < len(items) else None
        after = _boundary_item(following) if following is not None else end_boundary
        if op is C.LITERAL and chr(arg).isalpha():
            if word and gap:
                close(False)
            if not word:
                clean = at_boundary
            word += chr(arg)
            at_boundary = False
            continue
        if op in (C.ASSERT, C.ASSERT_NOT):
            continue
        if _boundary_item((op, arg)):
            close(True)
            at_boundary = True
            continue
        if op in (C.MAX_REPEAT, C.MIN_REPEAT) and _letterless(list(arg[2])):
            gap = bool(word)  # an optional space: the word may go on after it
            continue
        close(False)
        if op is C.SUBPATTERN:
            needs.extend(_needs(list(arg[-1]), at_boundary, after))
        elif op is C.BRANCH:
            options: list[frozenset[str]] = []
            for branch in arg[1]:
                inner = [n for n in _needs(list(branch), at_boundary, after) if n]
                if not inner:
                    options = []
                    break
                options.append(min(inner, key=_rarity))
            if options:
                needs.append(frozenset().union(*options))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and arg[0] >= 1:
            needs.extend(_needs(list(arg[2]), at_boundary, after and arg[1] == 1))
        at_boundary = False
    close(end_boundary and not gap or (gap and end_boundary))
    return needs
