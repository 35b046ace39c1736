"""Slow clients can't starve the server: 64 connections that send their body at 1 byte/s
hold no worker thread, so a normal rewrite still gets its answer (real gunicorn)."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time

import pytest

from tests.support.live_server import LiveServer

pytestmark = pytest.mark.slow  # starts processes: left out of `make unit`

ADMIN = "slow-clients-admin-key"
SLOW = 64


class Dripping:
    """`count` POSTs whose headers arrive at once and whose body arrives a byte a second
    (the last byte never, like a Content-Length larger than what is sent)."""

    def __init__(self, port: int, count: int) -> None:
        body = json.dumps({"draft": "Order 5 shipped on May 2, tracking 1Z999."}).encode()
        head = (
            f"POST /v1/rewrite HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {ADMIN}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.body = body
        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(head)
            self.sockets.append(sock)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._drip, daemon=True)
        self.thread.start()

    def _drip(self) -> None:
        sent = 0
        while not self.stop.wait(1.0) and sent < len(self.body) - 1:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.send(self.body[sent : sent + 1])
            sent += 1

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


@pytest.fixture()
def live(redis_server, redis, tmp_path):
    # Few threads, so that a server that gave each slow client a thread would run out.
    server = LiveServer(redis_server.url, ADMIN, tmp_path / "spool").start(workers=1, threads=4)
    yield server
    server.stop()


def test_a_normal_rewrite_is_answered_while_64_clients_drip_their_bodies(live):
    dripping = Dripping(live.port, SLOW)
    try:
        time.sleep(2)  # the slow clients are in and have sent a byte or two
        for n in range(3):
            # LiveServer.request gives up after its own client timeout: an answer at all is
            # the outcome this test needs.
            status, body = live.request(
                "POST", "/v1/rewrite", {"draft": f"Your order {n} ships today. Pls wait."}
            )
            assert status == 200 and body["checks"]["passed"]
    finally:
        dripping.close()
