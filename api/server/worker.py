"""The gunicorn worker Kindly runs: gthread, except that a request is read whole by the
worker's event loop before a thread takes it. A client that sends its body slowly (or
announces more than it sends) then holds a socket, never one of the worker's threads, and is
dropped with 408 after KINDLY_READ_TIMEOUT seconds; normal requests keep every thread.

Requests it does not buffer go to a thread at once, as plain gthread does: TLS, chunked
bodies, `Expect: 100-continue`, heads over 64 KiB and bodies over the size limit (the app
refuses those with 413 before reading them).
"""

from __future__ import annotations

import contextlib
import re
import selectors
import time
from functools import partial
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from api.config import Config

_MAX_HEAD = 64 * 1024
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
_UNBUFFERED = re.compile(rb"\r\n(?:transfer-encoding|expect):", re.IGNORECASE)
_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


def request_complete(data: bytes | bytearray, max_body: int) -> bool:
    """True when `data` holds a whole request (or one this worker hands over unbuffered)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return len(data) > _MAX_HEAD
    head = b"\r\n" + bytes(data[:end])
    if _UNBUFFERED.search(head):
        return True
    match = _CONTENT_LENGTH.search(head)
    length = int(match.group(1)) if match else 0
    return length > max_body or len(data) - (end + 4) >= length


class BufferingWorker(ThreadWorker):
    """gthread whose event loop reads each request in full before a thread handles it."""

    def init_process(self) -> None:
        config = Config()
        self.read_timeout = float(config.KINDLY_READ_TIMEOUT)
        self.max_body = int(config.MAX_CONTENT_LENGTH)
        self.reading: dict[Any, tuple[bytearray, float]] = {}
        super().init_process()

    def enqueue_req(self, conn: Any) -> None:
        leftover = conn.parser is not None and conn.parser.unreader.buf.getvalue()
        if getattr(conn, "kindly_whole", False) or self.cfg.is_ssl or leftover:
            conn.kindly_whole = False
            super().enqueue_req(conn)
            return
        conn.sock.setblocking(False)
        self.reading[conn] = (bytearray(), time.monotonic() + self.read_timeout)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._readable, conn))
        self._readable(conn, conn.sock)  # a new request's bytes are often there already

    def _readable(self, conn: Any, _sock: Any) -> None:
        entry = self.reading.get(conn)
        if entry is None:
            return
        data, _ = entry
        try:
            chunk = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._drop(conn)
            return
        data += chunk
        if request_complete(data, self.max_body):
            self._unwatch(conn)
            conn.init()  # the parser, made here so it can be handed the bytes read
            conn.parser.unreader.unread(bytes(data))
            conn.kindly_whole = True
            self.enqueue_req(conn)

    def _unwatch(self, conn: Any) -> None:
        self.reading.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)

    def _drop(self, conn: Any, answer: bytes = b"") -> None:
        self._unwatch(conn)
        if answer:
            with contextlib.suppress(OSError):
                conn.sock.send(answer)
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        for conn, (_, deadline) in list(self.reading.items()):
            if deadline <= now:
                self._drop(conn, _TIMED_OUT)
