"""Serves Kindly or the bare app under gunicorn with `api.server.gunicorn_options`, so both
run with exactly the settings `kindly serve` uses; only the worker class may be overridden
(for the worker-settings comparison).

Run: .venv/bin/python bench/serve.py {kindly,bare} --port N --workers W --threads T
     [--worker-class sync|gthread]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gunicorn.app.base import BaseApplication

from api.server import gunicorn_options


class _Served(BaseApplication):
    def __init__(self, which: str, options: dict[str, Any]) -> None:
        self.which = which
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # type: ignore[no-untyped-def]
        if self.which == "bare":
            from bench.bare_app import create_bare_app

            return create_bare_app()
        from api import create_app

        return create_app()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app", choices=["kindly", "bare"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--worker-class", default=None, help="default: what gunicorn_options says")
    args = parser.parse_args(argv)
    options = gunicorn_options(args.host, args.port, args.workers, args.threads)
    if args.worker_class:
        options["worker_class"] = args.worker_class
    _Served(args.app, options).run()


if __name__ == "__main__":
    main()
