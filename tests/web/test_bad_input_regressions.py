"""The thirteen ways bad input used to get a 500 (and the admin queries that made Redis look
down for everyone): each is now a clear 4xx, or a 200 where the input is fine to serve."""

from __future__ import annotations

import json

import pytest

from api.store import keys as redis_keys
from tests.support.factories import ADMIN_KEY

LONE = "\ud800"
DRAFT = "Your refund of $42.50 for order 7781 was sent on 3 March."
PUA = "\U000f0000"  # the first placeholder character of the offline engine


def raw_post(client, path: str, text: str, headers: dict[str, str]):
    return client.post(path, data=text, content_type="application/json", headers=headers)


@pytest.fixture()
def lead(app, team_key) -> dict[str, str]:
    from api.services import app_services

    with app.app_context():
        _, secret = app_services().teams.create_key("acme", role="team_admin", label="lead")
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    "field", ["draft", "customer_name", "agent_name", "customer_message", "preset"]
)
def test_a_lone_surrogate_in_any_rewrite_field_is_a_422(client, auth, field):
    body = {"draft": DRAFT, field: f"a{LONE}b"}
    res = client.post("/v1/rewrite", json=body, headers=auth)
    assert res.status_code == 422, res.get_data(as_text=True)
    assert field in res.json["errors"]["json"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/presets", {"slug": "x", "name": f"N{LONE}"}),
        ("/v1/presets", {"slug": "x", "name": "N", "banned_phrases": [LONE]}),
        ("/v1/keys", {"label": LONE}),
        ("/v1/rewrites/rw_00000000000000000000/feedback",
         {"outcome": "edited", "sent_text": LONE}),
        ("/v1/presets/preview", {"draft": DRAFT, "preset": {"signoff": LONE}}),
    ],
)
def test_a_lone_surrogate_anywhere_else_is_a_422_too(client, lead, path, body):
    res = client.post(path, json=body, headers=lead)
    assert res.status_code == 422, res.get_data(as_text=True)


@pytest.mark.parametrize(
    "body",
    [
        {"draft": DRAFT, "preset": "no-such-preset", "action": "shorten"},
        {"draft": DRAFT, "channel": "fax"},
        {"draft": DRAFT, "action": "explode"},
        {"draft": DRAFT, "preset": f"p{LONE}"},
    ],
)
def test_an_invalid_request_stays_a_4xx_when_its_failure_cannot_be_logged(
    app, client, auth, body, monkeypatch
):
    from api.services import app_services

    def broken(*args, **kwargs):
        raise RuntimeError("the failure log is broken")

    with app.app_context():
        monkeypatch.setattr(app_services().usage, "record", broken)
    res = client.post("/v1/rewrite", json=body, headers=auth)
    assert 400 <= res.status_code < 500, res.get_data(as_text=True)


def test_only_slug_shaped_context_is_kept_with_a_failed_request(app, client, auth, redis):
    client.post("/v1/rewrite", json={"draft": DRAFT, "preset": "Secret Draft Text"}, headers=auth)
    entries = [json.loads(f["json"]) for _, f in redis.xrange(redis_keys.usage_key("acme"))]
    [failure] = [e for e in entries if e["kind"] == "error"]
    assert "preset" not in failure and failure["status"] == 422


@pytest.mark.parametrize("name", ["customer_name", "agent_name"])
def test_private_use_characters_in_names_are_dropped_not_a_500(client, auth, name):
    body = {"draft": DRAFT, name: f"Ma{PUA}ria{chr(0x10FFFD)}"}
    res = client.post("/v1/rewrite", json=body, headers=auth)
    assert res.status_code == 200, res.get_data(as_text=True)
    assert not any(ord(c) >= 0xF0000 for c in res.json["rewrite"])
    assert res.json["checks"]["passed"]


def test_a_stored_preset_whose_signoff_holds_a_placeholder_char_still_rewrites(
    client, auth, redis
):
    """Presets saved before the schema dropped these characters must not break rewrites."""
    key = redis_keys.presets_key("acme")
    preset = json.loads(redis.hget(key, "warm"))
    preset["signoff"] = f"Best, {{agent_name}} {PUA}{chr(0xF0005)}"
    redis.hset(key, "warm", json.dumps(preset))
    redis.hincrby(redis_keys.preset_versions_key("acme"), "warm", 1)
    res = client.post("/v1/rewrite", json={"draft": DRAFT, "agent_name": "Sam"}, headers=auth)
    assert res.status_code == 200, res.get_data(as_text=True)
    assert "$42.50" in res.json["rewrite"] and res.json["checks"]["passed"]


def test_restoring_a_placeholder_that_stands_for_no_fact_keeps_it():
    from api.engines.offline.text import shield

    masked = shield("Order 7781 shipped.", [(6, 10)])
    assert masked.unshield(masked.text + " " + chr(0xF0003)) == "Order 7781 shipped. " + chr(
        0xF0003
    )


@pytest.mark.parametrize(
    "query",
    [
        "/v1/admin/usage?cursor=0-0",
        "/v1/admin/usage?cursor=99999999999999999999-1",
        "/v1/admin/usage?from=0001-01-01",
        "/v1/admin/usage?from=99999999999999999999999",
        "/v1/admin/usage?from=" + "9" * 400,
        "/v1/admin/stats?from=0001-01-01&to=9999-12-31",
        "/v1/admin/stats?from=0&to=99999999999999",
        "/v1/admin/usage.csv?from=99999999999999999999999",
        "/v1/admin/usage?limit=99999999999999999999999999",
    ],
)
def test_bad_admin_query_values_are_422s_and_never_an_outage(app, client, lead, query):
    from api.services import app_services

    res = client.get(query, headers=lead)
    assert res.status_code == 422, res.get_data(as_text=True)
    with app.app_context():
        assert app_services().redis.available()  # Redis was not switched off for everyone
    assert client.get("/v1/me", headers=lead).status_code == 200


def test_the_widest_valid_ranges_still_answer(client, lead):
    widest = "/v1/admin/stats?from=1970-01-01&to=9999-12-31"
    assert client.get(widest, headers=lead).status_code == 200
    assert client.get("/v1/admin/stats?to=0", headers=lead).status_code == 200
    assert client.get("/v1/admin/usage?from=&cursor=", headers=lead).status_code == 200
    csv = client.get("/v1/admin/usage.csv?from=1970-01-01", headers=lead)
    assert csv.status_code == 200 and csv.get_data(as_text=True).startswith("id,time")


@pytest.mark.parametrize("path", ["/v1/rewrite", "/v1/presets", "/v1/keys"])
def test_ten_thousand_levels_of_nesting_are_a_400(client, lead, path):
    deep = "[" * 10_000 + "]" * 10_000
    res = raw_post(client, path, '{"draft": ' + deep + "}", lead)
    assert res.status_code == 400, res.get_data(as_text=True)
    res = raw_post(client, path, deep, lead)
    assert res.status_code == 400


def test_a_five_thousand_digit_integer_is_a_400(client, auth):
    res = raw_post(client, "/v1/rewrite", '{"draft": ' + "7" * 5000 + "}", auth)
    assert res.status_code == 400, res.get_data(as_text=True)


@pytest.mark.parametrize("value", ["3.1e-187", "2.0", "true", '"40"'])
def test_integer_preset_fields_refuse_what_is_not_an_integer(client, lead, value):
    text = '{"slug": "strict", "name": "Strict", "warmth": ' + value + "}"
    res = raw_post(client, "/v1/presets", text, lead)
    assert res.status_code == 422 and "warmth" in res.json["errors"]["json"]


def test_stream_must_be_a_json_boolean(client, auth):
    res = client.post("/v1/rewrite", json={"draft": DRAFT, "stream": "yes"}, headers=auth)
    assert res.status_code == 422 and "stream" in res.json["errors"]["json"]


def test_a_405_says_which_methods_are_allowed(client, auth):
    res = client.delete("/v1/rewrite", headers=auth)
    assert res.status_code == 405
    assert {m.strip() for m in res.headers["Allow"].split(",")} >= {"POST"}


def test_every_answer_carries_the_request_id_cors_exposes(client, auth):
    origin = {"Origin": "https://mail.google.com"}
    ok = client.get("/v1/me", headers={**auth, **origin})
    bad = client.post("/v1/rewrite", json={}, headers={**auth, **origin})
    for res in (ok, bad):
        assert res.headers["X-Request-Id"].startswith("req_")
        assert "X-Request-Id" in res.headers["Access-Control-Expose-Headers"]
    assert ok.headers["X-Request-Id"] != bad.headers["X-Request-Id"]


def test_the_api_description_documents_security_limits_outages_and_the_stream(client):
    spec = client.get("/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            if path.startswith("/v1/"):
                assert operation["security"] == [{"bearer": []}], (path, method)
                assert {"401", "429", "503"} <= set(operation["responses"]), (path, method)
            else:
                assert "security" not in operation
    limited = spec["components"]["responses"]["RateLimited"]
    assert "Retry-After" in limited["headers"]
    ok = spec["paths"]["/v1/rewrite"]["post"]["responses"]["200"]["content"]
    assert {"application/json", "text/event-stream"} <= set(ok)


def test_an_env_admin_key_is_not_needed_twice(client):
    """Sanity of the fixture-free path: the env admin key works on a fresh Redis."""
    res = client.get("/v1/me", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert res.status_code == 200

