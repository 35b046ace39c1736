"""POST /v1/presets/preview: rewrite a sample draft with a preset that is still being edited.

A separate endpoint rather than a `preset_override` on /v1/rewrite: the hot rewrite
contract stays small, agents can't send one, and nothing here is ever cached or kept
for feedback (the preset changes on the next keystroke).
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api.errors import abort
from api.rewrite.pipeline import RewriteRequest
from api.services import app_services
from api.store.presets import conflicting_phrases
from api.types import PRESET_DEFAULTS
from api.web.auth import acting_team, current_principal, require_key
from api.web.schemas.core import RewriteRequestSchema, RewriteResponseSchema
from api.web.schemas.keys import TeamArgsSchema
from api.web.schemas.presets import PRESET_SLUG, PresetFieldsSchema

blp = Blueprint("preset_preview", __name__, url_prefix="/v1", description="Tone presets")


class PreviewRequestSchema(RewriteRequestSchema):
    """A rewrite request whose preset is given field by field instead of by slug."""

    class Meta:
        exclude = ("stream",)

    preset = fields.Nested(
        PresetFieldsSchema(partial=True),
        load_default=dict,
        metadata={"description": "The preset fields being edited (unsaved)."},
    )
    slug = fields.String(
        load_default=None,
        validate=validate.Regexp(PRESET_SLUG, error="Not a preset slug."),
        metadata={"description": "The stored preset the edits start from, if any."},
    )


@blp.route("/presets/preview")
class PresetPreview(MethodView):
    @require_key("team_admin")
    @blp.arguments(TeamArgsSchema, location="query")
    @blp.arguments(PreviewRequestSchema)
    @blp.response(200, RewriteResponseSchema)
    def post(self, args: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Rewrite `draft` with the given preset fields on top of preset `slug` (or defaults)."""
        team = acting_team(args["team"])
        slug = body.get("slug")
        base = app_services().presets.get(team, slug) if slug else None
        preset = {
            **PRESET_DEFAULTS,
            **(base or {}),
            **body["preset"],
            "slug": slug or "preview",
            "version": (base or {}).get("version", 0),
        }
        conflicts = conflicting_phrases(preset)
        if conflicts:
            abort(422, "Some preset fields contradict each other.", errors={"json": conflicts})
        req = RewriteRequest(
            draft=body["draft"],
            customer_name=body.get("customer_name"),
            agent_name=body.get("agent_name"),
            customer_message=body.get("customer_message"),
            preset=preset["slug"],
            channel=body.get("channel"),
            action=body.get("action"),
            target_locale=body.get("target_locale"),
        )
        return app_services().pipeline.preview(req, preset, current_principal())
