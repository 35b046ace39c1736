"""The baseline for benchmark (b): a bare Flask app that answers POST /v1/rewrite with a small
JSON, so the cache-hit benchmark can compare Kindly with "Flask under the same gunicorn"."""

from __future__ import annotations

from flask import Flask, jsonify, request


def create_bare_app() -> Flask:
    """Parses the JSON body like Kindly does, then returns a constant small answer."""
    app = Flask(__name__)

    @app.post("/v1/rewrite")
    def rewrite():  # type: ignore[no-untyped-def]
        body = request.get_json()
        return jsonify(rewrite="ok", cached=True, chars=len(body.get("draft", "")))

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        return jsonify(status="ok")

    return app
