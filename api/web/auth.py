"""API-key authentication and role checks for views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request

from api.errors import abort
from api.services import services
from api.store.rate_limit import get_limiter
from api.store.teams import Principal


def current_principal() -> Principal:
    return g.principal


def acting_team(requested: str | None) -> str:
    """The team a request acts on: the key's own, or (admins only) the one it names.

    Naming another team with a non-admin key is refused outright (403) rather than quietly
    ignored, so a client never mistakes its own team's data for another's.
    """
    principal = current_principal()
    if not requested or requested == principal.team:
        return principal.team
    if principal.role != "admin":
        abort(403, "Only admin keys may act on another team.")
    if not services().teams.team_exists(requested):
        abort(404, f"No team '{requested}'.")
    return requested


def _presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def require_key(role: str = "agent", admit: bool = True) -> Callable:
    """Decorator: the request must carry a valid key with at least `role`.

    With `admit` it also counts the request against the rate limits (429 when refused);
    the rewrite view leaves that to the pipeline, which admits in the same Redis round trip
    as its cache lookup.
    """

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
            # Set before the role check so a refused request is still logged for its key.
            g.principal = principal
            if not principal.can(role):
                abort(403, f"This needs a key with the '{role}' role.")
            refusal = get_limiter().admit(principal) if admit else None
            if refusal:
                abort(429, refusal.message, headers={"Retry-After": str(refusal.retry_after)})
            # Model tokens are charged by the rewrite pipeline, with its other writes.
            return view(*args, **kwargs)

        return wrapped

    return decorate
