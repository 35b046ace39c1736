"""Schemas of POST /v1/tone and of the tone findings every rewrite response carries."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api.tone.rules import CATEGORIES, LANGUAGES

MAX_TONE_DRAFT = 20_000
_LANGUAGE = r"^[a-zA-Z]{2}(?:[-_][a-zA-Z0-9]{2,8})*$"


class FindingSchema(Schema):
    category = fields.String(
        metadata={"description": "One of: " + ", ".join(CATEGORIES) + "."},
    )
    start = fields.Integer(metadata={"description": "Offset of the phrase in the text."})
    end = fields.Integer(metadata={"description": "Offset just after the phrase."})
    text = fields.String(metadata={"description": "The harsh phrase."})
    sentence = fields.String(metadata={"description": "The whole sentence it is in."})
    reason = fields.String(metadata={"description": "Why it may hurt, in plain words."})
    suggestion = fields.String(metadata={"description": "What to write instead."})


class Verbatim(fields.Nested):
    """A nested field documented by its schema but dumped as it is: findings are built as
    plain dicts of exactly that shape, and dumping each one field by field would cost more
    than finding them."""

    def _serialize(self, nested_obj: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return nested_obj


class ToneBeforeAfterSchema(Schema):
    before = Verbatim(
        FindingSchema, many=True, metadata={"description": "Findings in the draft."}
    )
    after = Verbatim(
        FindingSchema,
        many=True,
        metadata={"description": "Findings left in the rewrite: a flagged sentence the "
                  "rewrite left as it was shows up here."},
    )


class ToneRequestSchema(Schema):
    draft = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_TONE_DRAFT),
        metadata={"description": "The draft to check (1 to 20,000 characters)."},
    )
    language = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(_LANGUAGE, error="Not a language."),
        metadata={"description": "ISO 639-1 code (rules exist for " + ", ".join(LANGUAGES)
                  + "); guessed from the draft when left out."},
    )


class ToneResponseSchema(Schema):
    findings = Verbatim(FindingSchema, many=True)
    counts = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Findings per category (only categories that occur)."},
    )
    summary = fields.String(metadata={"description": 'e.g. "2 sentences may sound blaming".'})
    language = fields.String(metadata={"description": "The language the rules were read for."})
