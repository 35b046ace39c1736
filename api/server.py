"""Runs the app under gunicorn from Python, so `kindly serve` needs no extra config file."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # type: ignore[no-untyped-def]
        from api.wsgi import app

        return app


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """The settings the Procfile uses too (see bench/README.md for why gthread)."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Build and warm the app once in the master; workers fork with everything loaded.
        "preload_app": True,
        "worker_class": "gthread",
        # A worker whose threads are all held (streams) still accepts and queues new requests,
        # so threads per worker must exceed the streams one worker may get: 16 (bench/README.md).
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": "-",
        # The access log shows neither headers nor query strings (%(U)s is the bare path), so
        # an API key can't leak through it, even from a client that puts one in the URL.
        "access_log_format": '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms',
    }


def run_gunicorn(host: str, port: int, workers: int, threads: int) -> None:
    _Gunicorn(gunicorn_options(host, port, workers, threads)).run()
