"""/v1/presets: a team's tone presets. Everyone on the team reads them; team admins write."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api.errors import abort
from api.services import app_services
from api.web.auth import acting_team, require_key
from api.web.schemas.keys import TeamArgsSchema
from api.web.schemas.presets import (
    PresetCreateSchema,
    PresetListSchema,
    PresetPatchSchema,
    PresetSchema,
    PresetUpdateSchema,
)

blp = Blueprint("presets", __name__, url_prefix="/v1", description="Tone presets")



@blp.route("/presets")
class Presets(MethodView):
    @require_key("agent")
    @blp.arguments(TeamArgsSchema, location="query")
    @blp.response(200, PresetListSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the team's presets (admins may name another `team`)."""
        return {"items": app_services().presets.list(acting_team(args["team"]))}

    @require_key("team_admin")
    @blp.arguments(TeamArgsSchema, location="query")
    @blp.arguments(PresetCreateSchema)
    @blp.response(201, PresetSchema)
    @blp.alt_response(409, description="A preset with this slug exists")
    def post(self, args: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Add a preset (version 1, or one above any earlier preset with the same slug)."""
        team = acting_team(args["team"])
        return app_services().presets.create(team, body)


@blp.route("/presets/<string:slug>")
class PresetBySlug(MethodView):
    @require_key("agent")
    @blp.arguments(TeamArgsSchema, location="query")
    @blp.response(200, PresetSchema)
    def get(self, args: dict[str, Any], slug: str) -> dict[str, Any]:
        """One preset."""
        preset = app_services().presets.get(acting_team(args["team"]), slug)
        if preset is None:
            abort(404, f"No preset '{slug}'.")
        return preset

    @require_key("team_admin")
    @blp.arguments(TeamArgsSchema, location="query")
    @blp.arguments(PresetUpdateSchema)
    @blp.response(200, PresetSchema)
    def put(self, args: dict[str, Any], body: dict[str, Any], slug: str) -> dict[str, Any]:
        """Replace a preset; omitted fields go back to their defaults. Bumps the version."""
        return _write(args, body, slug, partial=False)

    @require_key("team_admin")
    @blp.arguments(TeamArgsSchema, location="query")
    @blp.arguments(PresetPatchSchema(partial=True))
    @blp.response(200, PresetSchema)
    def patch(self, args: dict[str, Any], body: dict[str, Any], slug: str) -> dict[str, Any]:
        """Change some fields of a preset. Bumps the version."""
        return _write(args, body, slug, partial=True)

    @require_key("team_admin")
    @blp.arguments(TeamArgsSchema, location="query")
    @blp.response(204)
    def delete(self, args: dict[str, Any], slug: str) -> None:
        """Delete a preset, defaults included (they are not brought back)."""
        team = acting_team(args["team"])
        if not app_services().presets.delete(team, slug):
            abort(404, f"No preset '{slug}'.")


def _write(args: dict[str, Any], body: dict[str, Any], slug: str, partial: bool) -> dict:
    """PUT or PATCH: the body's optional slug must be the path's; its version is a guard."""
    team = acting_team(args["team"])
    if body.pop("slug", slug) != slug:
        abort(422, errors={"json": {"slug": ["A preset's slug can't be changed."]}})
    expected = body.pop("version", None)
    store = app_services().presets
    write = store.update if partial else store.replace
    return write(team, slug, body, expected_version=expected)
