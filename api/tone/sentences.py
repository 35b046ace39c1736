"""Sentence boundaries shared by the tone analyser and the offline engine.

A sentence ends at ".", "!" or "?" (plus closing quotes or brackets) followed by spaces, except
after a short abbreviation such as "e.g." or "Mr.", which never ends one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]’”]*[ \t]+(?=\S)")
# Abbreviations that a full stop does not end a sentence after ("e.g. send ...").
_ABBREVIATION = re.compile(
    r"(?:(?<![\w.])(?:e\.g|i\.e|etc|vs|approx|incl|esp|cf|viz|ca|no|nos|mr|mrs|ms|dr|prof|st|"
    r"z\.b|bzw|usw|ggf|ca|p\.ej|p\.ex|sr|sra|srta|mme|mlle|dept|ref|tel)\.|"
    r"(?<![\w.])[a-z]\.[a-z]\.)[\"')\]’”]*$",
    re.IGNORECASE,
)


def _ends(line: str) -> Iterator[int]:
    """Where each sentence of `line` but the last ends (after its trailing spaces)."""
    for match in _SENTENCE_END.finditer(line):
        head = line[max(0, match.start() - 8) : match.start()]
        if _ABBREVIATION.search(head) and not line[match.end() : match.end() + 1].isupper():
            continue
        yield match.end()


def split_sentences(line: str) -> list[str]:
    """Sentences of one line, each keeping the whitespace that follows it; joins back exactly."""
    pieces = []
    position = 0
    for end in _ends(line):
        pieces.append(line[position:end])
        position = end
    pieces.append(line[position:])
    return [p for p in pieces if p]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of `text`, line by line, without surrounding spaces."""
    spans = []
    offset = 0
    for line in text.split("\n"):
        for piece in split_sentences(line):
            core = piece.strip()
            if core:
                start = offset + len(piece) - len(piece.lstrip())
                spans.append((start, start + len(core)))
            offset += len(piece)
        offset += 1
    return spans
