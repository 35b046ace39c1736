"""The baselines for the HTTP benchmarks: a bare Flask app under the same gunicorn as Kindly.

POST /v1/rewrite answers a small JSON (the cache-hit benchmark compares Kindly with "Flask under
the same gunicorn"). POST /v1/proxy forwards its body to the chat-completions server at
$BENCH_UPSTREAM through the official `openai` client, the way Kindly's engine calls it, and
returns the answer: the least any Python service in front of a model pays (the LLM-overhead
benchmark's floor). POST /v1/floor parses the JSON body and answers the JSON stored under
FLOOR_KEY in the Redis at $BENCH_REDIS, with one GET: the least a Flask cache hit can cost (the
cache-hit benchmark's floor)."""

from __future__ import annotations

import os
import threading

import httpx2
import openai
import redis
from flask import Flask, jsonify, request

FLOOR_KEY = "bench:floor:cached"

_client_lock = threading.Lock()
_clients: dict[int, openai.OpenAI] = {}


def _upstream() -> openai.OpenAI:
    """One client per process (made after gunicorn's fork), like Kindly's engine."""
    pid = os.getpid()
    with _client_lock:
        if pid not in _clients:
            _clients[pid] = openai.OpenAI(
                api_key="unused", base_url=os.environ["BENCH_UPSTREAM"], max_retries=0
            )
        return _clients[pid]


_redis_clients: dict[int, redis.Redis] = {}


def _redis() -> redis.Redis:
    """One client (one connection pool) per process, made after the fork."""
    pid = os.getpid()
    with _client_lock:
        if pid not in _redis_clients:
            _redis_clients[pid] = redis.Redis.from_url(os.environ["BENCH_REDIS"])
        return _redis_clients[pid]


def create_bare_app() -> Flask:
    """Parses the JSON body like Kindly does, then returns a constant small answer."""
    app = Flask(__name__)

    @app.post("/v1/rewrite")
    def rewrite():  # type: ignore[no-untyped-def]
        body = request.get_json()
        return jsonify(rewrite="ok", cached=True, chars=len(body.get("draft", "")))

    @app.post("/v1/floor")
    def floor():  # type: ignore[no-untyped-def]
        request.get_json()
        cached = _redis().get(FLOOR_KEY)
        return app.response_class(cached, mimetype="application/json")

    @app.post("/v1/proxy")
    def proxy():  # type: ignore[no-untyped-def]
        answer = _upstream().post(
            "/chat/completions",
            content=request.get_data(),
            options={"headers": {"Content-Type": "application/json"}},
            cast_to=httpx2.Response,
        )
        return app.response_class(answer.content, mimetype="application/json")

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        return jsonify(status="ok")

    return app
