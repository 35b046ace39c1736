"""Schemas of teams, keys and /v1/me."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.types import ROLES, TEAM_ID_PATTERN
from api.web.schemas.presets import StrippedString


class TeamArgsSchema(Schema):
    """Query string of team-scoped endpoints: only admins may name another team."""

    team = fields.String(
        load_default=None,
        validate=validate.Regexp(TEAM_ID_PATTERN, error="Not a team id."),
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
        load_default="agent", validate=validate.OneOf(ROLES)
    )
    label = StrippedString(load_default="", validate=[validate.Length(max=80)])


class KeyCreatedSchema(Schema):
    key = fields.Nested(KeySchema)
    secret = fields.String(metadata={"description": "The API key. Shown only this once."})
