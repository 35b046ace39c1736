"""API-key authentication and role checks for views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request

from api.errors import abort
from api.services import services
from api.teams import Principal


def current_principal() -> Principal:
    return g.principal


def _presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def require_key(role: str = "agent") -> Callable:
    """Decorator: the request must carry a valid key with at least `role`."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            secret = _presented_key()
            if not secret:
                abort(401)
            principal = services().teams.verify(
                secret,
                current_app.config.get("KINDLY_ADMIN_KEY"),
                current_app.config["KINDLY_DEFAULT_TEAM"],
            )
            if principal is None:
                abort(401, "This API key is not valid (revoked or mistyped).")
            if not principal.can(role):
                abort(403, f"This needs a key with the '{role}' role.")
            g.principal = principal
            return view(*args, **kwargs)

        return wrapped

    return decorate
