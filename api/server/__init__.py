"""Runs the app under gunicorn: one set of settings for `kindly serve`, the Procfile (through
api/server/gunicorn_conf.py) and the benchmarks."""

from __future__ import annotations

import gc
import os
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.util import import_app

from api.config import Config

WORKER_CLASSES = {"buffering": "api.server.worker.BufferingWorker", "gthread": "gthread"}
WSGI_APP = "api.server.wsgi:app"


class Gunicorn(BaseApplication):
    """gunicorn run from Python with these options, serving the app named `app`."""

    def __init__(self, options: dict[str, Any], app: str = WSGI_APP) -> None:
        self.options = options
        self.app_name = app
        super().__init__()

    def load_config(self) -> None:
        """Hand gunicorn this server's options (no config file, no command line)."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # type: ignore[no-untyped-def]
        """The WSGI app, imported by name in each worker (or once, preloaded)."""
        # By name, as gunicorn loads any app: the app package imports the CLI, which starts
        # this server, so an import statement here would close a cycle.
        return import_app(self.app_name)


def freeze_heap(_server: Any = None) -> None:
    """Move everything the preloaded master built (app, engines, word lists) out of the
    collector's reach: a collection in a worker then never writes to those pages, so they
    stay shared with the master instead of being copied into each worker."""
    gc.collect()
    gc.freeze()


def _worker_ready(_worker: Any) -> None:
    freeze_heap()


def gunicorn_options(
    host: str, port: int, workers: int, threads: int, config: Config | None = None
) -> dict[str, Any]:
    """The settings the Procfile uses too (see bench/README.md for why these)."""
    config = config or Config()
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Build and warm the app once in the master; workers fork with everything loaded.
        "preload_app": True,
        # gthread, reading each request whole before a thread takes it (api/server/worker.py): slow
        # clients hold sockets, not threads. Threads per worker must exceed the streams one
        # worker may hold open (streams do hold a thread): 16 (bench/README.md).
        "worker_class": WORKER_CLASSES[config.KINDLY_WORKER],
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 10,
        "keepalive": 5,
    }
    if config.KINDLY_GC_FREEZE:
        options["when_ready"] = freeze_heap
        options["post_worker_init"] = _worker_ready
    if config.KINDLY_ACCESS_LOG:
        options["accesslog"] = "-"
        # Neither headers nor query strings (%(U)s is the bare path), so an API key can't
        # leak through the log, even from a client that puts one in the URL.
        options["access_log_format"] = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
    return options


def procfile_options() -> dict[str, Any]:
    """The Procfile's settings: $PORT, $WEB_CONCURRENCY workers, $KINDLY_THREADS threads."""
    return gunicorn_options(
        "0.0.0.0",
        int(os.environ.get("PORT") or 8000),
        int(os.environ.get("WEB_CONCURRENCY") or 2),
        int(os.environ.get("KINDLY_THREADS") or 16),
    )


def run_gunicorn(host: str, port: int, workers: int, threads: int) -> None:
    """Serve Kindly with gunicorn until stopped: `kindly serve` and `make run`."""
    Gunicorn(gunicorn_options(host, port, workers, threads)).run()
