"""The WSGI entry point for gunicorn: builds the app and warms it before workers fork."""

from __future__ import annotations

from api import create_app
from api.rewrite.local import warm_up

app = create_app()
warm_up(app.config["KINDLY_PROMPTS_DIR"])
