"""One JSON error shape for every failure: {code, status, message, errors?}."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify
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
    503: "Kindly's storage (Redis) is unreachable right now; try again in a moment.",
}


class KindlyError(Exception):
    """A request Kindly refuses: the HTTP status, a message, and the bad fields if any.

    Every refusal raised below the views is one of these; the one handler in `init_app`
    turns it into the JSON error shape, so views never convert errors themselves.
    """

    def __init__(
        self,
        code: int,
        message: str | None = None,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.code = code
        self.message = message or MESSAGES.get(code, "")
        super().__init__(self.message)
        self.errors = errors or {}
        self.headers = headers or {}


def abort(code: int, message: str | None = None, **kwargs: Any) -> None:
    """Stop the request with the one error shape (wraps flask-smorest's abort)."""
    smorest_abort(code, message=message or MESSAGES.get(code), **kwargs)


def error_body(code: int, message: str, errors: Any = None) -> dict[str, Any]:
    """The one JSON error shape: {code, status, message, errors?}."""
    body: dict[str, Any] = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
    if errors:
        body["errors"] = errors
    return body


def refusal_response(err: KindlyError) -> Response:
    """The JSON answer for a KindlyError (its status, message, fields and headers)."""
    fields = {"json": err.errors} if err.errors else None
    response = jsonify(error_body(err.code, err.message, fields))
    response.status_code = err.code
    response.headers.update(err.headers)
    return response


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
        allowed = getattr(err, "valid_methods", None)
        if code == 405 and allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response

    app.register_error_handler(KindlyError, refusal_response)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error")
        response = jsonify(error_body(500, MESSAGES[500]))
        response.status_code = 500
        return response
