"""The WSGI entry point for gunicorn: builds the app and warms it before workers fork."""

from __future__ import annotations

from api import create_app
from api.rewrite.local import warm_up
from api.services import ensure_default_team

app = create_app()
ensure_default_team(app)
warm_up(app.config["KINDLY_PROMPTS_DIR"])
