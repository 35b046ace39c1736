"""Read a draft and the customer's message: is it English, how does the customer feel,
and which phrasing to pick so replies vary without being random."""

from __future__ import annotations

import re
import zlib

from api.engines.language import detect_language
from api.tone.lexicon import Lexicon

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|n['’]t|['’](?:s|re|m|ll|ve|d)\b")


def looks_english(text: str) -> bool:
    """True unless the one language detector clearly reads another language."""
    return detect_language(text) in (None, "en")


def read_feeling(message: str | None, lexicon: Lexicon) -> str | None:
    """frustration / urgency / confusion / thanks, or None for a neutral or missing message."""
    if not message:
        return None
    counts = {name: lexicon.feelings[name].count(message) for name in lexicon.feeling_order}
    lowered = message.lower()
    for name, rule in lexicon.feeling_suppress.items():
        if any(counts.get(other) for other in rule.get("by_feelings", ())) or any(
            text.lower() in lowered for text in rule.get("by_text", ())
        ):
            counts[name] = 0
    best, best_count = None, 0
    for name in lexicon.feeling_order:
        if counts[name] > best_count:
            best, best_count = name, counts[name]
    return best if best_count >= lexicon.feeling_min_cues else None


def pick(options: list[str], seed: str, slot: str) -> str | None:
    """One of `options`, chosen by a stable hash of the draft so output is reproducible."""
    if not options:
        return None
    return options[zlib.crc32(f"{slot}\0{seed}".encode()) % len(options)]
