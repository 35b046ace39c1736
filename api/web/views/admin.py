"""/v1/admin: a team's usage log (JSON pages and CSV), its statistics and its text setting."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from api.services import app_services
from api.store import keys as redis_keys
from api.usage.export import csv_header, csv_rows, primed
from api.usage.log import UsageQuery
from api.usage.stats import team_stats
from api.web.auth import acting_team, require_key
from api.web.schemas.usage import (
    EARLIEST,
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
        items, cursor = app_services().usage.page(
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
        usage = app_services().usage
        query = _query(args)
        first = usage.handle.client.exists(redis_keys.usage_key(team))  # fail early, as a 503
        # Read the first rows now: a Redis error is then an error answer, not a cut-off file.
        rows = primed(csv_rows(usage, team, query)) if first else csv_header()
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
        until = args.get("until")
        until = time.time() if until is None else until
        since = args.get("since")
        since = max(EARLIEST, until - STATS_DEFAULT_DAYS * 86_400) if since is None else since
        return team_stats(app_services().usage, team, since, until)


@blp.route("/settings")
class Settings(MethodView):
    @require_key("team_admin")
    @blp.arguments(RangeArgsSchema(only=("team",)), location="query")
    @blp.response(200, TeamSettingsSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Whether the team keeps texts with its usage log, and for how many days."""
        team = acting_team(args.get("team"))
        return {"team": team, **app_services().usage.settings(team)}

    @require_key("team_admin")
    @blp.arguments(RangeArgsSchema(only=("team",)), location="query")
    @blp.arguments(TextSettingsSchema)
    @blp.response(200, TeamSettingsSchema)
    def put(self, args: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Turn text storage on (with a retention in days) or off (deletes kept texts)."""
        team = acting_team(args.get("team"))
        settings = app_services().usage.set_settings(
            team, body["store_texts"], body["text_retention_days"]
        )
        return {"team": team, **settings}
