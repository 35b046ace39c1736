"""Starts `kindly serve` (real gunicorn) on a free port for end-to-end tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.redis_server import free_port

REPO = Path(__file__).resolve().parents[2]
KINDLY = Path(sys.executable).parent / "kindly"


class LiveServer:
    """A gunicorn process serving Kindly; `request()` speaks JSON to it."""

    def __init__(self, redis_url: str, admin_key: str, spool: Path, **env: str) -> None:
        self.port = free_port()
        self.admin_key = admin_key
        self.env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "KINDLY_ADMIN_KEY": admin_key,
            "KINDLY_ENGINE": "offline",
            "KINDLY_SPOOL_DIR": str(spool),
            **env,
        }
        self.proc: subprocess.Popen | None = None
        self.log = spool.parent / f"gunicorn-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, workers: int = 2, threads: int = 4) -> LiveServer:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [str(KINDLY), "serve", "--port", str(self.port), "--workers", str(workers),
             "--threads", str(threads)],
            env=self.env, cwd=REPO, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("kindly serve exited:\n" + self.log.read_text())
            try:
                status, _ = self.request("GET", "/healthz", auth=False)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("kindly serve did not come up:\n" + self.log.read_text())

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)

    def request(self, method: str, path: str, body: dict | None = None, auth: bool | str = True,
                headers: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if auth:
            key = auth if isinstance(auth, str) else self.admin_key
            req.add_header("Authorization", f"Bearer {key}")
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return res.status, json.loads(res.read() or b"{}")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")
