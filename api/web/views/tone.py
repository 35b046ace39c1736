"""POST /v1/tone: the harsh wording of a draft, for live use while the agent types."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api.engines.language import detect_language
from api.services import app_services
from api.tone.findings import analyse, counts, summary
from api.web.auth import require_key
from api.web.schemas.tone import ToneRequestSchema, ToneResponseSchema

blp = Blueprint("tone", __name__, url_prefix="/v1", description="Check the tone of a draft")
REQUEST_SCHEMA = ToneRequestSchema()
RESPONSE_SCHEMA = ToneResponseSchema()


@blp.route("/tone")
class Tone(MethodView):
    # Only the key check touches Redis: no model, no cache, no rate-limit counter.
    @require_key("agent", admit=False)
    @blp.arguments(REQUEST_SCHEMA)
    @blp.response(200, RESPONSE_SCHEMA)
    @blp.alt_response(401, description="Missing or invalid API key")
    @blp.alt_response(413, description="Body too large")
    @blp.alt_response(415, description="Body is not JSON")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Find curt, blaming, condescending, deflecting, threatening, dismissive, commanding
        and jargon wording in a draft, each with a reason and a suggestion. Rewrites nothing."""
        draft = body["draft"]
        language = (body.get("language") or detect_language(draft) or "en").lower()[:2]
        findings = analyse(draft, language, app_services().pipeline.lexicon)
        return {
            "findings": [f.as_dict() for f in findings],
            "counts": counts(findings),
            "summary": summary(findings, language),
            "language": language,
        }
