"""Read a draft and the customer's message: is it English, how does the customer feel,
and which phrasing to pick so replies vary without being random."""

from __future__ import annotations

import re
import zlib

from api.tone.lexicon import Lexicon

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|n['’]t|['’](?:s|re|m|ll|ve|d)\b")


_LETTER = re.compile(r"[^\W\d_]")
# Letters outside Basic Latin, Latin-1, Latin Extended-A/B and Latin Extended Additional.
_NON_LATIN_LETTER = re.compile(r"(?![A-Za-z\u00c0-\u024f\u1e00-\u1eff])[^\W\d_]")


def looks_english(text: str, lexicon: Lexicon) -> bool:
    """A stop-word vote; short texts count as English unless they are mostly non-Latin."""
    letters = len(_LETTER.findall(text))
    if not letters:
        return True
    foreign = len(_NON_LATIN_LETTER.findall(text))
    if foreign >= 3 and foreign / letters > 0.5:
        return False
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
    if len(words) < lexicon.min_words_for_language:
        return True
    english_words = lexicon.english_words
    english = sum(1 for w in words if w in english_words) / len(words)
    if english >= 0.25:
        return True
    rest = [w for w in words if w not in english_words]
    other = max(
        (sum(1 for w in rest if w in vocab) for vocab in lexicon.other_language_words.values()),
        default=0,
    ) / len(words)
    return other <= english


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
