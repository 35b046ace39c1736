"""API-key authentication and role checks for views."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request
from werkzeug.exceptions import HTTPException

from api.errors import KindlyError, abort
from api.rewrite.pipeline import KeyCheck
from api.services import app_services
from api.store.rate_limit import get_limiter
from api.store.teams import Principal, hash_key, key_owner

_INVALID = "This API key is not valid (revoked or mistyped)."


def current_principal() -> Principal:
    return g.principal


def key_check() -> KeyCheck | None:
    """The key the rewrite pipeline still has to check in its first round trip (None: the
    decorator checked it already)."""
    return g.get("key_check")


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
    if not app_services().teams.team_exists(requested):
        abort(404, f"No team '{requested}'.")
    return requested


def _presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def _verify(secret: str) -> Principal:
    """The key's Principal (a 503 while Redis is away and this worker can't vouch for it)."""
    principal = app_services().teams.verify(
        secret,
        current_app.config.get("KINDLY_ADMIN_KEY"),
        current_app.config["KINDLY_DEFAULT_TEAM"],
    )
    if principal is None:
        abort(401, _INVALID)
    return principal


def _checked_in_first_trip(secret: str) -> bool:
    """A key of the current form, not the env admin key, while Redis answers: the rewrite
    pipeline can check it in the round trip that also looks up the cache."""
    admin = current_app.config.get("KINDLY_ADMIN_KEY")
    if admin and hmac.compare_digest(secret.encode("utf-8", "surrogatepass"), admin.encode()):
        return False
    return key_owner(secret) is not None and app_services().redis.available()


def _set_principal(principal: Principal) -> None:
    g.principal = principal


def require_key(role: str = "agent", admit: bool = True, in_first_trip: bool = False) -> Callable:
    """Decorator: the request must carry a valid key with at least `role`.

    With `admit` it also counts the request against the rate limits (429 when refused);
    the rewrite view leaves that to the pipeline, which admits in the same Redis round trip
    as its cache lookup. With `in_first_trip` (the rewrite view, role agent: every key has
    it) a key of the current form is checked by the pipeline in that same round trip; a
    request refused before then (a 4xx) still answers 401 first when the key is not valid.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            secret = _presented_key()
            if not secret:
                abort(401)
            if in_first_trip and _checked_in_first_trip(secret):
                team, key_id = key_owner(secret)  # type: ignore[misc]
                # Provisional until the pipeline's script has checked the key.
                g.principal = Principal(team=team, key_id=key_id, role="agent")
                g.key_check = KeyCheck(hash_key(secret), _set_principal)
                app_services().teams.listen_for_revocations()
                try:
                    return view(*args, **kwargs)
                except (KindlyError, HTTPException) as err:
                    status = int(getattr(err, "code", None) or 500)
                    if 400 <= status < 500 and status not in (401, 429):
                        g.principal = _verify(secret)
                    raise
            principal = _verify(secret)
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
