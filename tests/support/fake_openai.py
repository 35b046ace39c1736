"""A local server that speaks OpenAI's chat-completions protocol over real sockets.

JSON answers and SSE streams, scripted per test: queue `Answer`, `Fail` and `Malformed`
replies with `script()`; each answers exactly as written (or as a function of the request
computes it: an edit of the masked draft, of the focused sentences...). Requests beyond the
script get the `default` reply (a greeting and the masked draft, which passes every check).
Every request body is recorded, so tests can assert what the model was shown. Used by the LLM
tests, evals/llm.py's self-test and bench/llm_overhead.py.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_DRAFT = re.compile(r"<draft>\n(.*)\n</draft>", re.DOTALL)
_CUSTOMER = re.compile(r"<customer_message>\n(.*)\n</customer_message>", re.DOTALL)
_REPLY = re.compile(r"<reply>\n(.*)\n</reply>", re.DOTALL)
_NUMBERED = re.compile(r"^(\d+)\. Draft: (.*)$", re.MULTILINE)
_START = re.compile(r"^\s+Start from: (.*)$", re.MULTILINE)
_REPAIR_NOTE = "An earlier answer to this request could not be used"


@dataclass
class Recorded:
    """One request the fake received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, str]]:
        return self.body.get("messages", [])

    @property
    def text(self) -> str:
        """Everything the model was shown, as one string."""
        return "\n".join(m.get("content", "") for m in self.messages)

    @property
    def draft(self) -> str:
        """The (masked) draft between the <draft> tags of the first user message."""
        first_user = next(m["content"] for m in self.messages if m["role"] == "user")
        match = _DRAFT.search(first_user)
        return match.group(1) if match else ""

    @property
    def customer_message(self) -> str:
        first_user = next(m["content"] for m in self.messages if m["role"] == "user")
        match = _CUSTOMER.search(first_user)
        return match.group(1) if match else ""

    @property
    def reply(self) -> str:
        """Focused mode: the (masked) offline rewrite shown as context."""
        match = _REPLY.search(self.messages[-1]["content"])
        return match.group(1) if match else ""

    @property
    def sentences(self) -> list[str]:
        """Focused mode: the (masked) sentences the model is asked to rewrite, in order."""
        return [m.group(2) for m in _NUMBERED.finditer(self.messages[-1]["content"])]

    @property
    def starts(self) -> list[str]:
        """Focused mode: the offline engine's version of each sentence, in order."""
        return [m.group(1) for m in _START.finditer(self.messages[-1]["content"])]

    @property
    def is_repair(self) -> bool:
        """A second attempt: the original request with the problems listed after it."""
        return _REPAIR_NOTE in self.messages[-1]["content"]


Reply = Any  # Answer | Fail | Malformed | Callable[[Recorded], Answer | Fail | Malformed]


@dataclass
class Answer:
    """A normal answer; `text` may be a function of the request (e.g. an edit of its draft)."""

    text: str | Callable[[Recorded], str]
    finish_reason: str = "stop"
    delay: float = 0.0  # before the response headers
    chunk_size: int = 4  # characters per SSE delta when streamed
    chunk_delay: float = 0.0  # between SSE deltas
    usage: tuple[int, int] = (42, 17)
    cut_after: int | None = None  # streamed: hang up after this many deltas, mid-answer


@dataclass
class Fail:
    """An HTTP error with an OpenAI-style error body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "fake upstream error"


@dataclass
class Malformed:
    """A 200 whose body is not valid JSON (or, streamed, a broken SSE event)."""

    body: str = '{"id": "chatcmpl-broken", "choices": [{"index": 0, "message": {"content": "Hi'


def echo(request: Recorded) -> str:
    """The default model: a greeting, then the masked draft (passes every check); in focused
    mode, each sentence back with "Please note: " before it."""
    if request.sentences:
        return "\n".join(f"{n}. Please note: {s}" for n, s in enumerate(request.sentences, 1))
    return "Hello,\n\n" + request.draft


class FakeOpenAI:
    """Start with `with FakeOpenAI() as fake:`; point a client at `fake.url`."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[Recorded] = []
        self.default: Reply = Answer(echo)
        self.aborted_streams = 0  # streams the client hung up on before the end
        self.finished_streams = 0
        self._script: list[Reply] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = _QuietServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def script(self, *replies: Reply) -> FakeOpenAI:
        """Queue replies for the next requests, in order."""
        with self._lock:
            self._script.extend(replies)
        return self

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.aborted_streams = self.finished_streams = 0
            self._ids = itertools.count(1)

    def _next(self, request: Recorded) -> tuple[Reply, str]:
        with self._lock:
            self.requests.append(request)
            reply = self._script.pop(0) if self._script else self.default
            request_id = f"req_fake_{next(self._ids)}"
        if callable(reply) and not isinstance(reply, (Answer, Fail, Malformed)):
            reply = reply(request)
        return reply, request_id

    def _count(self, aborted: bool) -> None:
        with self._lock:
            if aborted:
                self.aborted_streams += 1
            else:
                self.finished_streams += 1


class _QuietServer(ThreadingHTTPServer):
    """Clients hanging up on keep-alive connections is normal here, not worth a traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Like real model servers: no Nagle delay between a response's header and body
            # writes (it would add ~40 ms per answer against a delayed-ACK client).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # keep test output clean

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if not self.path.split("?")[0].rstrip("/").endswith("/chat/completions"):
                self._json(404, {"error": {"message": "not found", "type": "invalid_request"}})
                return
            body = json.loads(raw or b"{}")
            recorded = Recorded(self.path, dict(self.headers.items()), body)
            reply, request_id = fake._next(recorded)
            # The client may have given up already (timeout tests): nothing more to say.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._reply(reply, recorded, request_id)

        def _reply(self, reply: Reply, request: Recorded, request_id: str) -> None:
            if isinstance(reply, Fail):
                error = {"error": {"message": reply.message, "type": "fake", "code": None}}
                self._json(reply.status, error, {"x-request-id": request_id, **reply.headers})
                return
            if isinstance(reply, Malformed):
                self._raw(200, reply.body.encode(), "application/json", request_id)
                return
            time.sleep(reply.delay)
            text = reply.text(request) if callable(reply.text) else reply.text
            if request.body.get("stream"):
                self._stream(reply, text, request, request_id)
                return
            tokens_in, tokens_out = reply.usage
            self._json(
                200,
                {
                    "id": f"chatcmpl-{request_id}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": request.body.get("model", "fake"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": reply.finish_reason,
                        }
                    ],
                    "usage": {
                        "prompt_tokens": tokens_in,
                        "completion_tokens": tokens_out,
                        "total_tokens": tokens_in + tokens_out,
                    },
                },
                {"x-request-id": request_id},
            )

        def _stream(self, reply: Answer, text: str, request: Recorded, request_id: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("x-request-id", request_id)
            self.end_headers()
            base = {
                "id": f"chatcmpl-{request_id}",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": request.body.get("model", "fake"),
            }
            step = max(1, reply.chunk_size)
            pieces = [text[i : i + step] for i in range(0, len(text), step)]
            events = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces]
            try:
                for number, delta in enumerate(events):
                    if number > 1 and reply.chunk_delay:
                        time.sleep(reply.chunk_delay)
                    if reply.cut_after is not None and number > reply.cut_after:
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    choice = {"index": 0, "delta": delta, "finish_reason": None}
                    self._event({**base, "choices": [choice]})
                done = {"index": 0, "delta": {}, "finish_reason": reply.finish_reason}
                self._event({**base, "choices": [done]})
                if (request.body.get("stream_options") or {}).get("include_usage"):
                    tokens_in, tokens_out = reply.usage
                    usage = {
                        "prompt_tokens": tokens_in,
                        "completion_tokens": tokens_out,
                        "total_tokens": tokens_in + tokens_out,
                    }
                    self._event({**base, "choices": [], "usage": usage})
                self._chunk(b"data: [DONE]\n\n")
                self._chunk(b"")
            except (BrokenPipeError, ConnectionResetError):
                fake._count(aborted=True)
                self.close_connection = True
                return
            fake._count(aborted=False)

        def _event(self, payload: dict[str, Any]) -> None:
            self._chunk(b"data: " + json.dumps(payload).encode() + b"\n\n")

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _json(self, status: int, body: dict[str, Any], headers: dict | None = None) -> None:
            raw = json.dumps(body).encode()
            self._raw(status, raw, "application/json", None, headers)

        def _raw(
            self,
            status: int,
            raw: bytes,
            content_type: str,
            request_id: str | None,
            headers: dict | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            if request_id:
                self.send_header("x-request-id", request_id)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Serve the fake on its own (bench/llm_overhead.py runs it as a separate process):
    every request gets the echo answer after a fixed delay."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds before answering")
    parser.add_argument("--chunk-size", type=int, default=16)
    args = parser.parse_args(argv)
    fake = FakeOpenAI(port=args.port)
    fake.default = Answer(echo, delay=args.delay, chunk_size=args.chunk_size)
    print(fake.url, flush=True)
    fake._server.serve_forever()


if __name__ == "__main__":
    main()
