"""Usage statistics: per-day and total counts, cache hit rate, latency, tokens, cost,
acceptance rate and tone change, computed from a team's usage log entries (UTC days)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.usage.log import UsageLog

FEEDBACK_OUTCOMES = ("accepted", "edited", "rejected")
# Charts get one point per day; a longer range than this is cut to its latest days.
MAX_DAYS = 400


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (an observed value), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class Bucket:
    """Running sums for one day (or for the whole range)."""

    requests: int = 0
    cached: int = 0
    errors: int = 0
    previews: int = 0
    latencies: list[float] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    cost_unknown: int = 0
    feedback: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FEEDBACK_OUTCOMES, 0))
    warmth: list[float] = field(default_factory=list)
    grade: list[float] = field(default_factory=list)

    def add(self, entry: Mapping[str, Any], count_feedback: bool) -> None:
        kind = entry.get("kind")
        if kind in ("rewrite", "preview"):
            self._add_call(entry, kind)
        elif kind == "error":
            self.errors += 1
        elif kind == "feedback" and count_feedback and entry.get("outcome") in self.feedback:
            self.feedback[entry["outcome"]] += 1

    def _add_call(self, entry: Mapping[str, Any], kind: str) -> None:
        self.tokens_in += int(entry.get("tokens_in") or 0)
        self.tokens_out += int(entry.get("tokens_out") or 0)
        cost = entry.get("cost_usd")
        if cost is None and (entry.get("tokens_in") or entry.get("tokens_out")):
            self.cost_unknown += 1
        self.cost_usd += float(cost or 0)
        if kind == "preview":
            self.previews += 1
            return
        self.requests += 1
        self.cached += bool(entry.get("cached"))
        if entry.get("latency_ms") is not None:
            self.latencies.append(float(entry["latency_ms"]))
        before, after = entry.get("scores_before") or {}, entry.get("scores_after") or {}
        if before.get("warmth") is not None and after.get("warmth") is not None:
            self.warmth.append(float(after["warmth"]) - float(before["warmth"]))
        if before.get("reading_grade") is not None and after.get("reading_grade") is not None:
            self.grade.append(float(after["reading_grade"]) - float(before["reading_grade"]))

    def as_dict(self) -> dict[str, Any]:
        given = sum(self.feedback.values())
        return {
            "requests": self.requests,
            "cached": self.cached,
            "cache_hit_rate": _ratio(self.cached, self.requests),
            "errors": self.errors,
            "previews": self.previews,
            "latency_ms": {
                "p50": percentile(self.latencies, 50),
                "p95": percentile(self.latencies, 95),
            },
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost_usd": round(self.cost_usd, 6),
            "cost_unknown": self.cost_unknown,
            "feedback": dict(self.feedback),
            # Used at all (as is or after edits) out of the rewrites that got feedback.
            "acceptance_rate": _ratio(self.feedback["accepted"] + self.feedback["edited"], given),
            "warmth_change": _mean(self.warmth),
            "reading_grade_change": _mean(self.grade),
        }


def _day(ts: float) -> date:
    return datetime.fromtimestamp(ts, UTC).date()


def summarise(
    entries: Iterable[Mapping[str, Any]], since: float | None = None, until: float | None = None
) -> dict[str, Any]:
    """Totals and one row per UTC day; days without traffic in the range appear as zeros.

    Only the newest feedback on each rewrite counts (entries arrive newest first), so an
    agent who first accepts and then edits is counted once, as edited.
    """
    totals = Bucket()
    days: dict[date, Bucket] = {}
    judged: set[str] = set()
    for entry in entries:
        count_feedback = True
        if entry.get("kind") == "feedback":
            rewrite_id = str(entry.get("rewrite_id"))
            count_feedback = rewrite_id not in judged
            judged.add(rewrite_id)
        day = _day(float(entry.get("ts", 0)))
        totals.add(entry, count_feedback)
        days.setdefault(day, Bucket()).add(entry, count_feedback)
    if days or (since is not None and until is not None):
        first = _day(since) if since is not None else min(days)
        last = _day(until) if until is not None else max(days, default=first)
        first = max(first, last - timedelta(days=MAX_DAYS - 1))
        span = (last - first).days + 1
        for offset in range(max(span, 0)):
            days.setdefault(first + timedelta(days=offset), Bucket())
    rows = [
        {"date": day.isoformat(), **bucket.as_dict()}
        for day, bucket in sorted(days.items())
        if (since is None or day >= _day(since)) and (until is None or day <= _day(until))
    ][-MAX_DAYS:]
    return {
        "from": _iso(since),
        "to": _iso(until),
        "totals": totals.as_dict(),
        "days": rows,
    }


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts is not None else None


def team_stats(usage: UsageLog, team: str, since: float, until: float) -> dict[str, Any]:
    """Statistics of one team's log over [since, until] (epoch seconds)."""
    entries = (entry for _, entry in usage.entries(team, since, until))
    return {"team": team, **summarise(entries, since, until)}
