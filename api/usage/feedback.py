"""Agents' feedback on a rewrite: accepted, edited (with an edit distance) or rejected."""

from __future__ import annotations

import difflib
import re
import time
import uuid
from typing import Any

from api.errors import KindlyError
from api.store.teams import Principal
from api.usage.log import UsageLog

OUTCOMES = ("accepted", "edited", "rejected")
_REWRITE_ID = re.compile(r"^rw_[0-9a-f]{20}$")
_WORD = re.compile(r"\S+")
# Exact Levenshtein costs len(a) * len(b) steps; above this many we use difflib's edit
# script instead, which is a valid (if not always minimal) count of word edits.
_EXACT_LIMIT = 2_000_000


class FeedbackError(KindlyError):
    """Feedback the service refuses (unknown rewrite, another key's rewrite)."""


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def word_edit_distance(before: str, after: str) -> int:
    """How many words were inserted, deleted or replaced to turn `before` into `after`."""
    a, b = words(before), words(after)
    # Edits are usually local: drop the common head and tail before the quadratic part.
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    a, b = a[head:], b[head:]
    tail = 0
    while tail < min(len(a), len(b)) and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    a, b = a[: len(a) - tail], b[: len(b) - tail]
    if not a or not b:
        return max(len(a), len(b))
    if len(a) * len(b) > _EXACT_LIMIT:
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        return sum(
            max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"
        )
    previous = list(range(len(b) + 1))
    for i, word in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
            )
        previous = current
    return previous[-1]


def give_feedback(
    usage: UsageLog, who: Principal, rewrite_id: str, outcome: str, sent_text: str | None
) -> dict[str, Any]:
    """Log feedback on one of the caller's team's rewrites and return what was recorded.

    The rewrite is looked up under the caller's own team key, so another team's rewrite id
    is simply not found.
    """
    record = usage.rewrite_record(who.team, rewrite_id) if _REWRITE_ID.match(rewrite_id) else None
    if record is None:
        raise FeedbackError(
            404, "No rewrite with this id for your team (or its feedback window has passed)."
        )
    distance = ratio = None
    if sent_text is not None and record.get("rewrite") is not None:
        distance = word_edit_distance(record["rewrite"], sent_text)
        longest = max(len(words(record["rewrite"])), len(words(sent_text)), 1)
        ratio = round(distance / longest, 4)
    entry = {
        "ts": time.time(),
        "request_id": "fb_" + uuid.uuid4().hex[:20],
        "kind": "feedback",
        "rewrite_id": rewrite_id,
        "key_id": who.key_id,
        "key_label": who.label,
        "preset": record.get("preset"),
        "preset_version": record.get("preset_version"),
        "engine": record.get("engine"),
        "model": record.get("model"),
        "outcome": outcome,
        "edit_distance": distance,
        "edit_ratio": ratio,
    }
    usage.record(who.team, entry, texts={"sent_text": sent_text} if sent_text else None)
    return {
        "id": entry["request_id"],
        "rewrite_id": rewrite_id,
        "outcome": outcome,
        "edit_distance": distance,
        "edit_ratio": ratio,
    }
