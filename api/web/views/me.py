"""GET /v1/me: which team, key and presets the calling key has (the extension's first call)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api.services import app_services
from api.web.auth import current_principal, require_key
from api.web.schemas.keys import MeSchema

blp = Blueprint("me", __name__, url_prefix="/v1", description="The calling key")


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    @blp.alt_response(401, description="Missing or invalid API key")
    @require_key("agent")
    def get(self) -> dict[str, Any]:
        """The key's team, its id, role and label, and the presets it can use."""
        who = current_principal()
        svc = app_services()
        return {
            "team": {"id": who.team, "name": svc.teams.team_name(who.team)},
            "key": {"id": who.key_id, "role": who.role, "label": who.label},
            "presets": svc.presets.list(who.team),
        }
