"""/v1/keys: team admins issue, list and revoke their own team's API keys.

A key can only create or revoke keys of its own rank or below, so a team admin can never
mint an admin key or revoke one.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.errors import abort
from api.services import app_services, ensure_team
from api.store.teams import public_record
from api.types import ROLES
from api.web.auth import acting_team, current_principal, require_key
from api.web.schemas.keys import KeyCreatedSchema, KeyCreateSchema, KeyListSchema, TeamArgsSchema

blp = Blueprint("keys", __name__, url_prefix="/v1", description="API keys")

# The secret is in this one response: no cache may keep it.
_NO_STORE = {"Cache-Control": "no-store"}


def _outranks(role: str) -> bool:
    return ROLES.index(role) > ROLES.index(current_principal().role)


@blp.route("/keys")
class Keys(MethodView):
    @require_key("team_admin")
    @blp.arguments(TeamArgsSchema, location="query")
    @blp.response(200, KeyListSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The team's keys with created and last-used times (never the secrets)."""
        return {"items": app_services().teams.list_keys(acting_team(args["team"]))}

    @require_key("team_admin")
    @blp.arguments(TeamArgsSchema, location="query")
    @blp.arguments(KeyCreateSchema)
    @blp.response(201, KeyCreatedSchema)
    def post(self, args: dict[str, Any], body: dict[str, Any]) -> Any:
        """Issue a key; the response is the only time its secret is shown."""
        team = acting_team(args["team"])
        if _outranks(body["role"]):
            abort(403, f"A {current_principal().role} key can't create {body['role']} keys.")
        if team == current_app.config["KINDLY_DEFAULT_TEAM"]:
            # A first deploy (`kindly serve` with KINDLY_ADMIN_KEY on an empty Redis) has no
            # default team yet: it is made on this first need.
            ensure_team(app_services(), team, "Default team")
        record, secret = app_services().teams.create_key(team, body["role"], body["label"])
        return {"key": public_record(record), "secret": secret}, _NO_STORE


@blp.route("/keys/<string:key_id>")
class KeyById(MethodView):
    @require_key("team_admin")
    @blp.arguments(TeamArgsSchema, location="query")
    @blp.response(204)
    def delete(self, args: dict[str, Any], key_id: str) -> None:
        """Revoke a key of the team; it stops working on its next request."""
        team = acting_team(args["team"])
        teams = app_services().teams
        record = teams.find_key(key_id, team=team)
        if record is None:
            abort(404, f"No key '{key_id}' in team '{team}'.")
            return
        if _outranks(record["role"]):
            abort(403, f"A {current_principal().role} key can't revoke {record['role']} keys.")
        teams.revoke_key(key_id, team=team)
