"""Logs every failed /v1/ request made with a known key (4xx and 5xx) to the usage log."""

from __future__ import annotations

import time
import uuid
from typing import Any

from flask import Flask, Response, current_app, g, request

from api.services import services
from api.store.connection import RedisUnavailable
from api.store.teams import Principal

# Short request fields worth keeping: never the draft or any other free text.
_CONTEXT_FIELDS = ("preset", "action", "channel")
_MAX_MESSAGE = 200


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
        return services().teams.verify(
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
    entry: dict[str, Any] = {
        "team": principal.team,
        "ts": time.time(),
        "request_id": g.get("request_id") or "req_" + uuid.uuid4().hex[:20],
        "kind": "error",
        "key_id": principal.key_id,
        "key_label": principal.label,
        "method": request.method,
        # The route pattern, not the path: ids in paths stay out of the log.
        "path": request.url_rule.rule if request.url_rule else request.path[:200],
        "status": status,
        "outcome": "rate_limited" if status == 429 else "error",
    }
    body = response.get_json(silent=True) if response.is_json else None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        entry["message"] = body["message"][:_MAX_MESSAGE]
    # A body over the size limit must not be read at all (werkzeug raises 413 again).
    sent = request.get_json(silent=True) if request.is_json and status != 413 else None
    if isinstance(sent, dict):
        for name in _CONTEXT_FIELDS:
            value = sent.get(name)
            if isinstance(value, str) and len(value) <= 64:
                entry[name] = value
    return entry


def init_app(app: Flask) -> None:
    @app.after_request
    def _log_failure(response: Response) -> Response:
        entry = failure_entry(response)
        if entry is not None:
            services().usage.record(entry.pop("team"), entry)
        return response
