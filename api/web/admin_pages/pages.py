"""Serves the admin pages at /admin: one HTML page plus its own JS and CSS, nothing remote.

The page holds no data itself: it signs in with an admin or team-admin key (kept in
sessionStorage) and calls the /v1 API with it as a Bearer token.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template

bp = Blueprint(
    "admin_pages",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# Only our own script, styles and API: no CDN, no inline script, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@bp.get("/")
def index() -> str:
    return render_template("admin/index.html")


@bp.after_request
def _page_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-cache")
    return response
