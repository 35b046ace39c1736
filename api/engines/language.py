"""The one language detector: which language a draft or an answer is written in."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

from api.facts.placeholders import PLACEHOLDER

# Facts and placeholders say nothing about the language and only confuse the model.
_NOT_WORDS = re.compile(
    PLACEHOLDER.pattern  # fact placeholders
    + r"|https?://\S+|www\.\S+"  # links
    r"|\S+@\S+"  # email addresses
    r"|[\d$€£%#.,:/-]+"  # numbers, amounts, dates, IDs
)
_LETTER = re.compile(r"[^\W\d_]")
# Below this many letters no detector is reliable ("Best, Sam", "Saludos, Ana").
MIN_LETTERS = 20
# The identifier's normalised probability below which we say "unknown".
MIN_CONFIDENCE = 0.9

# The languages Kindly names (in prompts and warnings) and tells apart. Limiting the identifier
# to languages support teams write in keeps short replies from being read as a close cousin
# (Spanish as Galician, English as Latin) and raises its confidence where it matters.
LANGUAGE_NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "da": "Danish",
    "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian",
    "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian",
    "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean",
    "lt": "Lithuanian", "lv": "Latvian", "ms": "Malay", "nb": "Norwegian", "nl": "Dutch",
    "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian",
    "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish", "th": "Thai",
    "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese",
}


_LOADING = threading.Lock()


@lru_cache(maxsize=1)
def _load() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([code for code in LANGUAGE_NAMES if code in identifier.labels])
    return identifier


def _identifier() -> Any:
    """py3langid's naive-Bayes model (bundled with the wheel; seconds to load, so it is
    loaded once per process, before the workers fork when the server preloads). The lock
    keeps the threads of a cold worker from each loading their own copy at once."""
    with _LOADING:
        return _load()


def warm_up() -> None:
    """Load the model now (the server calls this before forking its workers)."""
    _identifier()


# A rewrite asks about its draft up to four times (the engine's prompt, focus and checks,
# then the pipeline's tone findings): the recent answers are kept, so it is read once.
@lru_cache(maxsize=64)
def detect_language(text: str) -> str | None:
    """The ISO 639-1 code when the text clearly reads as one language, else None."""
    words = _NOT_WORDS.sub(" ", text)
    if len(_LETTER.findall(words)) < MIN_LETTERS:
        return None
    code, confidence = _identifier().classify(words)
    return str(code) if confidence >= MIN_CONFIDENCE else None


def language_name(code: str) -> str:
    """'de' -> 'German'; a code we don't name is returned as it is."""
    return LANGUAGE_NAMES.get(code, code)
