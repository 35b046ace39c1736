"""One JSON error shape for every failure: {code, status, message, errors?}."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from flask_smorest import abort as smorest_abort
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "The request could not be read.",
    401: "A valid API key is required: send 'Authorization: Bearer <key>'.",
    403: "This key is not allowed to do that.",
    404: "Not found.",
    405: "Method not allowed.",
    413: "The request body is too large.",
    415: "Send the request body as JSON with 'Content-Type: application/json'.",
    422: "Some fields are not valid.",
    429: "Too many requests.",
    500: "Something went wrong on our side.",
}


def abort(code: int, message: str | None = None, **kwargs: Any) -> None:
    """Stop the request with the one error shape (wraps flask-smorest's abort)."""
    smorest_abort(code, message=message or MESSAGES.get(code), **kwargs)


def error_body(code: int, message: str, errors: Any = None) -> dict[str, Any]:
    from http import HTTPStatus

    body: dict[str, Any] = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
    if errors:
        body["errors"] = errors
    return body


def init_app(app: Flask) -> None:
    """Make every HTTP error, including ones raised before a view runs, use the JSON shape."""

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):  # type: ignore[no-untyped-def]
        code = err.code or 500
        data = getattr(err, "data", {}) or {}
        message = data.get("message") or MESSAGES.get(code) or err.description or ""
        # webargs reports validation failures as "messages"; ours use "errors".
        errors = data.get("errors") or data.get("messages")
        if code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"The request body is larger than {limit} bytes."
        response = jsonify(error_body(code, message, errors))
        response.status_code = code
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error")
        response = jsonify(error_body(500, MESSAGES[500]))
        response.status_code = 500
        return response
