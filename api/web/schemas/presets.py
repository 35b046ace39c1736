"""Schemas of tone presets: what a team may set, and the preset as stored."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from api.types import ACTIONS, CHANNELS
from api.web.schemas.core import CleanString, StrictInteger

PRESET_SLUG = r"^[a-z0-9][a-z0-9-]{0,47}$"
# What the OpenAPI document says of text that is stripped (and loses private-use plane
# characters) before its minimum length is checked: it holds one character that stays.
# Every character str.strip() removes is listed (what a regex's \s matches differs between engines).
VISIBLE = (
    "[^\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
    "\U000f0000-\U0010ffff]"
)
# A sign-off's braces: only the {agent_name} placeholder (see _signoff_placeholders).
SIGNOFF_PATTERN = r"^([^{}]|\{agent_name\})*$"
LENGTHS = ("shorter", "same", "longer")
GREETING_STYLES = ("first_name", "full_name", "formal", "none")


class StrippedString(CleanString):
    """Typed text with surrounding whitespace removed before validation."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        return super()._deserialize(value, attr, data, **kwargs).strip()


def _phrase_list(max_items: int, max_chars: int, what: str) -> fields.List:
    def distinct(items: list[str]) -> None:
        folded = [item.casefold() for item in items]
        if len(set(folded)) != len(folded):
            raise ValidationError(f"Each {what} may appear only once.")

    return fields.List(
        StrippedString(
            validate=[validate.Length(min=1, max=max_chars)], metadata={"pattern": VISIBLE}
        ),
        validate=[validate.Length(max=max_items), distinct],
        metadata={"uniqueItems": True, "description": f"Each {what} at most once (any case)."},
    )


def _signoff_placeholders(value: str) -> None:
    leftover = value.replace("{agent_name}", "")
    if "{" in leftover or "}" in leftover:
        raise ValidationError("The only placeholder allowed is {agent_name}.")


class PresetFieldsSchema(Schema):
    """Everything a team may set on a preset. Omitted fields take presets.PRESET_DEFAULTS."""

    name = StrippedString(
        required=True, validate=[validate.Length(min=1, max=80)], metadata={"pattern": VISIBLE}
    )
    description = StrippedString(validate=[validate.Length(max=300)])
    warmth = StrictInteger(
        validate=validate.Range(0, 100),
        metadata={"description": "0 = neutral, 100 = very warm."},
    )
    formality = StrictInteger(
        validate=validate.Range(0, 100),
        metadata={"description": "0 = casual, 100 = very formal."},
    )
    length = fields.String(validate=validate.OneOf(LENGTHS))
    reading_grade = StrictInteger(
        validate=validate.Range(1, 16),
        metadata={"description": "Target US school grade of the rewrite (1 to 16)."},
    )
    greeting_style = fields.String(validate=validate.OneOf(GREETING_STYLES))
    signoff = CleanString(
        validate=[validate.Length(max=200), _signoff_placeholders],
        metadata={
            "description": "Sign-off template; {agent_name} is filled in.",
            "pattern": SIGNOFF_PATTERN,
        },
    )
    banned_phrases = _phrase_list(50, 100, "banned phrase")
    required_phrases = _phrase_list(10, 200, "required phrase")
    glossary = _phrase_list(200, 100, "glossary term")
    guidance = StrippedString(validate=[validate.Length(max=2000)])
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

    slug = fields.String(
        validate=validate.Regexp(PRESET_SLUG, error="Not a preset slug."),
        # Accepted only when it is the path's own (a slug can't be changed), which the
        # document can't say: it tells clients to leave it out.
        metadata={"readOnly": True, "description": "The path's slug; it can't be changed."},
    )
    version = StrictInteger(validate=validate.Range(min=1, max=2**53))


class PresetPatchSchema(PresetUpdateSchema):
    """The body of PATCH: any subset of PresetUpdateSchema (load it with partial=True)."""


class PresetSchema(PresetCreateSchema):
    """A stored preset as the API returns it."""

    version = fields.Integer(dump_only=True)


class PresetListSchema(Schema):
    items = fields.List(fields.Nested(PresetSchema))
