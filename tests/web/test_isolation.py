"""Isolation and security: no team reaches another's data, roles hold, keys never leak.

Real Redis throughout; the access-log and revocation checks run through real gunicorn.
"""

from __future__ import annotations

import logging

import pytest

from api.cli import main
from tests.support.factories import ADMIN_KEY
from tests.support.live_server import LiveServer

DRAFT = "Unfortunately, your order #4471 ships on 3 June. Call 555-0100."
ENV_ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class Team:
    """One team's id and a key per role (secrets as Authorization headers)."""

    def __init__(self, app, team_id: str) -> None:
        from api.services import app_services

        with app.app_context():
            svc = app_services()
            svc.teams.create_team(team_id.title(), team_id=team_id)
            svc.presets.seed(team_id)
            self.id = team_id
            self.secrets = {
                role: svc.teams.create_key(team_id, role, f"{role} {team_id}")[1]
                for role in ("agent", "team_admin", "admin")
            }

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[role]}"}


@pytest.fixture()
def teams(app):
    return Team(app, "acme"), Team(app, "globex")


def _routes(app, prefix: str) -> list[tuple[str, str]]:
    """(method, url) for every route under `prefix`, path parameters filled with 'warm'."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<string:{arg}>", "warm").replace(f"<{arg}>", "warm")
        found += [(m, url) for m in sorted(rule.methods & set(VERBS))]
    return found


def _rewrite(client, auth, draft=DRAFT, **extra):
    res = client.post("/v1/rewrite", json={"draft": draft, **extra}, headers=auth)
    assert res.status_code == 200, res.json
    return res.json


# --- presets ---------------------------------------------------------------------------------


def test_a_team_sees_and_changes_only_its_own_presets(client, teams):
    acme, globex = teams
    before = client.get("/v1/presets/warm", headers=acme.auth("agent")).json
    res = client.patch("/v1/presets/warm", json={"warmth": 5}, headers=globex.auth("team_admin"))
    assert res.status_code == 200
    new = {"slug": "globex-only", "name": "Globex only"}
    lead = globex.auth("team_admin")
    assert client.post("/v1/presets", json=new, headers=lead).status_code == 201
    assert client.delete("/v1/presets/formal", headers=lead).status_code == 204

    assert client.get("/v1/presets/warm", headers=acme.auth("agent")).json == before
    assert client.get("/v1/presets/globex-only", headers=acme.auth("agent")).status_code == 404
    slugs = {p["slug"] for p in client.get("/v1/presets", headers=acme.auth("agent")).json["items"]}
    assert "formal" in slugs and "globex-only" not in slugs
    me = client.get("/v1/me", headers=acme.auth("agent")).json
    assert "globex-only" not in {p["slug"] for p in me["presets"]}
    # nor can acme rewrite with globex's preset
    res = client.post("/v1/rewrite", json={"draft": DRAFT, "preset": "globex-only"},
                      headers=acme.auth("agent"))
    assert res.status_code == 422


@pytest.mark.parametrize("role", ["agent", "team_admin"])
def test_naming_another_team_is_refused_on_every_team_scoped_route(app, client, teams, role):
    acme, globex = teams
    before = client.get("/v1/presets", headers=acme.auth("agent")).json
    bodies = {"POST": {"slug": "sneaky", "name": "x"}, "PUT": {"name": "x"},
              "PATCH": {"warmth": 1}}
    checked = 0
    scoped = _routes(app, "/v1/presets") + _routes(app, "/v1/admin") + _routes(app, "/v1/keys")
    for method, url in scoped:
        res = client.open(f"{url}?team=acme", method=method, json=bodies.get(method, {}),
                          headers=globex.auth(role))
        assert res.status_code in (403, 422), (method, url, res.status_code)
        # Routes that validate their body first may answer 422; the rest must say 403.
        if method in ("GET", "DELETE") or (url.startswith("/v1/presets") and "preview" not in url):
            assert res.status_code == 403, (method, url, res.json)
        checked += 1
    assert checked >= 6
    assert client.get("/v1/presets", headers=acme.auth("agent")).json == before


def test_admins_may_act_on_another_team_by_name(client, teams):
    acme, globex = teams
    for auth in (ENV_ADMIN, globex.auth("admin")):
        res = client.patch("/v1/presets/warm?team=acme", json={"warmth": 11}, headers=auth)
        assert res.status_code == 200
        got = client.get("/v1/presets/warm", headers=acme.auth("agent")).json
        assert got["warmth"] == 11
    assert client.get("/v1/presets?team=nobody", headers=ENV_ADMIN).status_code == 404
    assert client.get("/v1/presets?team={acme}", headers=ENV_ADMIN).status_code == 422


# --- roles -----------------------------------------------------------------------------------


def test_agent_keys_cannot_reach_team_admin_or_admin_endpoints(app, client, teams):
    acme, _ = teams
    agent = acme.auth("agent")
    writes = [
        ("POST", "/v1/presets", {"slug": "x", "name": "x"}),
        ("PUT", "/v1/presets/warm", {"name": "x"}),
        ("PATCH", "/v1/presets/warm", {"warmth": 1}),
        ("DELETE", "/v1/presets/warm", None),
    ]
    for method, url, body in writes:
        assert client.open(url, method=method, json=body, headers=agent).status_code == 403
    admin_routes = _routes(app, "/v1/admin") + _routes(app, "/v1/keys") + [
        r for r in _routes(app, "/v1/presets/") if r[1] == "/v1/presets/preview"
    ]
    for method, url in admin_routes:
        res = client.open(url, method=method, json={}, headers=agent)
        assert res.status_code in (403, 422), (method, url, res.status_code)
        if method == "GET":
            assert res.status_code == 403 and res.json["code"] == 403, url
    assert client.get("/v1/presets/warm", headers=agent).status_code == 200


def test_no_key_or_a_wrong_key_gets_401_everywhere(app, client, teams):
    acme, _ = teams
    wrong = {"Authorization": "Bearer " + acme.secrets["admin"][:-2] + "xx"}
    for method, url in _routes(app, "/v1/"):
        if url == "/v1/rewrite" or "preview" in url or "feedback" in url:
            continue  # routes that read their body before the key: covered below
        for headers in ({}, wrong, {"Authorization": acme.secrets["admin"]}):
            res = client.open(url, method=method, headers=headers)
            assert res.status_code in (401, 422), (method, url)
            if method in ("GET", "DELETE"):
                assert res.status_code == 401, (method, url)
    assert client.post("/v1/rewrite", json={"draft": DRAFT}, headers=wrong).status_code == 401


# --- logs, stats, cached results -----------------------------------------------------------------


def test_cached_results_never_cross_teams(client, teams, redis):
    acme, globex = teams
    first = _rewrite(client, acme.auth("agent"))
    assert _rewrite(client, acme.auth("agent"))["cached"] is True
    theirs = _rewrite(client, globex.auth("agent"))
    assert theirs["cached"] is False
    cache_keys = sorted(redis.scan_iter("kindly:*:cache:*"))
    assert len(cache_keys) == 2
    assert {k.split(":")[1] for k in cache_keys} == {"{acme}", "{globex}"}
    assert first["id"] != theirs["id"]


def test_usage_logs_and_stats_stay_within_the_team(app, client, teams):
    if not any(url == "/v1/admin/usage" for _, url in _routes(app, "/v1/admin")):
        pytest.skip("usage endpoints not registered yet")
    acme, globex = teams
    acme_ids = {_rewrite(client, acme.auth("agent"), draft=f"Order {i} shipped.")["id"]
                for i in range(3)}
    _rewrite(client, globex.auth("agent"), draft="Order 9 shipped.")

    lead = globex.auth("team_admin")
    items = client.get("/v1/admin/usage?limit=500", headers=lead).json["items"]
    assert items and not acme_ids & {i.get("request_id") for i in items}
    assert all(i.get("key_id") in {k.split("_")[-2] for k in globex.secrets.values()}
               for i in items if i.get("key_id"))
    csv = client.get("/v1/admin/usage.csv", headers=lead).get_data(as_text=True)
    assert not any(rid in csv for rid in acme_ids)
    stats = client.get("/v1/admin/stats", headers=lead)
    assert stats.status_code == 200
    for url in ("/v1/admin/usage", "/v1/admin/usage.csv", "/v1/admin/stats"):
        assert client.get(f"{url}?team=acme", headers=lead).status_code == 403
    # the admin can look at acme, and sees acme's rewrites
    seen = client.get("/v1/admin/usage?team=acme&limit=500", headers=ENV_ADMIN).json["items"]
    assert acme_ids <= {i.get("request_id") for i in seen}


def test_feedback_on_another_teams_rewrite_is_not_found(app, client, teams):
    if not any("feedback" in url for _, url in _routes(app, "/v1/")):
        pytest.skip("feedback endpoint not registered yet")
    acme, globex = teams
    rewrite_id = _rewrite(client, acme.auth("agent"))["id"]
    res = client.post(f"/v1/rewrites/{rewrite_id}/feedback", json={"outcome": "accepted"},
                      headers=globex.auth("agent"))
    assert res.status_code == 404
    res = client.post(f"/v1/rewrites/{rewrite_id}/feedback", json={"outcome": "accepted"},
                      headers=acme.auth("agent"))
    assert res.status_code in (200, 201)


# --- keys never leak ---------------------------------------------------------------------------


def test_keys_never_appear_in_app_logs_or_redis(app, client, teams, redis, caplog):
    acme, _ = teams
    secret = acme.secrets["agent"]
    caplog.set_level(logging.DEBUG)
    app.logger.setLevel(logging.DEBUG)
    auth = acme.auth("agent")
    _rewrite(client, auth)
    client.get("/v1/me", headers=auth)
    client.post("/v1/presets", json={"slug": "x", "name": "x"}, headers=auth)  # 403
    client.post("/v1/rewrite", json={"draft": ""}, headers=auth)  # 422
    client.get(f"/v1/me?api_key={secret}", headers=auth)  # a client that leaks it in the URL
    client.get("/v1/me", headers={"Authorization": f"Bearer {secret}x"})  # 401
    client.post("/v1/rewrite", json={"draft": f"My key is {secret}", "preset": "warm"},
                headers={"Authorization": f"Bearer {secret}x"})
    logged = caplog.text
    assert secret not in logged and secret[4:] not in logged
    stored = []
    for name in redis.scan_iter("*"):
        kind = redis.type(name)
        if kind == "stream":
            stored += [str(e) for e in redis.xrange(name)]
        elif kind == "hash":
            stored += [str(redis.hgetall(name))]
        elif kind == "string":
            stored.append(redis.get(name) or "")
    assert not any(secret in s for s in stored)


@pytest.fixture()
def live(redis_server, redis, tmp_path):
    server = LiveServer(
        redis_server.url, ADMIN_KEY, tmp_path / "spool", KINDLY_ACCESS_LOG="1"
    ).start(workers=2)
    yield server
    server.stop()


@pytest.mark.slow
def test_gunicorn_access_and_error_logs_never_show_a_key(live, app, runner):
    team = runner.invoke(main, ["teams", "create", "Live"]).output.strip().split("\n")[-1]
    secret = runner.invoke(main, ["keys", "create", "--team", team]).output.strip().split("\n")[-1]
    assert live.request("GET", "/v1/me", auth=secret)[0] == 200
    assert live.request("POST", "/v1/rewrite", {"draft": "Order 5 shipped."}, auth=secret)[0] == 200
    live.request("GET", f"/v1/me?key={secret}", auth=secret)
    live.request("GET", "/v1/me", auth=secret + "x")
    live.stop()
    log = live.log.read_text()
    assert "/v1/me" in log and "/v1/rewrite" in log
    assert secret not in log and secret[4:] not in log and ADMIN_KEY not in log


@pytest.mark.slow
def test_revoked_key_gets_401_on_the_next_request_on_every_worker(live, runner):
    team = runner.invoke(main, ["teams", "create", "Live"]).output.strip().split("\n")[-1]
    secret = runner.invoke(main, ["keys", "create", "--team", team]).output.strip().split("\n")[-1]
    # several requests, so both workers have seen (and remembered) the key
    assert {live.request("GET", "/v1/me", auth=secret)[0] for _ in range(8)} == {200}
    key_id = secret.split("_")[-2]
    assert runner.invoke(main, ["keys", "revoke", key_id]).exit_code == 0
    statuses = {live.request("GET", "/v1/me", auth=secret)[0] for _ in range(8)}
    assert statuses == {401}


# --- CORS ----------------------------------------------------------------------------------------

EXTENSION = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"


def _preflight(client, origin: str):
    return client.options(
        "/v1/rewrite",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )


@pytest.mark.parametrize(
    "origin",
    [EXTENSION, "https://acme.zendesk.com", "https://mail.google.com", "moz-extension://1234-ab"],
)
def test_cors_allows_the_extension_and_help_desks(client, origin, auth):
    res = _preflight(client, origin)
    assert res.headers.get("Access-Control-Allow-Origin") == origin
    assert "authorization" in res.headers.get("Access-Control-Allow-Headers", "").lower()
    res = client.post("/v1/rewrite", json={"draft": DRAFT}, headers={**auth, "Origin": origin})
    assert res.headers.get("Access-Control-Allow-Origin") == origin
    assert "Retry-After" in res.headers.get("Access-Control-Expose-Headers", "")


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://acme.zendesk.com.evil.example",
        "https://mail.google.com.evil.example",
        "http://mail.google.com",
        "null",
    ],
)
def test_cors_refuses_other_origins(client, origin, auth):
    res = _preflight(client, origin)
    assert "Access-Control-Allow-Origin" not in res.headers
    res = client.get("/v1/me", headers={**auth, "Origin": origin})
    assert "Access-Control-Allow-Origin" not in res.headers


def test_cors_follows_the_configured_origins(app, redis_server, tmp_path):
    from api import create_app

    config = {**app.config, "KINDLY_CORS_ORIGINS": [EXTENSION, "https://help.example.com"]}
    client = create_app(config).test_client()
    assert _preflight(client, EXTENSION).headers.get("Access-Control-Allow-Origin") == EXTENSION
    assert _preflight(client, "https://help.example.com").headers.get(
        "Access-Control-Allow-Origin") == "https://help.example.com"
    for origin in ("chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba",
                   "https://acme.zendesk.com", "https://help.example.com.evil.example",
                   "https://evil.example"):
        assert "Access-Control-Allow-Origin" not in _preflight(client, origin).headers, origin
