"""Tone scores of a reply: reading grade and ease, warmth, jargon and blame counts. No network.

warmth is a number from 0 to 1: warm / (warm + cold + 1), where warm counts friendly cues
(please, thanks, sorry, happy to help, ...) and cold counts cold cues (must, failed, denied,
...) plus blaming phrases, all from prompts/offline/tone.json and blame.json. A reply with no
cue scores 0, one warm cue 0.5, three warm cues 0.75; each cold or blaming phrase pulls it down.
"""

from __future__ import annotations

import re
from typing import Any

from api.facts.spans import protected_spans
from api.tone import readability
from api.tone.lexicon import Lexicon, load_lexicon


def warm_up() -> None:
    """Load the pronunciation dictionary (about a second) and the lexicon now, at start-up,
    rather than during the first request that asks for scores."""
    readability.warm_up()
    load_lexicon()


_WORD = re.compile(r"[^\W\d_]")
# What a fact counts as when judging how easy a text is to read: one word of one syllable.
_FACT_WORD = "it"


def reading(text: str) -> tuple[float, float]:
    """(Flesch-Kincaid grade, Flesch reading ease) of the prose, both rounded to one decimal.

    Each fact (amount, date, link, order number, quote...: `protected_spans`) counts as one
    short word: a reader does not sound out "https://example.com/t/4471", and the formulas
    would count its parts as words and take its dots for sentence ends. The grade formula
    goes below zero for very short, plain text; a grade below 0 means nothing to a reader,
    so it is floored at 0.
    """
    if not _WORD.search(text):
        return 0.0, 0.0
    grade, ease = readability.flesch(_prose(text))
    return max(0.0, round(grade, 1)), round(ease, 1)


def _prose(text: str) -> str:
    """`text` with each protected span replaced by one short word."""
    parts: list[str] = []
    last = 0
    for span in protected_spans(text):
        parts += [text[last : span.start], _FACT_WORD]
        last = span.end
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def blame_count(text: str, lexicon: Lexicon) -> int:
    """Blaming phrases, counted the way the engine sees them: "you need to" only blames when
    it opens a sentence ("if you need to reach us" does not)."""
    count = 0
    for match in lexicon.blame.pattern.finditer(text):
        if lexicon.blame.entry(match).get("at_start"):
            before = text[: match.start()].rstrip(" \t\"'“‘(")
            if before and before[-1] not in ".!?\n":
                continue
        count += 1
    return count


def tone_scores(text: str, lexicon: Lexicon | None = None) -> dict[str, Any]:
    """Scores for one text; see the module docstring for what warmth means."""
    lexicon = lexicon or load_lexicon()
    grade, ease = reading(text)
    blame = blame_count(text, lexicon)
    warm = lexicon.warm_cues.count(text)
    cold = lexicon.cold_cues.count(text) + blame
    return {
        "reading_grade": grade,
        "reading_ease": ease,
        "warmth": round(warm / (warm + cold + 1), 2),
        "jargon": sum(1 for _ in lexicon.jargon.pattern.finditer(text)),
        "blame": blame,
    }
