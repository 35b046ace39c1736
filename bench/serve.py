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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.server import Gunicorn, gunicorn_options

# The same runner as `kindly serve`; only the app differs.
APPS = {"kindly": "api:create_app()", "bare": "bench.bare_app:create_bare_app()"}


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
    Gunicorn(options, APPS[args.app]).run()


if __name__ == "__main__":
    main()
