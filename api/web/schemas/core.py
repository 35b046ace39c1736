"""Marshmallow schemas: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from api.types import ACTIONS, CHANNELS

MAX_DRAFT = 20_000


class RewriteRequestSchema(Schema):
    draft = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_DRAFT),
        metadata={"description": "The agent's draft reply (1 to 20,000 characters)."},
    )
    customer_name = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )
    agent_name = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )
    customer_message = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=MAX_DRAFT),
        metadata={"description": "The customer's last message, for context."},
    )
    preset = fields.String(
        load_default="warm",
        validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,63}$", error="Not a preset slug."),
    )
    channel = fields.String(load_default=None, validate=validate.OneOf(CHANNELS))
    action = fields.String(load_default=None, validate=validate.OneOf(ACTIONS))
    target_locale = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$", error="Not a locale."),
    )
    stream = fields.Boolean(load_default=False)

    def load(self, data: Any, *, many: Any = None, partial: Any = None, unknown: Any = None) -> Any:
        """The hot path's light check first: a plain, valid body (the common case) is read
        without marshmallow's per-field machinery; anything else gets the full schema (and its
        error messages). Both give the same result (a property test holds them to it)."""
        if many is None and partial is None and unknown is None:
            fast = plain_rewrite_request(data)
            if fast is not None:
                return fast
        return super().load(data, many=many, partial=partial, unknown=unknown)


_PRESET_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_LOCALE_RE = re.compile(r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$")
_NAME_MAX = 200


def _text(value: Any, longest: int) -> bool:
    return value is None or (isinstance(value, str) and len(value) <= longest)


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
    plain = (
        _text(data.get("customer_name"), _NAME_MAX)
        and _text(data.get("agent_name"), _NAME_MAX)
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
    tokens_in = fields.Integer()
    tokens_out = fields.Integer()


class RewriteResponseSchema(Schema):
    id = fields.String()
    rewrite = fields.String()
    engine = fields.String()
    model = fields.String()
    cached = fields.Boolean()
    preset = fields.Nested(PresetRefSchema)
    action = fields.String()
    channel = fields.String()
    checks = fields.Nested(FactCheckSchema)
    scores = fields.Nested(ScoresSchema)
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


# --- tone presets, /v1/me ---------------------------------------------------------------

PRESET_SLUG = r"^[a-z0-9][a-z0-9-]{0,47}$"
LENGTHS = ("shorter", "same", "longer")
GREETING_STYLES = ("first_name", "full_name", "formal", "none")


class StrippedString(fields.String):
    """A string with surrounding whitespace removed before validation."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        return super()._deserialize(value, attr, data, **kwargs).strip()


def _phrase_list(max_items: int, max_chars: int, what: str) -> fields.List:
    def distinct(items: list[str]) -> None:
        folded = [item.casefold() for item in items]
        if len(set(folded)) != len(folded):
            raise ValidationError(f"Each {what} may appear only once.")

    return fields.List(
        StrippedString(validate=validate.Length(min=1, max=max_chars)),
        validate=[validate.Length(max=max_items), distinct],
    )


def _signoff_placeholders(value: str) -> None:
    leftover = value.replace("{agent_name}", "")
    if "{" in leftover or "}" in leftover:
        raise ValidationError("The only placeholder allowed is {agent_name}.")


class PresetFieldsSchema(Schema):
    """Everything a team may set on a preset. Omitted fields take presets.FIELD_DEFAULTS."""

    name = StrippedString(required=True, validate=validate.Length(min=1, max=80))
    description = StrippedString(validate=validate.Length(max=300))
    warmth = fields.Integer(
        validate=validate.Range(0, 100),
        metadata={"description": "0 = neutral, 100 = very warm."},
    )
    formality = fields.Integer(
        validate=validate.Range(0, 100),
        metadata={"description": "0 = casual, 100 = very formal."},
    )
    length = fields.String(validate=validate.OneOf(LENGTHS))
    reading_grade = fields.Integer(
        validate=validate.Range(1, 16),
        metadata={"description": "Target US school grade of the rewrite (1 to 16)."},
    )
    greeting_style = fields.String(validate=validate.OneOf(GREETING_STYLES))
    signoff = fields.String(
        validate=[validate.Length(max=200), _signoff_placeholders],
        metadata={"description": "Sign-off template; {agent_name} is filled in."},
    )
    banned_phrases = _phrase_list(50, 100, "banned phrase")
    required_phrases = _phrase_list(10, 200, "required phrase")
    glossary = _phrase_list(200, 100, "glossary term")
    guidance = StrippedString(validate=validate.Length(max=2000))
    default_action = fields.String(validate=validate.OneOf(ACTIONS))
    default_channel = fields.String(validate=validate.OneOf(CHANNELS))


class PresetCreateSchema(PresetFieldsSchema):
    """The body of POST /v1/presets: the fields plus a new slug."""

    slug = fields.String(
        required=True,
        validate=validate.Regexp(
            PRESET_SLUG, error="Use 1-48 lowercase letters, digits and dashes."
        ),
    )


class PresetUpdateSchema(PresetFieldsSchema):
    """The body of PUT and PATCH: the fields, optionally with the slug and the version read.

    A `version` makes the write conditional: it fails with 409 if someone saved in between.
    """

    slug = fields.String(validate=validate.Regexp(PRESET_SLUG, error="Not a preset slug."))
    version = fields.Integer(validate=validate.Range(min=1))


class PresetPatchSchema(PresetUpdateSchema):
    """The body of PATCH: any subset of PresetUpdateSchema (load it with partial=True)."""


class PresetSchema(PresetCreateSchema):
    """A stored preset as the API returns it."""

    version = fields.Integer(dump_only=True)


class PresetListSchema(Schema):
    items = fields.List(fields.Nested(PresetSchema))


class TeamArgsSchema(Schema):
    """Query string of team-scoped endpoints: only admins may name another team."""

    team = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,63}$", error="Not a team id."),
    )


class MeTeamSchema(Schema):
    id = fields.String()
    name = fields.String()


class MeKeySchema(Schema):
    id = fields.String()
    role = fields.String()
    label = fields.String()


class MePresetSchema(Schema):
    slug = fields.String()
    name = fields.String()
    version = fields.Integer()
    description = fields.String()


class MeSchema(Schema):
    team = fields.Nested(MeTeamSchema)
    key = fields.Nested(MeKeySchema)
    presets = fields.List(fields.Nested(MePresetSchema))


# --- API keys --------------------------------------------------------------------------------


class KeySchema(Schema):
    """An API key as the API shows it: never the secret, never its hash."""

    id = fields.String()
    team = fields.String()
    role = fields.String()
    label = fields.String()
    created = fields.Integer(metadata={"description": "Unix time."})
    last_used = fields.Integer(allow_none=True, metadata={"description": "Unix time or null."})


class KeyListSchema(Schema):
    items = fields.List(fields.Nested(KeySchema))


class KeyCreateSchema(Schema):
    role = fields.String(
        load_default="agent", validate=validate.OneOf(("agent", "team_admin", "admin"))
    )
    label = StrippedString(load_default="", validate=validate.Length(max=80))


class KeyCreatedSchema(Schema):
    key = fields.Nested(KeySchema)
    secret = fields.String(metadata={"description": "The API key. Shown only this once."})
