"""`kindly serve` (real gunicorn, gthread) with OPENAI_BASE_URL pointing at the fake OpenAI
server: it uses the model, streams deltas as they arrive, and a client that hangs up stops
the upstream call."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from tests.support.fake_openai import Answer, FakeOpenAI
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.slow  # starts processes: left out of `make unit`

ADMIN = "gunicorn-llm-admin-key-not-secret"
DRAFT = "Your order #48213 shipped on March 3. The tracking link is in the email we sent."


@pytest.fixture(scope="module")
def live(single_redis, fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory):
    spool: Path = tmp_path_factory.mktemp("llm-gunicorn") / "spool"
    server = LiveServer(
        single_redis.url, ADMIN, spool, KINDLY_ENGINE="auto", OPENAI_BASE_URL=fake.url
    ).start(workers=1, threads=4)
    yield server
    server.stop()


def open_stream(port: int, body: dict) -> socket.socket:
    payload = json.dumps({**body, "stream": True}).encode()
    head = (
        "POST /v1/rewrite HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {ADMIN}\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(head.encode() + payload)
    return sock


def read_until(sock: socket.socket, marker: bytes) -> bytes:
    received = b""
    while marker not in received:
        chunk = sock.recv(4096)
        assert chunk, f"connection closed before {marker!r}"
        received += chunk
    return received


def test_serve_uses_the_model_from_openai_base_url(live, fake):
    fake.reset()
    status, body = live.request("POST", "/v1/rewrite", {"draft": DRAFT, "customer_name": "Ana"})
    assert status == 200 and body["engine"] == "openai"
    assert "#48213" in body["rewrite"] and len(fake.requests) == 1
    status, health = live.request("GET", "/healthz", auth=False)
    assert health["engine"]["name"] == "openai" and health["engine"]["state"] == "ok"


def test_deltas_arrive_before_the_model_finishes_and_hangup_stops_it(live, fake):
    fake.reset()
    fake.default = Answer(lambda r: r.draft * 30, chunk_size=4, chunk_delay=0.03)
    sock = open_stream(live.port, {"draft": DRAFT + " (stream)"})
    with sock:
        received = read_until(sock, b"event: delta")
        assert received.startswith(b"HTTP/1.1 200")
        # The first delta is here while the model is still writing.
        assert fake.finished_streams == 0
    deadline = time.monotonic() + 10
    while fake.aborted_streams == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake.aborted_streams == 1 and fake.finished_streams == 0


def test_a_full_stream_through_gunicorn_ends_with_the_result(live, fake):
    fake.reset()
    fake.default = Answer(lambda r: "Hi Ana, " + r.draft, chunk_size=6)
    with open_stream(live.port, {"draft": DRAFT, "customer_name": "Ana", "preset": "formal"}) as s:
        received = read_until(s, b"\r\n0\r\n\r\n")  # the last chunk of the response
    assert b"event: delta" in received and b"event: result" in received
    assert b'"corrected": false' in received and b'"engine": "openai"' in received
