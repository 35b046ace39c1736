"""Fact placeholders (⟦F1⟧): facts swapped for opaque tokens before an engine sees the text."""

from __future__ import annotations

import re
from collections.abc import Iterable

from api.types import Span

# Placeholders look like ⟦F1⟧. The mathematical white square brackets (U+27E6/U+27E7) never
# occur in support replies and are neither letters nor sentence punctuation, so word rules,
# spell fixers, case changes and sentence splitters leave them alone, and a language model
# reads them as an opaque symbol to copy, not a word to translate or a number to reformat.
# Plain [1] or {F1} would collide with Markdown and templates. `unmask` forgives a model that
# lower-cases the F or pads it with a space; anything worse counts as a missing placeholder.
PLACEHOLDER = re.compile(r"⟦[ ]?[Ff]([0-9]+)[ ]?⟧")


def placeholder(number: int) -> str:
    """The placeholder text for the `number`-th distinct fact."""
    return f"⟦F{number}⟧"


def mask_spans(text: str, spans: Iterable[Span]) -> tuple[str, dict[str, str]]:
    """Replace each span of `text` with a placeholder; return the masked text and
    placeholder -> fact. The same fact text always gets the same placeholder."""
    # Never hand out a number the text already shows as a placeholder, or unmask would
    # "restore" text the author wrote.
    used = {int(match.group(1)) for match in PLACEHOLDER.finditer(text)}
    mapping: dict[str, str] = {}
    placeholder_of: dict[str, str] = {}
    pieces: list[str] = []
    position = 0
    number = 0
    for span in sorted(spans, key=lambda span: (span.start, -span.end)):
        if span.start < position:
            continue  # overlaps a span already masked
        fact = text[span.start : span.end]
        if fact != span.text:
            raise ValueError(f"span {span!r} does not match the text at {span.start}")
        if fact not in placeholder_of:
            number += 1
            while number in used:
                number += 1
            placeholder_of[fact] = placeholder(number)
            mapping[placeholder_of[fact]] = fact
        pieces.append(text[position : span.start])
        pieces.append(placeholder_of[fact])
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces), mapping


def unmask(text: str, mapping: dict[str, str]) -> str:
    """Put the facts back in place of their placeholders (placeholders not in `mapping` stay)."""

    def restore(match: re.Match[str]) -> str:
        return mapping.get(placeholder(int(match.group(1))), match.group(0))

    return PLACEHOLDER.sub(restore, text)


def missing_placeholders(text: str, mapping: dict[str, str]) -> list[str]:
    """Placeholders of `mapping` that no longer appear in `text` (a rewriter dropped them)."""
    present = {placeholder(int(match.group(1))) for match in PLACEHOLDER.finditer(text)}
    return [key for key in mapping if key not in present]
