"""/v1/admin: a team's usage log (JSON pages and CSV), its statistics and its text setting."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from api.services import services
from api.store import keys as redis_keys
from api.usage.log import UsageLog, UsageQuery
from api.usage.stats import team_stats
from api.web.auth import acting_team, require_key
from api.web.schemas.usage import (
    RangeArgsSchema,
    StatsSchema,
    TeamSettingsSchema,
    TextSettingsSchema,
    UsageArgsSchema,
    UsageFilterArgsSchema,
    UsagePageSchema,
)

blp = Blueprint("admin", __name__, url_prefix="/v1/admin", description="Usage, stats, settings")

STATS_DEFAULT_DAYS = 30
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


def _query(args: dict[str, Any], limit: int = 50, cursor: str | None = None) -> UsageQuery:
    return UsageQuery(
        limit=limit,
        cursor=cursor,
        since=args.get("since"),
        until=args.get("until"),
        key=args.get("key"),
        preset=args.get("preset"),
        engine=args.get("engine"),
        outcome=args.get("outcome"),
        kind=args.get("kind"),
    )


@blp.route("/usage")
class Usage(MethodView):
    @require_key("team_admin")
    @blp.arguments(UsageArgsSchema, location="query")
    @blp.response(200, UsagePageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The team's log, newest first: pass `next_cursor` back as `cursor` for the next page."""
        team = acting_team(args.get("team"))
        items, cursor = services().usage.page(
            team, _query(args, args["limit"], args.get("cursor"))
        )
        return {"items": items, "next_cursor": cursor}


@blp.route("/usage.csv")
class UsageCsv(MethodView):
    @require_key("team_admin")
    @blp.arguments(UsageFilterArgsSchema, location="query")
    @blp.doc(responses={"200": {"description": "CSV, newest first", "content": {"text/csv": {}}}})
    def get(self, args: dict[str, Any]) -> Response:
        """The same entries as /usage (same filters), as one CSV file. Texts are not included."""
        team = acting_team(args.get("team"))
        usage = services().usage
        query = _query(args)
        first = usage.handle.client.exists(redis_keys.usage_key(team))  # fail early, as a 503
        rows = csv_rows(usage, team, query) if first else csv_rows_empty()
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return Response(
            stream_with_context(rows),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="kindly-usage-{team}-{stamp}.csv"',
                "Cache-Control": "no-store",
            },
        )


@blp.route("/stats")
class Stats(MethodView):
    @require_key("team_admin")
    @blp.arguments(RangeArgsSchema, location="query")
    @blp.response(200, StatsSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Per-day and total counts, cache hit rate, latency, tokens, cost, acceptance, tone."""
        team = acting_team(args.get("team"))
        until = args.get("until") or time.time()
        since = args.get("since") or until - STATS_DEFAULT_DAYS * 86_400
        return team_stats(services().usage, team, since, until)


@blp.route("/settings")
class Settings(MethodView):
    @require_key("team_admin")
    @blp.arguments(RangeArgsSchema(only=("team",)), location="query")
    @blp.response(200, TeamSettingsSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Whether the team keeps texts with its usage log, and for how many days."""
        team = acting_team(args.get("team"))
        return {"team": team, **services().usage.settings(team)}

    @require_key("team_admin")
    @blp.arguments(RangeArgsSchema(only=("team",)), location="query")
    @blp.arguments(TextSettingsSchema)
    @blp.response(200, TeamSettingsSchema)
    def put(self, args: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Turn text storage on (with a retention in days) or off (deletes kept texts)."""
        team = acting_team(args.get("team"))
        settings = services().usage.set_settings(
            team, body["store_texts"], body["text_retention_days"]
        )
        return {"team": team, **settings}


def csv_rows_empty() -> Iterator[str]:
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
