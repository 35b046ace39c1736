"""POST /v1/rewrite: soften (or otherwise rewrite) one draft."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.rewrite.pipeline import RawJSON, RewriteRequest
from api.services import app_services
from api.web.auth import current_principal, key_check, require_key
from api.web.body import checked_body
from api.web.schemas.core import (
    RewriteRequestSchema,
    RewriteResponseSchema,
    plain_rewrite_request,
)
from api.web.sse import sse_response

blp = Blueprint("rewrite", __name__, url_prefix="/v1", description="Rewrite drafts")
# Instances, not classes: webargs builds a schema from a class on every request (a deep copy of
# every field), the hottest path of the API.
REQUEST_SCHEMA = RewriteRequestSchema()
RESPONSE_SCHEMA = RewriteResponseSchema()


def _arguments(view: Callable) -> Callable:
    """`blp.arguments(REQUEST_SCHEMA)` (the OpenAPI docs, and the full parse with its error
    messages), with the light check first: a plainly valid body, already read by the body
    gate (api/web/body.py), goes to the view as the schema would load it, without webargs
    parsing the JSON again."""
    full = blp.arguments(REQUEST_SCHEMA)(view)

    @wraps(full)
    def light(*args: Any, **kwargs: Any) -> Any:
        body = plain_rewrite_request(checked_body())
        if body is None:
            return full(*args, **kwargs)
        return view(*args, body, **kwargs)

    return light


@blp.route("/rewrite")
class Rewrite(MethodView):
    # The key is checked before the body, so a caller without a valid key learns nothing
    # about the request format and always gets 401. The rate limits are checked by the
    # pipeline, with its first cache lookup (one round trip): a request refused as invalid
    # (422) uses up none of the quota.
    # A key of the current form is checked in that same round trip (see require_key).
    @require_key("agent", admit=False, in_first_trip=True)
    @_arguments
    @blp.response(200, RESPONSE_SCHEMA)
    @blp.alt_response(401, description="Missing or invalid API key")
    @blp.alt_response(413, description="Body too large")
    @blp.alt_response(415, description="Body is not JSON")
    def post(self, body: dict[str, Any]) -> dict[str, Any] | Response:
        """Rewrite a draft reply in plain, warm language, keeping every fact.

        With `"stream": true` or `Accept: text/event-stream` the answer is server-sent events:
        `delta` events ({"text"}) as the text arrives, then one `result` event with the same
        body as a 200 plus `corrected`."""
        stream = body.pop("stream", False) or _wants_event_stream()
        pipeline = app_services().pipeline
        if stream:
            events = pipeline.stream_rewrite(
                RewriteRequest(**body), current_principal(), key_check()
            )
            return sse_response(events, RESPONSE_SCHEMA.dump)
        result = pipeline.rewrite_draft(RewriteRequest(**body), current_principal(), key_check())
        if isinstance(result, RawJSON):
            # A cache hit: the cached JSON as it is (it was dumped by this schema's fields).
            return Response(result, mimetype="application/json")
        return result


def _wants_event_stream() -> bool:
    if "event-stream" not in request.headers.get("Accept", ""):
        return False  # the common case, without parsing the header
    accepted = request.accept_mimetypes
    return accepted.best_match(["application/json", "text/event-stream"]) == "text/event-stream"
