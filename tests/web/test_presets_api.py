"""/v1/presets and /v1/me against real Redis: CRUD, validation, versions, phrase rules."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.factories import make_app, make_key, make_team

# Redis-facing: every test here also runs on a 3-master Redis Cluster.
pytestmark = pytest.mark.cluster_too

DRAFT = "Unfortunately, your order #4471 ships on 3 June."


def _key(app, team: str, role: str) -> dict[str, str]:
    from api.services import app_services

    with app.app_context():
        _, secret = app_services().teams.create_key(team, role=role, label=f"{role} of {team}")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture()
def lead(app, team_key) -> dict[str, str]:
    """A team_admin key of 'acme' (the team of the `auth` agent key)."""
    return _key(app, "acme", "team_admin")


def _rewrite(client, auth, preset="warm", draft=DRAFT):
    res = client.post(
        "/v1/rewrite",
        json={"draft": draft, "preset": preset, "customer_name": "Ana", "agent_name": "Sam"},
        headers=auth,
    )
    assert res.status_code == 200, res.json
    return res.json


def test_me_tells_the_extension_its_team_key_and_presets(client, auth):
    res = client.get("/v1/me", headers=auth)
    assert res.status_code == 200
    body = res.json
    assert body["team"] == {"id": "acme", "name": "Acme"}
    assert body["key"]["role"] == "agent" and body["key"]["label"] == "test agent"
    assert set(body["key"]) == {"id", "role", "label"}
    slugs = [p["slug"] for p in body["presets"]]
    assert {"warm", "formal", "apologetic", "concise", "plain-language"} <= set(slugs)
    assert all(set(p) == {"slug", "name", "version", "description"} for p in body["presets"])


def test_me_needs_a_key(client):
    assert client.get("/v1/me").status_code == 401


def test_every_default_preset_has_every_field(client, auth):
    res = client.get("/v1/presets", headers=auth)
    assert res.status_code == 200
    items = res.json["items"]
    assert [p["slug"] for p in items] == sorted(p["slug"] for p in items)
    fields = {
        "slug", "name", "description", "warmth", "formality", "length", "reading_grade",
        "greeting_style", "signoff", "banned_phrases", "required_phrases", "glossary",
        "guidance", "default_action", "default_channel", "version",
    }
    for preset in items:
        assert set(preset) == fields, preset["slug"]
        assert preset["version"] >= 1


def test_agents_read_presets_but_cannot_write_them(client, auth):
    assert client.get("/v1/presets/warm", headers=auth).status_code == 200
    new = {"slug": "mine", "name": "Mine"}
    assert client.post("/v1/presets", json=new, headers=auth).status_code == 403
    assert client.patch("/v1/presets/warm", json={"warmth": 1}, headers=auth).status_code == 403
    assert client.put("/v1/presets/warm", json={"name": "W"}, headers=auth).status_code == 403
    assert client.delete("/v1/presets/warm", headers=auth).status_code == 403


def test_team_admin_creates_reads_and_lists_a_preset(client, lead):
    body = {
        "slug": "billing",
        "name": "  Billing  ",
        "warmth": 80,
        "formality": 20,
        "length": "shorter",
        "reading_grade": 6,
        "greeting_style": "full_name",
        "signoff": "Cheers,\n{agent_name}",
        "banned_phrases": ["as per policy"],
        "required_phrases": ["Reply any time."],
        "glossary": ["Kindly Pro"],
        "guidance": "Mention the invoice number first.",
        "default_action": "soften",
        "default_channel": "chat",
    }
    res = client.post("/v1/presets", json=body, headers=lead)
    assert res.status_code == 201, res.json
    assert res.json["version"] == 1 and res.json["name"] == "Billing"
    got = client.get("/v1/presets/billing", headers=lead).json
    assert got == res.json
    assert "billing" in [p["slug"] for p in client.get("/v1/presets", headers=lead).json["items"]]
    # omitted fields take the defaults
    res = client.post("/v1/presets", json={"slug": "bare", "name": "Bare"}, headers=lead)
    assert res.status_code == 201
    assert res.json["length"] == "same" and res.json["banned_phrases"] == []


def test_duplicate_slug_is_a_conflict(client, lead):
    res = client.post("/v1/presets", json={"slug": "warm", "name": "Warm 2"}, headers=lead)
    assert res.status_code == 409 and "warm" in res.json["message"]


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ({"slug": "Bad Slug", "name": "x"}, {"slug"}),
        ({"slug": "ok", "name": ""}, {"name"}),
        ({"slug": "ok"}, {"name"}),
        ({"slug": "ok", "name": "x", "warmth": 150, "formality": -1}, {"warmth", "formality"}),
        ({"slug": "ok", "name": "x", "length": "huge"}, {"length"}),
        ({"slug": "ok", "name": "x", "reading_grade": 40}, {"reading_grade"}),
        ({"slug": "ok", "name": "x", "greeting_style": "yo"}, {"greeting_style"}),
        ({"slug": "ok", "name": "x", "signoff": "Bye {customer}"}, {"signoff"}),
        ({"slug": "ok", "name": "x", "banned_phrases": ["a", "A"]}, {"banned_phrases"}),
        ({"slug": "ok", "name": "x", "banned_phrases": ["  "]}, {"banned_phrases"}),
        ({"slug": "ok", "name": "x", "glossary": "not a list"}, {"glossary"}),
        ({"slug": "ok", "name": "x", "default_action": "shout"}, {"default_action"}),
        ({"slug": "ok", "name": "x", "default_channel": "fax"}, {"default_channel"}),
        ({"slug": "ok", "name": "x", "colour": "red"}, {"colour"}),
        (
            {"slug": "ok", "name": "x", "banned_phrases": ["sorry"],
             "required_phrases": ["So sorry for the wait."]},
            {"required_phrases"},
        ),
        (
            {"slug": "ok", "name": "x", "banned_phrases": ["regards"],
             "signoff": "Kind regards,\n{agent_name}"},
            {"signoff"},
        ),
    ],
)
def test_invalid_presets_are_refused_naming_each_field(client, lead, body, bad):
    res = client.post("/v1/presets", json=body, headers=lead)
    assert res.status_code == 422, res.json
    assert set(res.json["errors"]["json"]) == bad
    assert client.get("/v1/presets/ok", headers=lead).status_code == 404


def test_every_edit_bumps_the_version(client, lead):
    v1 = client.get("/v1/presets/warm", headers=lead).json
    res = client.patch("/v1/presets/warm", json={"warmth": 90}, headers=lead)
    assert res.status_code == 200
    assert res.json["version"] == v1["version"] + 1
    assert res.json["warmth"] == 90 and res.json["name"] == v1["name"]
    res = client.put("/v1/presets/warm", json={"name": "Warmer", "warmth": 95}, headers=lead)
    assert res.status_code == 200
    assert res.json["version"] == v1["version"] + 2
    assert res.json["formality"] == 50  # PUT replaces: omitted fields go back to defaults
    assert client.get("/v1/presets/warm", headers=lead).json == res.json


def test_put_guards_against_lost_updates_and_renames(client, lead):
    current = client.get("/v1/presets/formal", headers=lead).json
    stale = dict(current, name="Mine")
    assert client.put("/v1/presets/formal", json=stale, headers=lead).status_code == 200
    res = client.put("/v1/presets/formal", json=dict(stale, name="Theirs"), headers=lead)
    assert res.status_code == 409 and "version" in res.json["errors"]["json"]
    res = client.patch("/v1/presets/formal", json={"slug": "other"}, headers=lead)
    assert res.status_code == 422 and "slug" in res.json["errors"]["json"]


def test_missing_presets_are_404(client, lead):
    assert client.get("/v1/presets/nope", headers=lead).status_code == 404
    assert client.patch("/v1/presets/nope", json={"warmth": 1}, headers=lead).status_code == 404
    assert client.put("/v1/presets/nope", json={"name": "x"}, headers=lead).status_code == 404
    assert client.delete("/v1/presets/nope", headers=lead).status_code == 404


def test_deleting_a_default_sticks_and_a_recreated_slug_gets_a_new_version(app, client, lead):
    old = client.get("/v1/presets/concise", headers=lead).json
    assert client.delete("/v1/presets/concise", headers=lead).status_code == 204
    assert client.get("/v1/presets/concise", headers=lead).status_code == 404
    slugs = [p["slug"] for p in client.get("/v1/presets", headers=lead).json["items"]]
    assert "concise" not in slugs
    from api.services import app_services

    with app.app_context():
        assert app_services().presets.seed("acme") is False  # seeding again restores nothing
    assert client.get("/v1/presets/concise", headers=lead).status_code == 404
    res = client.post("/v1/presets", json={"slug": "concise", "name": "Again"}, headers=lead)
    assert res.status_code == 201 and res.json["version"] > old["version"]


def test_an_edit_means_no_stale_cached_rewrite(client, auth, lead):
    first = _rewrite(client, auth)
    again = _rewrite(client, auth)
    assert again["cached"] is True and again["rewrite"] == first["rewrite"]
    res = client.patch(
        "/v1/presets/warm", json={"signoff": "Talk soon,\n{agent_name}"}, headers=lead
    )
    assert res.status_code == 200
    after = _rewrite(client, auth)
    assert after["cached"] is False
    assert after["preset"] == {"slug": "warm", "version": res.json["version"]}
    assert "Talk soon," in after["rewrite"] and "Talk soon," not in first["rewrite"]
    assert _rewrite(client, auth)["cached"] is True


def test_banned_and_required_phrases_are_enforced_on_the_rewrite(client, auth, lead):
    res = client.patch(
        "/v1/presets/warm",
        json={
            "banned_phrases": ["unfortunately", "ships"],
            "required_phrases": ["Reply any time."],
        },
        headers=lead,
    )
    assert res.status_code == 200
    out = _rewrite(client, auth)
    text = out["rewrite"]
    assert "unfortunately" not in text.lower()
    assert " ships " not in f" {text.lower()} "
    assert "Reply any time." in text
    assert "#4471" in text and "3 June" in text and out["checks"]["passed"]
    assert any("Reply any time." in change for change in out["changes"])


def test_a_banned_phrase_inside_a_fact_stays(client, auth, lead):
    client.patch("/v1/presets/warm", json={"banned_phrases": ["sorry"]}, headers=lead)
    out = _rewrite(client, auth, draft="Please write to sorry@example.com about order 12.")
    assert "sorry@example.com" in out["rewrite"] and out["checks"]["passed"]


def test_the_stored_preset_reaches_the_engine(client, auth, lead):
    """Two presets that differ only in tone settings give visibly different rewrites."""
    base = {"default_action": "soften", "default_channel": "email", "guidance": ""}
    soft = {**base, "slug": "soft", "name": "Soft", "warmth": 95, "formality": 10,
            "length": "longer", "signoff": "Warmly,\n{agent_name}"}
    stiff = {**base, "slug": "stiff", "name": "Stiff", "warmth": 10, "formality": 95,
             "length": "shorter", "signoff": "Regards,\n{agent_name}"}
    for body in (soft, stiff):
        assert client.post("/v1/presets", json=body, headers=lead).status_code == 201
    draft = "We can't refund this order. The policy doesn't allow it after 30 days."
    a = _rewrite(client, auth, preset="soft", draft=draft)["rewrite"]
    b = _rewrite(client, auth, preset="stiff", draft=draft)["rewrite"]
    assert a != b
    assert "Warmly," in a and "Regards," in b


def test_presets_read_from_the_defaults_and_refuse_writes_while_redis_is_down(tmp_path):
    from tests.support.redis_server import RedisServer

    server = RedisServer(tmp_path / "redis").start()
    try:
        app = make_app(server.url, tmp_path, KINDLY_REDIS_TIMEOUT=0.2)
        make_team(app, "acme")
        secret = make_key(app, "acme", "team_admin")
        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        assert client.get("/v1/me", headers=headers).status_code == 200
        server.freeze()
        try:
            res = client.get("/v1/presets", headers=headers)
            assert res.status_code == 200 and len(res.json["items"]) >= 5
            res = client.patch("/v1/presets/warm", json={"warmth": 1}, headers=headers)
            assert res.status_code == 503 and "Redis" in res.json["message"]
        finally:
            server.thaw()
    finally:
        server.stop()


# --- versions never repeat, whatever the sequence of edits ------------------------------------

operations = st.lists(
    st.tuples(st.sampled_from(["create", "put", "patch", "delete"]),
              st.sampled_from(["warm", "billing"])),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_a_slug_never_gets_the_same_version_twice(app, ops):
    from api.services import app_services
    from api.store.presets import PresetError

    with app.app_context():
        store = app_services().presets
        team = "hypo"
        store.r.delete(f"kindly:{{{team}}}:presets", f"kindly:{{{team}}}:presetversions")
        store.seed(team)
        seen: dict[str, set[int]] = {"warm": {1}, "billing": set()}
        for op, slug in ops:
            try:
                if op == "create":
                    preset = store.create(team, {"slug": slug, "name": slug})
                elif op == "put":
                    preset = store.replace(team, slug, {"name": slug})
                elif op == "patch":
                    preset = store.update(team, slug, {"warmth": 7})
                else:
                    store.delete(team, slug)
                    continue
            except PresetError as err:
                assert err.code in (404, 409)
                continue
            assert preset["version"] not in seen[slug]
            assert preset["version"] > max(seen[slug], default=0)
            seen[slug].add(preset["version"])
            assert store.get(team, slug)["version"] == preset["version"]


@pytest.fixture()
def other_worker(app):
    """A second app on the same Redis, like another gunicorn worker: it remembers presets in
    its own memory and must notice edits made through `app`."""
    from api import create_app

    return create_app(dict(app.config)).test_client()


def test_another_worker_notices_edits_of_a_preset_it_remembers(client, other_worker, auth, lead):
    before = _rewrite(other_worker, auth)  # remembers warm at its current version
    signoff = {"signoff": "Cheers,\n{agent_name}"}
    edited = client.patch("/v1/presets/warm", json=signoff, headers=lead)
    assert edited.status_code == 200
    after = _rewrite(other_worker, auth)
    assert after["preset"] == {"slug": "warm", "version": edited.json["version"]}
    assert after["cached"] is False and "Cheers," in after["rewrite"]
    assert "Cheers," not in before["rewrite"]
    assert _rewrite(other_worker, auth)["cached"] is True  # remembered again, checked, hit

    assert client.delete("/v1/presets/warm", headers=lead).status_code == 204
    gone = other_worker.post("/v1/rewrite", json={"draft": DRAFT, "preset": "warm"}, headers=auth)
    assert gone.status_code == 422 and "preset" in gone.json["errors"]["json"]
    made = client.post("/v1/presets", json={"slug": "warm", "name": "Warm again"}, headers=lead)
    assert made.status_code == 201
    again = _rewrite(other_worker, auth)
    assert again["preset"] == {"slug": "warm", "version": made.json["version"]}


def test_a_team_that_gets_its_own_presets_stops_using_the_remembered_default(
    app, client, other_worker
):
    from api.services import app_services
    from tests.support.factories import ADMIN_KEY

    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}  # its team is never seeded here
    assert _rewrite(other_worker, admin)["preset"] == {"slug": "warm", "version": 1}
    team = app.config["KINDLY_DEFAULT_TEAM"]
    with app.app_context():
        app_services().presets.update(team, "warm", {"signoff": "Warmly,\n{agent_name}"})
    after = _rewrite(other_worker, admin)
    assert after["preset"]["version"] == 2 and "Warmly," in after["rewrite"]
