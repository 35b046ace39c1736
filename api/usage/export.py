"""The usage log as CSV: one line per matching entry, newest first, safe for spreadsheets."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from api.usage.log import UsageLog, UsageQuery

CSV_MAX_ROWS = 200_000
CSV_COLUMNS = (
    "id",
    "time",
    "request_id",
    "kind",
    "key_id",
    "key_label",
    "preset",
    "preset_version",
    "action",
    "channel",
    "engine",
    "model",
    "cached",
    "latency_ms",
    "tokens_in",
    "tokens_out",
    "model_calls",
    "cost_usd",
    "facts_passed",
    "outcome",
    "status",
    "path",
    "rewrite_id",
    "edit_distance",
    "warmth_before",
    "warmth_after",
    "reading_grade_before",
    "reading_grade_after",
    "spooled",
)


def csv_header() -> Iterator[str]:
    """The CSV of an empty log: the header alone."""
    yield _csv_line(CSV_COLUMNS)


def csv_rows(usage: UsageLog, team: str, query: UsageQuery) -> Iterator[str]:
    """Header, then one line per matching entry, newest first (at most CSV_MAX_ROWS)."""
    yield _csv_line(CSV_COLUMNS)
    written = 0
    for stream_id, entry in usage.entries(team, query.since, query.until):
        if not query.matches(entry):
            continue
        yield _csv_line(_csv_values(stream_id, entry))
        written += 1
        if written >= CSV_MAX_ROWS:
            return


def primed(rows: Iterator[str], count: int = 2) -> Iterator[str]:
    """`rows` with its first `count` rows read now (so their errors surface before a
    response starts), then the rest lazily."""
    head = list(itertools.islice(rows, count))
    return itertools.chain(head, rows)


def _csv_values(stream_id: str, entry: dict[str, Any]) -> list[Any]:
    before = entry.get("scores_before") or {}
    after = entry.get("scores_after") or {}
    flat = {
        **entry,
        "id": stream_id,
        "time": datetime.fromtimestamp(float(entry.get("ts", 0)), UTC).isoformat(),
        "warmth_before": before.get("warmth"),
        "warmth_after": after.get("warmth"),
        "reading_grade_before": before.get("reading_grade"),
        "reading_grade_after": after.get("reading_grade"),
    }
    return [flat.get(column) for column in CSV_COLUMNS]


def _csv_line(values: Any) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([_cell(v) for v in values])
    return out.getvalue()


def _cell(value: Any) -> Any:
    """Keep spreadsheets from running a logged value as a formula (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
