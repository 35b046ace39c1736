"""The tone analyser as the LLM checks use it: harsh findings of a text, or none when the
analyser (api.tone.findings) is not installed in this tree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_Analyse = Callable[[str, str], list[Any]]


def _load() -> _Analyse | None:
    try:
        from api.tone.findings import analyse
    except ImportError:  # the analyser is a separate piece of work; until then, no findings
        return None
    return analyse


_ANALYSE = _load()


def available() -> bool:
    """Whether findings come from a real analyser (the focused mode needs one)."""
    return _ANALYSE is not None


def harsh_findings(text: str, language: str | None) -> list[Any]:
    """Findings (with .category, .text, .sentence) of `text`; [] without an analyser."""
    if _ANALYSE is None or not text.strip():
        return []
    return list(_ANALYSE(text, language or "en"))
