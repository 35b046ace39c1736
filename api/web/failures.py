"""Logs every failed /v1/ request made with a known key (4xx and 5xx) to the usage log,
under the request id every answer carries in X-Request-Id."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, current_app, g, request

from api.errors import KindlyError
from api.services import app_services
from api.store.connection import RedisUnavailable
from api.store.teams import Principal
from api.usage.entry import error_entry, new_id
from api.web.body import read_json

# Short request fields worth keeping: never the draft or any other free text.
_CONTEXT_FIELDS = ("preset", "action", "channel")
_MAX_MESSAGE = 200
# Only values shaped like a slug are kept: an invalid field may hold any text.
_SHORT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\Z")


def _caller() -> Principal | None:
    """The key behind this request, even when it failed before the view checked the key
    (a body refused by schema validation, say). A 401 has no valid key by definition."""
    principal = g.get("principal")
    if principal is not None:
        return principal
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    try:
        return app_services().teams.verify(
            secret.strip(),
            current_app.config.get("KINDLY_ADMIN_KEY"),
            current_app.config["KINDLY_DEFAULT_TEAM"],
        )
    except RedisUnavailable:
        return None  # can't tell whose key it is now; the entry would have nowhere to go


def failure_entry(response: Response) -> dict[str, Any] | None:
    """The usage entry of this failed request, or None when it is not one to log."""
    if response.status_code < 400 or response.status_code == 401:
        return None
    if not request.path.startswith("/v1/"):
        return None
    principal = _caller()
    if principal is None:
        return None
    status = response.status_code
    message = None
    body = response.get_json(silent=True) if response.is_json else None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        message = body["message"][:_MAX_MESSAGE]
    # A body over the size limit must not be read at all (werkzeug raises 413 again).
    sent = _sent_body() if request.is_json and status != 413 else None
    context: dict[str, str] = {}
    if isinstance(sent, dict):
        for name in _CONTEXT_FIELDS:
            value = sent.get(name)
            if isinstance(value, str) and _SHORT_NAME.match(value):
                context[name] = value
    entry = error_entry(
        principal,
        g.get("request_id"),
        request.method,
        # The route pattern, not the path: ids in paths stay out of the log.
        request.url_rule.rule if request.url_rule else request.path[:200],
        status,
        context,
        message,
    )
    entry["team"] = principal.team
    return entry


def _sent_body() -> Any:
    """The request's JSON body, or None when it can't be read (never raises)."""
    try:
        return read_json(request.get_data(cache=True))
    except KindlyError:
        return None


def init_app(app: Flask) -> None:
    @app.before_request
    def _request_id() -> None:
        g.request_id = new_id("req")

    @app.after_request
    def _log_failure(response: Response) -> Response:
        # Every answer names its request, and a failure's log entry carries the same id.
        if g.get("request_id"):
            response.headers["X-Request-Id"] = g.request_id
        # Logging a failure must never turn the answer into another failure (a 500).
        try:
            entry = failure_entry(response)
            if entry is not None:
                app_services().usage.record(entry.pop("team"), entry)
        except Exception:
            app.logger.exception("could not log a failed request")
        return response
