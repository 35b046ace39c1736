"""Starts and stops the processes the HTTP benchmarks measure: Kindly and the bare app, each a
real gunicorn on a free port (Redis comes from tests/support/redis_server.py)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.redis_server import free_port

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
# Only for this throwaway bench server: it is the env admin key of a Redis that dies with it.
ADMIN_KEY = "bench-admin-key-not-secret"


@dataclass(frozen=True)
class WorkerSettings:
    """A gunicorn worker setup, e.g. gthread 2x8 or sync 5x1."""

    worker_class: str
    workers: int
    threads: int

    @property
    def label(self) -> str:
        return f"{self.worker_class} {self.workers}x{self.threads}"

    @classmethod
    def parse(cls, text: str) -> WorkerSettings:
        """'gthread:2x8' -> WorkerSettings('gthread', 2, 8)."""
        worker_class, _, shape = text.partition(":")
        workers, _, threads = shape.partition("x")
        return cls(worker_class, int(workers), int(threads or 1))


@dataclass
class ServedApp:
    """One gunicorn process tree we started (we stop it by its own pid, nothing else)."""

    name: str
    port: int
    proc: subprocess.Popen
    log_path: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def _bin(name: str) -> str:
    """A console script of the venv that runs this benchmark (e.g. .venv/bin/kindly)."""
    return str(Path(sys.executable).parent / name)


def kindly_env(redis_url: str, workdir: Path) -> dict[str, str]:
    """The environment a benchmarked Kindly process (server or CLI) runs with."""
    env = dict(os.environ)
    env.update(
        {
            "REDIS_URL": redis_url,
            "BENCH_REDIS": redis_url,
            "KINDLY_ADMIN_KEY": ADMIN_KEY,
            "KINDLY_ENGINE": "offline",
            "KINDLY_SPOOL_DIR": str(workdir / "spool"),
            # Far above what the load reaches, so every request is still counted against the
            # limits (real work) but none is refused.
            "KINDLY_RATE_KEY_PER_MIN": "1000000000",
            "KINDLY_RATE_TEAM_PER_MIN": "1000000000",
        }
    )
    return env


def create_agent_key(
    redis_url: str,
    workdir: Path,
    kindly: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> str:
    """An agent key of a new team 'bench', made with the `kindly` CLI: the benchmarks send
    what an agent's extension sends (a stored key, checked in Redis on every request).
    `kindly`, `env`, `cwd`: another tree's CLI (bench/old_tree.py)."""
    env = {**kindly_env(redis_url, workdir), **(env or {})}
    kindly = kindly or _bin("kindly")
    subprocess.run(
        [kindly, "teams", "create", "Bench", "--id", "bench"],
        env=env,
        cwd=cwd,
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [kindly, "keys", "create", "--team", "bench", "--label", "bench"],
        env=env,
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1]


def start_app(
    which: str,
    settings: WorkerSettings,
    workdir: Path,
    redis_url: str = "",
    env: dict[str, str] | None = None,
) -> ServedApp:
    """Start Kindly ('kindly') or the bare app ('bare') under gunicorn and wait until it answers.

    Kindly with gthread runs through the real `kindly serve` command; every other case runs
    through bench/serve.py, which uses the same `gunicorn_options`. "gthread" means the
    Procfile's worker for both apps (Kindly's request-buffering gthread worker, unless
    KINDLY_WORKER says otherwise); any other class is swapped in for both.
    """
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**kindly_env(redis_url, workdir), **(env or {})}
    shape = ["--port", str(port), "--workers", str(settings.workers)]
    shape += ["--threads", str(settings.threads)]
    if which == "kindly" and settings.worker_class == "gthread":
        command = [_bin("kindly"), "serve", *shape]
    else:
        command = [sys.executable, str(BENCH_DIR / "serve.py"), which, *shape]
        if settings.worker_class != "gthread":
            # Until 2026-12-02 the bare app got plain gthread here while Kindly had the
            # Procfile's buffering worker: the floor was not under the same settings.
            command += ["--worker-class", settings.worker_class]
    log_path = workdir / f"{which}-{port}.log"
    with log_path.open("w") as log:
        # stdout is the access log (one line per request): dropped, as a load balancer would.
        proc = subprocess.Popen(
            command, env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=log
        )
    served = ServedApp(f"{which} {settings.label}", port, proc, log_path)
    _wait_ready(served)
    return served


def start_command(
    name: str, command: list[str], workdir: Path, env: dict[str, str], cwd: Path, port: int
) -> ServedApp:
    """Start a server by its own command line (another tree's gunicorn) and wait until it
    answers /healthz on `port`."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name.replace(' ', '-')}-{port}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=log)
    served = ServedApp(name, port, proc, log_path)
    _wait_ready(served)
    return served


def _wait_ready(served: ServedApp, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.proc.poll() is not None:
            raise RuntimeError(f"{served.name} exited: {served.log_path.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.1)
    served.stop()
    raise RuntimeError(f"{served.name} did not answer /healthz within {timeout:.0f} s")


def post_json(port: int, path: str, body: dict, headers: dict[str, str]) -> tuple[int, dict]:
    """One POST, for priming caches and checking answers before a measurement."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST", path, json.dumps(body), {"Content-Type": "application/json", **headers}
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()
