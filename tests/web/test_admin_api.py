"""/v1/admin: usage pages, filters, cursor, CSV, settings, roles and team isolation;
failed-request logging; and the uncached preset preview."""

from __future__ import annotations

import csv
import io
import json

import pytest

from api.store import keys as redis_keys
from tests.support.factories import ADMIN_KEY, bearer, make_app, make_key, make_team

DRAFT = "Your refund of $42.50 for order 7781 was processed on 3 March. You must wait 5 days."


@pytest.fixture(autouse=True)
def patient_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give the app's Redis client more than the production 0.25 s: the test machine is shared
    and busy, and a slow answer here would fail a test about something else."""
    monkeypatch.setenv("KINDLY_REDIS_TIMEOUT", "3")


@pytest.fixture()
def keys(app, team_key) -> dict[str, str]:
    """Bearer headers: acme's agent and team admin, globex's team admin, the env admin."""
    lead = make_key(app, "acme", "team_admin", "acme lead")
    make_team(app, "globex")
    globex_lead = make_key(app, "globex", "team_admin", "globex lead")
    globex_agent = make_key(app, "globex", "agent", "globex agent")
    return {
        "agent": bearer(team_key),
        "lead": bearer(lead),
        "globex_lead": bearer(globex_lead),
        "globex_agent": bearer(globex_agent),
        "admin": bearer(ADMIN_KEY),
    }


def rewrite(client, headers, **body) -> dict:
    response = client.post("/v1/rewrite", json={"draft": DRAFT, **body}, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_agents_cannot_reach_admin_endpoints(client, keys):
    for path in ("/v1/admin/usage", "/v1/admin/usage.csv", "/v1/admin/stats", "/v1/admin/settings"):
        assert client.get(path, headers=keys["agent"]).status_code == 403
        assert client.get(path).status_code == 401
    put = client.put("/v1/admin/settings", json={"store_texts": True}, headers=keys["agent"])
    assert put.status_code == 403
    preview = client.post("/v1/presets/preview", json={"draft": "Hi"}, headers=keys["agent"])
    assert preview.status_code == 403


def test_usage_pages_walk_every_entry_once_newest_first(client, keys):
    ids = [rewrite(client, keys["agent"], customer_name=f"C{n}")["id"] for n in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        url = "/v1/admin/usage?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=keys["lead"]).json
        seen += [item["request_id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
        rewrite(client, keys["agent"], customer_name="late")  # new traffic between pages
    assert seen[:7] == ids[::-1]
    assert pages == 3
    item = client.get("/v1/admin/usage?limit=1", headers=keys["lead"]).json["items"][0]
    assert item["team"] == "acme" and item["kind"] == "rewrite" and item["outcome"] == "ok"
    assert {"key_id", "key_label", "preset", "preset_version", "engine", "model", "cached"} <= set(
        item
    )
    assert {"latency_ms", "tokens_in", "tokens_out", "cost_usd", "facts_passed"} <= set(item)
    # A computed rewrite carries its scores; a cache hit's entry stays small, without them.
    items = client.get("/v1/admin/usage?limit=50", headers=keys["lead"]).json["items"]
    computed = [i for i in items if i["kind"] == "rewrite" and not i["cached"]]
    hits = [i for i in items if i["kind"] == "rewrite" and i["cached"]]
    assert computed and hits
    assert all({"scores_before", "scores_after"} <= set(i) for i in computed)
    assert not any("scores_before" in i for i in hits)
    assert "texts" not in item and DRAFT not in json.dumps(item)


def test_usage_filters(client, keys):
    rewrite(client, keys["agent"], preset="formal")
    rewrite(client, keys["agent"], preset="warm")
    rewrite(client, keys["lead"], preset="warm")
    get = lambda query: client.get(f"/v1/admin/usage?{query}", headers=keys["lead"]).json  # noqa: E731
    assert [i["preset"] for i in get("preset=formal")["items"]] == ["formal"]
    agent_id = get("preset=formal")["items"][0]["key_id"]
    assert len(get(f"key={agent_id}")["items"]) == 2
    assert len(get("engine=offline")["items"]) == 3
    assert get("engine=llm")["items"] == []
    assert get("outcome=error")["items"] == []
    assert len(get("from=2000-01-01&to=2999-01-01")["items"]) == 3
    assert get("to=2000-01-01")["items"] == []
    assert get("kind=rewrite&preset=warm&limit=1")["next_cursor"]


@pytest.mark.parametrize(
    "query",
    ["limit=501", "limit=0", "cursor=abc", "from=tomorrow", "from=2026-02-02&to=2026-02-01"],
)
def test_bad_query_fields_are_named(client, keys, query):
    response = client.get(f"/v1/admin/usage?{query}", headers=keys["lead"])
    assert response.status_code == 422
    assert response.json["errors"]


def test_limit_up_to_500(client, keys):
    assert client.get("/v1/admin/usage?limit=500", headers=keys["lead"]).status_code == 200


def test_team_admins_see_only_their_team(client, keys):
    rewrite(client, keys["agent"])
    rewrite(client, keys["globex_agent"])
    acme = client.get("/v1/admin/usage", headers=keys["lead"]).json["items"]
    globex = client.get("/v1/admin/usage", headers=keys["globex_lead"]).json["items"]
    assert {i["team"] for i in acme} == {"acme"} and {i["team"] for i in globex} == {"globex"}
    assert {i["request_id"] for i in acme}.isdisjoint({i["request_id"] for i in globex})
    for path in ("/v1/admin/usage", "/v1/admin/stats", "/v1/admin/settings", "/v1/admin/usage.csv"):
        refused = client.get(f"{path}?team=acme", headers=keys["globex_lead"])
        assert refused.status_code == 403, path
    # A team admin naming its own team is fine.
    own = client.get("/v1/admin/usage?team=globex", headers=keys["globex_lead"])
    assert own.status_code == 200


def test_admins_may_name_any_team(client, keys):
    rewrite(client, keys["globex_agent"])
    page = client.get("/v1/admin/usage?team=globex", headers=keys["admin"]).json
    assert [i["team"] for i in page["items"]] == ["globex"]
    stats = client.get("/v1/admin/stats?team=globex", headers=keys["admin"]).json
    assert stats["team"] == "globex" and stats["totals"]["requests"] == 1
    missing = client.get("/v1/admin/usage?team=nobody", headers=keys["admin"])
    assert missing.status_code == 404


def test_failed_requests_are_logged_with_their_outcome(client, keys, redis):
    client.post("/v1/rewrite", json={"draft": ""}, headers=keys["agent"])  # 422
    client.post("/v1/rewrite", json={"draft": "Hi", "preset": "nope"}, headers=keys["agent"])
    client.get("/v1/admin/usage", headers=keys["agent"])  # 403
    client.get("/v1/presets/missing", headers=keys["agent"])  # 404
    client.post("/v1/rewrite", json={"draft": ""}, headers={"Authorization": "Bearer wrong"})
    errors = client.get("/v1/admin/usage?kind=error", headers=keys["lead"]).json["items"]
    assert sorted(e["status"] for e in errors) == [403, 404, 422, 422]
    assert {e["outcome"] for e in errors} == {"error"}
    by_status = {e["status"]: e for e in errors}
    assert by_status[403]["path"] == "/v1/admin/usage"
    assert by_status[404]["path"] == "/v1/presets/<string:slug>"  # the route, not the id
    assert any(e.get("preset") == "nope" for e in errors)
    assert all(e["key_label"] == "test agent" for e in errors)
    # The secret of a key never reaches the log.
    dump = json.dumps(redis.xrange(redis_keys.usage_key("acme")))
    assert keys["agent"]["Authorization"].split()[1] not in dump


def test_csv_export_has_the_same_entries_and_defuses_formulas(app, client, keys):
    from api.services import app_services

    ids = [rewrite(client, keys["agent"])["id"] for _ in range(3)]
    with app.app_context():  # a label a spreadsheet would run as a formula
        _, sneaky = app_services().teams.create_key("acme", role="agent", label="=HYPERLINK(1)")
    client.post("/v1/rewrite", json={"draft": ""}, headers={"Authorization": f"Bearer {sneaky}"})
    response = client.get("/v1/admin/usage.csv", headers=keys["lead"])
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["request_id"] for r in rows if r["kind"] == "rewrite"] == ids[::-1]
    error = next(r for r in rows if r["kind"] == "error")
    assert error["key_label"] == "'=HYPERLINK(1)" and error["status"] == "422"
    assert {"warmth_before", "warmth_after", "cost_usd", "latency_ms"} <= set(rows[0])
    filtered = client.get("/v1/admin/usage.csv?kind=error", headers=keys["lead"])
    assert len(list(csv.DictReader(io.StringIO(filtered.get_data(as_text=True))))) == 1
    empty = client.get("/v1/admin/usage.csv", headers=keys["globex_lead"])
    assert empty.get_data(as_text=True).startswith("id,time,request_id")


def test_text_storage_setting(client, keys, redis):
    assert client.get("/v1/admin/settings", headers=keys["lead"]).json == {
        "team": "acme",
        "store_texts": False,
        "text_retention_days": 30,
    }
    bad = client.put(
        "/v1/admin/settings",
        json={"store_texts": True, "text_retention_days": 0},
        headers=keys["lead"],
    )
    assert bad.status_code == 422 and "text_retention_days" in json.dumps(bad.json)
    on = client.put(
        "/v1/admin/settings",
        json={"store_texts": True, "text_retention_days": 2},
        headers=keys["lead"],
    )
    assert on.json == {"team": "acme", "store_texts": True, "text_retention_days": 2}
    rewrite(client, keys["agent"], customer_name="<script>alert(1)</script>")
    item = client.get("/v1/admin/usage?limit=1", headers=keys["lead"]).json["items"][0]
    assert item["texts"]["draft"] == DRAFT and item["texts"]["rewrite"]
    assert 86_400 < redis.ttl(redis_keys.usage_text_key("acme", item["request_id"])) <= 2 * 86_400
    # Another team's setting is untouched.
    globex = client.get("/v1/admin/settings", headers=keys["globex_lead"]).json
    assert globex["store_texts"] is False
    client.put("/v1/admin/settings", json={"store_texts": False}, headers=keys["lead"])
    item = client.get("/v1/admin/usage?limit=1", headers=keys["lead"]).json["items"][0]
    assert "texts" not in item


def test_admin_reads_503_when_redis_is_down(tmp_path):
    from tests.support.redis_server import RedisServer

    server = RedisServer(tmp_path / "redis").start()
    app = make_app(server.url, tmp_path, KINDLY_REDIS_TIMEOUT=0.25)
    server.stop()
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    for path in ("/v1/admin/usage", "/v1/admin/stats", "/v1/admin/usage.csv"):
        response = app.test_client().get(path, headers=headers)
        assert response.status_code == 503, path
        assert "Redis" in response.json["message"]


def test_preview_rewrites_with_unsaved_fields_and_is_never_cached(client, keys, redis):
    body = {
        "draft": "We cannot refund order 12345.",
        "slug": "warm",
        "agent_name": "Sam",
        "preset": {"signoff": "Cheers from the team,\n{agent_name}"},
    }
    first = client.post("/v1/presets/preview", json=body, headers=keys["lead"])
    assert first.status_code == 200, first.json
    assert "Cheers from the team,\nSam" in first.json["rewrite"]
    assert "12345" in first.json["rewrite"]
    second = client.post("/v1/presets/preview", json=body, headers=keys["lead"])
    assert second.json["cached"] is False
    assert not redis.keys(redis_keys.cache_key("acme", "*"))
    assert redis.get(redis_keys.rewrite_record_key("acme", first.json["id"])) is None
    # The stored preset did not change.
    stored = client.get("/v1/presets/warm", headers=keys["lead"]).json
    assert "Cheers from the team" not in stored["signoff"]
    previews = client.get("/v1/admin/usage?kind=preview", headers=keys["lead"]).json["items"]
    assert len(previews) == 2


def test_preview_field_errors_are_named(client, keys):
    response = client.post(
        "/v1/presets/preview",
        json={"draft": "Hi", "preset": {"warmth": 400, "length": "huge"}},
        headers=keys["lead"],
    )
    assert response.status_code == 422
    fields = json.dumps(response.json["errors"])
    assert "warmth" in fields and "length" in fields
    contradiction = client.post(
        "/v1/presets/preview",
        json={
            "draft": "Hi",
            "preset": {"banned_phrases": ["sorry"], "required_phrases": ["so sorry"]},
        },
        headers=keys["lead"],
    )
    assert contradiction.status_code == 422


def test_preview_does_not_shadow_the_preset_named_preview(client, keys):
    created = client.post(
        "/v1/presets", json={"slug": "preview", "name": "Preview"}, headers=keys["lead"]
    )
    assert created.status_code == 201
    assert client.get("/v1/presets/preview", headers=keys["lead"]).json["slug"] == "preview"


def test_rate_limited_requests_are_logged_as_such(redis, redis_server, tmp_path):
    from api.services import app_services

    app = make_app(redis_server.url, tmp_path, KINDLY_RATE_KEY_PER_MIN=1)
    with app.app_context():
        svc = app_services()
        svc.teams.ensure_team("acme")
        _, agent = svc.teams.create_key("acme", role="agent", label="busy agent")
        _, lead = svc.teams.create_key("acme", role="team_admin", label="lead")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {agent}"}
    assert client.post("/v1/rewrite", json={"draft": DRAFT}, headers=headers).status_code == 200
    refused = client.post("/v1/rewrite", json={"draft": DRAFT}, headers=headers)
    assert refused.status_code == 429
    page = client.get(
        "/v1/admin/usage?outcome=rate_limited", headers={"Authorization": f"Bearer {lead}"}
    )
    (entry,) = page.json["items"]
    assert entry["status"] == 429 and entry["key_label"] == "busy agent"
