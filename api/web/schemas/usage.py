"""Schemas of the usage-log, stats, settings and feedback endpoints (requests and answers).

Kept apart from api/schemas.py so the admin API's many query fields don't crowd the
rewrite contract; they feed the same OpenAPI document.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.types import TEAM_ID_PATTERN
from api.usage.feedback import OUTCOMES
from api.usage.log import MAX_TEXT_RETENTION_DAYS
from api.web.schemas.core import StrictBoolean, StrictInteger

_NUMBER = re.compile(r"^\d{1,10}(\.\d{1,6})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Times a query may name: the usage log holds nothing outside them, and Redis stream ids
# and Python dates both break beyond them.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC).timestamp()
LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()
_BOUNDS = "Times must lie between 1970-01-01 and 9999-12-31."
# A stream id: milliseconds and a sequence number, each an unsigned 64-bit integer.
_CURSOR = re.compile(r"^(\d{1,20})-(\d{1,20})$")
_U64 = 2**64 - 1
# What the OpenAPI document says a time looks like (the bounds are checked on loading).
# Each month with the days it can have (February: 29, a leap day is left to the loader).
_MONTH_DAY = (
    r"((0[13578]|1[02])-(0[1-9]|[12]\d|3[01])|(0[469]|11)-(0[1-9]|[12]\d|30)"
    r"|02-(0[1-9]|1\d|2\d))"
)
MOMENT_PATTERN = (
    r"^(|\d{1,10}(\.\d{1,6})?|(19[7-9]\d|[2-9]\d{3})-" + _MONTH_DAY
    + r"(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?(Z|[+-](0\d|1[0-3]):[0-5]\d)?)?)$"
)


class Moment(fields.String):
    """A point in time: an ISO date, an ISO date-time or epoch seconds; loads as epoch seconds.

    Times without a zone are UTC. A bare date means the start of that day, or its end when
    the field is an upper bound (`end_of_day`), so `to=2026-11-22` includes all of that day.
    """

    def __init__(self, end_of_day: bool = False, **kwargs: Any) -> None:
        metadata = {"pattern": MOMENT_PATTERN, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)
        self.end_of_day = end_of_day

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> float | None:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValidationError("Use an ISO date or time or epoch seconds.")
        text = str(value).strip()
        if not text:
            return None  # `?from=`: no bound
        try:
            if _NUMBER.match(text):
                return _bounded(float(text))
            if _DATE.match(text):
                day = date.fromisoformat(text)
                moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
                if self.end_of_day:
                    # The last microsecond of 9999-12-31 would round up into year 10000.
                    _bounded(moment.timestamp())
                    end = moment + timedelta(days=1, microseconds=-1)
                    return min(end.timestamp(), LATEST)
                return _bounded(moment.timestamp())
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return _bounded(moment.timestamp())
        except (ValueError, OverflowError) as err:
            if str(err) == _BOUNDS:
                raise ValidationError(_BOUNDS) from err
            raise ValidationError(
                "Use an ISO date or time (2026-11-22, 2026-11-22T09:30:00Z) or epoch seconds."
            ) from err

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


def _bounded(moment: float) -> float:
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(_BOUNDS)
    return moment


def _stream_id(value: str) -> None:
    """A cursor is a stream id this API handed out: two unsigned 64-bit parts, above 0-0.
    Empty means the first page."""
    if not value:
        return
    match = _CURSOR.match(value)
    if match is None:
        raise ValidationError("Not a cursor from this API.")
    ms, seq = int(match.group(1)), int(match.group(2))
    if ms > _U64 or seq > _U64 or (ms == 0 and seq == 0):
        raise ValidationError("Not a cursor from this API.")


class RangeArgsSchema(Schema):
    """A time range and, for admins, another team."""

    since = Moment(
        data_key="from",
        load_default=None,
        metadata={"description": "Start: ISO date or date-time (UTC if no zone), or epoch s."},
    )
    until = Moment(
        data_key="to",
        end_of_day=True,
        load_default=None,
        metadata={"description": "End, inclusive; a bare date means the end of that day."},
    )
    team = fields.String(
        load_default=None,
        validate=validate.Regexp(TEAM_ID_PATTERN, error="Not a team id."),
        metadata={"description": "Another team's id (admin keys only)."},
    )

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and since > until:
            raise ValidationError("'from' must not be after 'to'.", field_name="from")


class UsageFilterArgsSchema(RangeArgsSchema):
    key = fields.String(
        load_default=None, validate=validate.Length(max=64), metadata={"description": "Key id."}
    )
    preset = fields.String(load_default=None, validate=validate.Length(max=64))
    engine = fields.String(load_default=None, validate=validate.Length(max=64))
    outcome = fields.String(
        load_default=None,
        validate=validate.Length(max=32),
        metadata={"description": "ok, error, rate_limited, accepted, edited or rejected."},
    )
    kind = fields.String(
        load_default=None,
        validate=validate.OneOf(("rewrite", "preview", "feedback", "error")),
    )


class UsageArgsSchema(UsageFilterArgsSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    cursor = fields.String(
        load_default=None,
        validate=_stream_id,
        metadata={
            "description": "next_cursor of the previous page.",
            "pattern": r"^(\d{1,20}-\d{1,20})?$",
        },
    )


class UsageEntrySchema(Schema):
    id = fields.String(metadata={"description": "Stream id; entries are newest first."})
    team = fields.String()
    ts = fields.Float(metadata={"description": "When it happened (epoch seconds)."})
    request_id = fields.String()
    kind = fields.String()
    key_id = fields.String(allow_none=True)
    key_label = fields.String(allow_none=True)
    preset = fields.String(allow_none=True)
    preset_version = fields.Integer(allow_none=True)
    action = fields.String(allow_none=True)
    channel = fields.String(allow_none=True)
    engine = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    cached = fields.Boolean()
    latency_ms = fields.Float()
    tokens_in = fields.Integer()
    tokens_out = fields.Integer()
    cost_usd = fields.Float(allow_none=True)
    facts_passed = fields.Boolean()
    scores_before = fields.Dict()
    scores_after = fields.Dict()
    outcome = fields.String()
    status = fields.Integer()
    method = fields.String()
    path = fields.String()
    message = fields.String()
    rewrite_id = fields.String()
    edit_distance = fields.Integer(allow_none=True)
    edit_ratio = fields.Float(allow_none=True)
    spooled = fields.Boolean()
    texts = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Only when the team stores texts: draft, rewrite, sent_text."},
    )


class UsagePageSchema(Schema):
    items = fields.List(fields.Nested(UsageEntrySchema))
    next_cursor = fields.String(allow_none=True)


class LatencySchema(Schema):
    p50 = fields.Float(allow_none=True)
    p95 = fields.Float(allow_none=True)


class StatsBucketSchema(Schema):
    requests = fields.Integer()
    cached = fields.Integer()
    cache_hit_rate = fields.Float(allow_none=True)
    errors = fields.Integer()
    previews = fields.Integer()
    latency_ms = fields.Nested(LatencySchema)
    tokens_in = fields.Integer()
    tokens_out = fields.Integer()
    cost_usd = fields.Float()
    cost_unknown = fields.Integer(metadata={"description": "Calls of a model without a price."})
    feedback = fields.Dict(keys=fields.String(), values=fields.Integer())
    acceptance_rate = fields.Float(
        allow_none=True,
        metadata={"description": "(accepted + edited) / rewrites with feedback."},
    )
    warmth_change = fields.Float(allow_none=True)
    reading_grade_change = fields.Float(
        allow_none=True, metadata={"description": "Negative: the rewrites read easier."}
    )


class StatsDaySchema(StatsBucketSchema):
    date = fields.String()


class StatsSchema(Schema):
    team = fields.String()
    since = fields.String(attribute="from", data_key="from", allow_none=True)
    until = fields.String(attribute="to", data_key="to", allow_none=True)
    totals = fields.Nested(StatsBucketSchema)
    days = fields.List(fields.Nested(StatsDaySchema))


class TextSettingsSchema(Schema):
    store_texts = StrictBoolean(
        required=True,
        metadata={"description": "Keep drafts, rewrites and sent texts with the usage log."},
    )
    text_retention_days = StrictInteger(
        load_default=30, validate=validate.Range(1, MAX_TEXT_RETENTION_DAYS)
    )


class TeamSettingsSchema(TextSettingsSchema):
    team = fields.String()


class FeedbackSchema(Schema):
    class Meta:
        # The OpenAPI document says what _edited_needs_text checks (api/web/openapi.py).
        openapi = {
            "anyOf": [
                {"properties": {"outcome": {"enum": [o for o in OUTCOMES if o != "edited"]}}},
                {
                    "properties": {
                        "outcome": {"enum": ["edited"]},
                        "sent_text": {"type": "string", "minLength": 1},
                    },
                    "required": ["outcome", "sent_text"],
                },
            ]
        }

    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    sent_text = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=20_000),
        metadata={"description": "The text the agent sent (required when edited)."},
    )

    @validates_schema
    def _edited_needs_text(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("outcome") == "edited" and not data.get("sent_text"):
            raise ValidationError(
                "Send the text you sent when the outcome is 'edited'.", "sent_text"
            )


class FeedbackResultSchema(Schema):
    id = fields.String()
    rewrite_id = fields.String()
    outcome = fields.String()
    edit_distance = fields.Integer(allow_none=True)
    edit_ratio = fields.Float(allow_none=True)
