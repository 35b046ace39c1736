"""POST /v1/rewrites/<id>/feedback: an agent says whether a rewrite was used."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api.services import app_services
from api.usage.feedback import give_feedback
from api.web.auth import current_principal, require_key
from api.web.schemas.usage import FeedbackResultSchema, FeedbackSchema

blp = Blueprint("feedback", __name__, url_prefix="/v1", description="Feedback on rewrites")


@blp.route("/rewrites/<string:rewrite_id>/feedback")
class Feedback(MethodView):
    @require_key("agent")
    @blp.arguments(FeedbackSchema)
    @blp.response(201, FeedbackResultSchema)
    @blp.alt_response(404, description="No such rewrite for this key's team")
    def post(self, body: dict[str, Any], rewrite_id: str) -> dict[str, Any]:
        """Record whether the rewrite was accepted, edited (send the text sent) or rejected."""
        return give_feedback(
            app_services().usage,
            current_principal(),
            rewrite_id,
            body["outcome"],
            body.get("sent_text"),
        )
