"""Agents' feedback on a rewrite: accepted, edited (with a word edit distance) or rejected."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rapidfuzz.distance import Levenshtein

from api.errors import KindlyError
from api.store.teams import Principal
from api.usage.entry import feedback_entry, word_hashes, words
from api.usage.log import UsageLog
from api.usage.records import rewrite_record, rewrite_words

OUTCOMES = ("accepted", "edited", "rejected")
_REWRITE_ID = re.compile(r"^rw_[0-9a-f]{20}$")

__all__ = ["OUTCOMES", "FeedbackError", "give_feedback", "word_edit_distance", "words"]


class FeedbackError(KindlyError):
    """Feedback the service refuses (unknown rewrite, another key's rewrite)."""


def word_edit_distance(before: str | Sequence[Any], after: str | Sequence[Any]) -> int:
    """How many words were inserted, deleted or replaced to turn `before` into `after`
    (texts, or sequences of words or word hashes)."""
    a = words(before) if isinstance(before, str) else before
    b = words(after) if isinstance(after, str) else after
    return int(Levenshtein.distance(a, b))


def give_feedback(
    usage: UsageLog, who: Principal, rewrite_id: str, outcome: str, sent_text: str | None
) -> dict[str, Any]:
    """Log feedback on one of the caller's team's rewrites and return what was recorded.

    The rewrite is looked up under the caller's own team key, so another team's rewrite id
    is simply not found.
    """
    record = rewrite_record(usage, who.team, rewrite_id) if _REWRITE_ID.match(rewrite_id) else None
    if record is None:
        raise FeedbackError(
            404, "No rewrite with this id for your team (or its feedback window has passed)."
        )
    distance = ratio = None
    before = rewrite_words(usage, who.team, record) if sent_text is not None else None
    if sent_text is not None and before is not None:
        after = word_hashes(sent_text)
        distance = word_edit_distance(before, after)
        ratio = round(distance / max(len(before), len(after), 1), 4)
    entry = feedback_entry(who, rewrite_id, record, outcome, distance, ratio)
    usage.record(who.team, entry, texts={"sent_text": sent_text} if sent_text else None)
    return {
        "id": entry["request_id"],
        "rewrite_id": rewrite_id,
        "outcome": outcome,
        "edit_distance": distance,
        "edit_ratio": ratio,
    }
