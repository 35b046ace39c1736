"""Drives HTTP load for the benchmarks: `wrk` when installed (it costs the 2 shared cores
least), else a pool of Python threads with keep-alive connections. Also holds connections open
the way streaming clients do."""

from __future__ import annotations

import http.client
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.stats import percentile

_LUA = """
wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "application/json"
{headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True)
class LoadResult:
    """One load run: completed requests per second and latency percentiles."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    bad_status: int  # answers that were not 2xx/3xx
    failures: int  # connect/read/write errors and timeouts

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load_tool() -> str:
    return "wrk" if shutil.which("wrk") else "python"


def post_load(
    port: int,
    path: str,
    body: str,
    headers: dict[str, str],
    connections: int,
    seconds: float,
) -> LoadResult:
    """POST `body` to 127.0.0.1:`port``path` from `connections` clients for `seconds`."""
    if shutil.which("wrk"):
        return _wrk(port, path, body, headers, connections, seconds)
    return _threads(port, path, body, headers, connections, seconds)


def _wrk(
    port: int, path: str, body: str, headers: dict[str, str], connections: int, seconds: float
) -> LoadResult:
    if "]==]" in body:
        raise ValueError("body would end the Lua long string")
    header_lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_LUA.format(body=body, headers=header_lines))
    try:
        # One wrk thread: it drives thousands of requests a second and leaves the cores to
        # the server under test.
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",  # wrk takes whole seconds
                "--timeout",
                "2s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 30,
        ).stdout
    finally:
        Path(script.name).unlink()
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT "))
    requests, duration_us, p50_us, p99_us, bad, failed = (int(x) for x in line.split()[1:])
    return LoadResult(requests, duration_us / 1e6, p50_us / 1000, p99_us / 1000, bad, failed)


def _threads(
    port: int, path: str, body: str, headers: dict[str, str], connections: int, seconds: float
) -> LoadResult:
    """Fallback client: keep-alive connections, one per thread (Python's GIL limits it)."""
    payload = body.encode()
    all_headers = {"Content-Type": "application/json", **headers}
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0, 0]  # bad status, failures
    deadline = time.perf_counter() + seconds

    def client(slot: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn.request("POST", path, payload, all_headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[1] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                continue
            latencies[slot].append((time.perf_counter() - started) * 1000)
            if response.status >= 400:
                errors[0] += 1
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    flat = [ms for per in latencies for ms in per]
    if not flat:
        return LoadResult(0, elapsed, 0.0, 0.0, errors[0], errors[1])
    return LoadResult(
        len(flat), elapsed, statistics.median(flat), percentile(flat, 99), errors[0], errors[1]
    )


class HeldConnections:
    """`count` clients that each send a POST's headers and then drip its body a byte at a time,
    so each keeps one server worker (sync) or one thread (gthread) busy: the load an open
    streaming response puts on a server. Use as a context manager around a measurement."""

    def __init__(
        self,
        port: int,
        path: str,
        body: str,
        headers: dict[str, str],
        count: int,
        interval: float = 0.25,
    ) -> None:
        self.port = port
        self.count = count
        self.interval = interval  # seconds between two bytes of each body
        payload = body.encode()
        head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head += [f"Content-Length: {len(payload)}", "Connection: close", "", ""]
        self.head = "\r\n".join(head).encode()
        self.payload = payload
        self.sockets: list[tuple[socket.socket, int]] = []
        self._stop = threading.Event()
        self._dripper = threading.Thread(target=self._drip, daemon=True)

    def __enter__(self) -> HeldConnections:
        for _ in range(self.count):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(self.head)
            self.sockets.append((sock, 0))
        self._dripper.start()
        time.sleep(0.3)  # let the server pick them up before the measurement starts
        return self

    def _drip(self) -> None:
        while not self._stop.wait(self.interval):
            for i, (sock, sent) in enumerate(self.sockets):
                if sent < len(self.payload) - 1:
                    try:
                        sock.sendall(self.payload[sent : sent + 1])
                    except OSError:
                        continue
                    self.sockets[i] = (sock, sent + 1)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._dripper.join()
        for sock, sent in self.sockets:
            try:
                sock.sendall(self.payload[sent:])
                sock.settimeout(5)
                sock.recv(65536)
            except OSError:
                pass
            finally:
                sock.close()
        self.sockets.clear()
