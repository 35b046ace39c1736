"""Marshmallow schemas: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, fields, validate

from api.types import ACTIONS, CHANNELS, TEAM_ID_PATTERN
from api.web.schemas.tone import ToneBeforeAfterSchema, Verbatim

MAX_DRAFT = 20_000


class StrictInteger(fields.Integer):
    """An integer in a JSON body: 3.1e-187, 2.0, "7" and true are refused, not rounded."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """A JSON true or false; no "yes", 1 or "on"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def without_private_use(text: str) -> str:
    """`text` without characters of the supplementary private use planes (U+F0000 and up):
    they mean nothing in a reply, and the offline engine uses them to mask facts."""
    if all(ord(char) < 0xF0000 for char in text):
        return text
    return "".join(char for char in text if ord(char) < 0xF0000)


class CleanString(fields.String):
    """Text a person typed (a name, a sign-off, a phrase): private-use plane characters are
    dropped before validation."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        return without_private_use(super()._deserialize(value, attr, data, **kwargs))


def _name_field(description: str) -> fields.String:
    return CleanString(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": description},
    )


class RewriteRequestSchema(Schema):
    class Meta:
        # The OpenAPI document says what the pipeline checks: translate needs a locale.
        openapi = {
            "anyOf": [
                {"properties": {"action": {
                    "enum": [*(a for a in ACTIONS if a != "translate"), None], "nullable": True}}},
                {"properties": {"action": {"enum": ["translate"]}, "target_locale": {
                    "type": "string"}}, "required": ["action", "target_locale"]},
            ]
        }

    draft = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_DRAFT),
        metadata={
            "description": "The agent's draft reply (1 to 20,000 characters): plain text, or "
            "HTML when `format` is \"html\"."
        },
    )
    format = fields.String(
        load_default="text",
        validate=validate.OneOf(("text", "html")),
        metadata={
            "description": "\"html\": the draft is HTML from a rich editor, e.g. "
            "`<p>We sent <b>order 4512</b>. See our <a href=\"https://example.com/r\">refund "
            "policy</a>.</p>`. It is sanitized (only p, div, br, b/strong, i/em, u, code, a href, "
            "ul, ol, li, blockquote, h1-h6; links to http(s), mailto and tel), read as text "
            "with paragraphs, list items (`- `/`1. ` lines) and quotes (`> ` lines), and its "
            "bold, italic, underline, code and link runs are kept verbatim like facts. Every "
            "link's href is a fact: a rewrite that loses a link's words fails the fact check. "
            "The response's `rewrite` is then sanitized HTML with every mark on the same words, "
            "`rewrite_text` the same rewrite as text. Stream deltas are text."
        },
    )
    customer_name = _name_field("The customer's name, for the greeting.")
    agent_name = _name_field("The agent's name, for the sign-off.")
    customer_message = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=MAX_DRAFT),
        metadata={"description": "The customer's last message, for context."},
    )
    preset = fields.String(
        load_default="warm",
        validate=validate.Regexp(TEAM_ID_PATTERN, error="Not a preset slug."),
    )
    channel = fields.String(load_default=None, validate=validate.OneOf(CHANNELS))
    action = fields.String(load_default=None, validate=validate.OneOf(ACTIONS))
    target_locale = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$", error="Not a locale."),
    )
    stream = StrictBoolean(load_default=False)

    def load(self, data: Any, *, many: Any = None, partial: Any = None, unknown: Any = None) -> Any:
        """The hot path's light check first: a plain, valid body (the common case) is read
        without marshmallow's per-field machinery; anything else gets the full schema (and its
        error messages). Both give the same result (a property test holds them to it)."""
        # Only this schema's own fields: a subclass (the preset preview) reads more.
        if type(self) is RewriteRequestSchema and many is partial is unknown is None:
            fast = plain_rewrite_request(data)
            if fast is not None:
                return fast
        return super().load(data, many=many, partial=partial, unknown=unknown)


_PRESET_SLUG_RE = re.compile(TEAM_ID_PATTERN)
_FORMATS = ("text", "html")
_LOCALE_RE = re.compile(r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$")
_NAME_MAX = 200


def _text(value: Any, longest: int) -> bool:
    return value is None or (isinstance(value, str) and len(value) <= longest)


def _name(value: Any) -> bool:
    """A plain name: no private-use plane characters (the schema's CleanString drops them)."""
    return _text(value, _NAME_MAX) and (value is None or without_private_use(value) is value)


def plain_rewrite_request(data: Any) -> dict[str, Any] | None:
    """The loaded rewrite request when `data` is plainly valid, else None (use the schema)."""
    if not isinstance(data, dict) or not data.keys() <= _REQUEST_FIELDS:
        return None
    draft = data.get("draft")
    if not isinstance(draft, str) or not 1 <= len(draft) <= MAX_DRAFT:
        return None
    preset = data.get("preset", "warm")
    channel = data.get("channel", _ABSENT)
    action = data.get("action", _ABSENT)
    locale = data.get("target_locale")
    stream = data.get("stream", False)
    fmt = data.get("format", "text")
    plain = (
        _name(data.get("customer_name"))
        and _name(data.get("agent_name"))
        and fmt in _FORMATS
        and _text(data.get("customer_message"), MAX_DRAFT)
        and isinstance(preset, str)
        and _PRESET_SLUG_RE.match(preset) is not None
        and (channel is _ABSENT or channel in CHANNELS)
        and (action is _ABSENT or action in ACTIONS)
        and (locale is None or (isinstance(locale, str) and _LOCALE_RE.match(locale) is not None))
        and isinstance(stream, bool)
    )
    if not plain:
        return None
    return {
        "draft": draft,
        "format": fmt,
        "customer_name": data.get("customer_name"),
        "agent_name": data.get("agent_name"),
        "customer_message": data.get("customer_message"),
        "preset": preset,
        "channel": None if channel is _ABSENT else channel,
        "action": None if action is _ABSENT else action,
        "target_locale": locale,
        "stream": stream,
    }


_ABSENT = object()
_REQUEST_FIELDS = frozenset(RewriteRequestSchema._declared_fields)


class FactCheckSchema(Schema):
    facts = fields.List(fields.String())
    missing = fields.List(fields.String())
    invented = fields.List(fields.String())
    passed = fields.Boolean()
    rejected = fields.List(
        fields.String(),
        metadata={"description": "Why earlier engine answers were rejected (repaired or "
                  "replaced by the offline engine); empty when none was."},
    )


class ToneScoreSchema(Schema):
    reading_grade = fields.Float()
    reading_ease = fields.Float()
    warmth = fields.Float()
    jargon = fields.Integer()
    blame = fields.Integer()


class ScoresSchema(Schema):
    before = fields.Nested(ToneScoreSchema)
    after = fields.Nested(ToneScoreSchema)


class PresetRefSchema(Schema):
    slug = fields.String()
    version = fields.Integer()


class UsageSchema(Schema):
    """What the rewrite spent on model calls (0 for the offline engine and cache hits)."""

    tokens_in = fields.Integer(metadata={"description": "Prompt tokens of every model call."})
    tokens_out = fields.Integer(
        metadata={"description": "Completion tokens of every model call."}
    )
    model_calls = fields.Integer(
        metadata={"description": "Model calls made, rejected answers and repairs included."}
    )


class RewriteResponseSchema(Schema):
    id = fields.String()
    rewrite = fields.String(
        metadata={"description": "The rewrite: text, or sanitized HTML for an HTML draft."}
    )
    format = fields.String(
        metadata={"description": "\"html\" for an HTML draft (absent for text drafts)."}
    )
    rewrite_text = fields.String(
        metadata={"description": "HTML drafts only: the rewrite as plain text (what the "
                  "engine wrote; paragraphs apart by a blank line)."}
    )
    engine = fields.String()
    model = fields.String()
    cached = fields.Boolean()
    preset = fields.Nested(PresetRefSchema)
    action = fields.String()
    channel = fields.String()
    checks = fields.Nested(FactCheckSchema)
    scores = fields.Nested(ScoresSchema)
    tone = Verbatim(
        ToneBeforeAfterSchema,
        metadata={"description": "Harsh wording found in the draft and left in the rewrite."},
    )
    changes = fields.List(fields.String())
    warnings = fields.List(fields.String())
    usage = fields.Nested(UsageSchema)
    upstream_request_id = fields.String(allow_none=True)
    latency_ms = fields.Float()
    corrected = fields.Boolean(
        metadata={"description": "Streamed only: the final text differs from the deltas "
                  "because the guard rejected them."}
    )


class HealthSchema(Schema):
    status = fields.String(metadata={"description": "ok or degraded"})
    redis = fields.String(
        metadata={"description": "ok, unreachable, degraded (a cluster master down) or "
                  "misconfigured (a cluster node reached without redis+cluster://)"}
    )
    redis_mode = fields.String(metadata={"description": "single or cluster"})
    redis_masters = fields.Dict(metadata={"description": "cluster only: masters up and total"})
    redis_detail = fields.String()
    engine = fields.Dict()
