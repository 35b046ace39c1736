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
