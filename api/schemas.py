"""Marshmallow schemas: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

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


class FactCheckSchema(Schema):
    facts = fields.List(fields.String())
    missing = fields.List(fields.String())
    invented = fields.List(fields.String())
    passed = fields.Boolean()


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


class HealthSchema(Schema):
    status = fields.String(metadata={"description": "ok or degraded"})
    redis = fields.String()
    engine = fields.Dict()
