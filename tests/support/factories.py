"""Factories for the things tests build again and again: an app, a team, a key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

ADMIN_KEY = "test-admin-key-not-secret"


def app_config(redis_url: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """The settings of a test app: its Redis, the offline engine, an admin key, its own spool.

    The Redis timeout is patient (a loaded CI box can take longer than production's 0.25 s);
    the outage tests pass a short one."""
    return {
        "TESTING": True,
        "REDIS_URL": redis_url,
        "KINDLY_ENGINE": "offline",
        "KINDLY_ADMIN_KEY": ADMIN_KEY,
        "KINDLY_SPOOL_DIR": tmp_path / "spool",
        "KINDLY_REDIS_TIMEOUT": 2.0,
        **overrides,
    }


def make_app(redis_url: str, tmp_path: Path, **overrides: Any) -> Flask:
    """A new app with `app_config` settings."""
    from api import create_app

    return create_app(app_config(redis_url, tmp_path, **overrides))


def make_team(app: Flask, team_id: str = "acme", *, seed: bool = True) -> str:
    """Create a team (with the default presets unless `seed` is False); returns its id."""
    from api.services import app_services

    with app.app_context():
        svc = app_services()
        team = svc.teams.create_team(team_id.title(), team_id=team_id)
        if seed:
            svc.presets.seed(team)
    return team


def make_key(app: Flask, team_id: str = "acme", role: str = "agent", label: str = "test") -> str:
    """A new key of the team; returns the secret."""
    from api.services import app_services

    with app.app_context():
        _, secret = app_services().teams.create_key(team_id, role=role, label=label)
    return secret


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header for a key."""
    return {"Authorization": f"Bearer {secret}"}
