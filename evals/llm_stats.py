"""Tables of an LLM-path run: reason codes of `checks.rejected` entries (this tree's codes and
older trees' wordings), accepted share, latency quantiles and tokens."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

# Older wordings of rejections (before reason codes), so a run on an older tree is comparable.
_OLD_REASONS = (
    ("lost the placeholder", "placeholder_lost"),
    ("made up placeholder", "placeholder_invented"),
    ("far too long", "too_long"),
    ("far too short", "too_short"),
    ("answered in", "wrong_language"),
    ("cut off", "cut_off"),
    ("empty answer", "empty"),
    ("dropped", "fact_dropped"),
    ("added", "fact_invented"),
    ("timed out", "timeout"),
    ("repair call", "repair_call_failed"),
)
REPAIR_PREFIX = "after one repair attempt"
SENTENCE_PREFIX = "sentence kept offline"  # focused mode: one sentence, not the answer


def reason_of(text: str) -> str:
    """The reason code of one `checks.rejected` entry."""
    text = text.removeprefix(REPAIR_PREFIX + ": ")
    head = text.split(":", 1)[0]
    if head.replace("_", "").isalpha() and head.islower() and " " not in head:
        return head
    for words, code in _OLD_REASONS:
        if words in text:
            return code
    return "other"


def split_reasons(rejected: list[str]) -> tuple[list[str], list[str]]:
    """(reasons of the first answer, reasons of the repair answer), each sorted, no repeats;
    a focused-mode sentence kept offline counts as 'sentence:<reason>'."""
    first, repair = set(), set()
    for entry in rejected:
        if entry.startswith(SENTENCE_PREFIX + ": "):
            first.add("sentence:" + reason_of(entry.removeprefix(SENTENCE_PREFIX + ": ")))
        elif entry.startswith(REPAIR_PREFIX):
            repair.add(reason_of(entry))
        elif not entry.startswith("no repair attempt"):
            first.add(reason_of(entry))
    return sorted(first), sorted(repair)


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1], 2)


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Accepted share (of the drafts the model was called for), reasons, latency, tokens."""
    called = [r for r in rows if r["model_called"]]
    accepted = [r for r in called if r["accepted"]]
    first, repair = Counter(), Counter()
    for row in rows:
        first.update(row["first_reasons"])
        repair.update(row["repair_reasons"])
    seconds = sorted(r["seconds"] for r in rows)
    return {
        "drafts": len(rows),
        "model_called": len(called),
        "accepted": len(accepted),
        "accepted_pct": round(100 * len(accepted) / len(called), 1) if called else None,
        "no_call_needed": sum(1 for r in rows if not r["model_called"]),
        "p50_s": quantile(seconds, 0.5),
        "p95_s": quantile(seconds, 0.95),
        "p50_accepted_s": quantile(sorted(r["seconds"] for r in accepted), 0.5),
        "p50_fallback_s": quantile(sorted(r["seconds"] for r in called if not r["accepted"]), 0.5),
        "calls": sum(r["usage"]["calls"] for r in rows),
        "prompt_tokens": sum(r["usage"]["prompt_tokens"] for r in rows),
        "completion_tokens": sum(r["usage"]["completion_tokens"] for r in rows),
        "first_reasons": dict(first.most_common()),
        "repair_reasons": dict(repair.most_common()),
    }


def print_table(name: str, table: dict[str, Any]) -> None:
    print(f"\n## {name}")
    for key, value in table.items():
        print(f"- {key}: {value}")
