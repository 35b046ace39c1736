"""POST /v1/rewrite through the app factory and test client, against real Redis."""

from __future__ import annotations

import pytest

from api.store.cache import fingerprint

# Redis-facing: every test here also runs on a 3-master Redis Cluster.
pytestmark = pytest.mark.cluster_too


DRAFT = (
    "As I said in my last email, you failed to include your order number. "
    "Your refund of $42.50 for order #A-10293 will be sent by 12 March 2025. "
    "Pls DM us ASAP if it doesn't arrive."
)


def rewrite(client, auth, **body):
    return client.post("/v1/rewrite", json=body, headers=auth)


def test_rewrite_returns_the_full_contract(client, auth):
    res = rewrite(
        client,
        auth,
        draft=DRAFT,
        customer_name="Maria",
        agent_name="Sam",
        customer_message="This is ridiculous, I've waited two weeks for my refund!",
    )
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    for field in ("id", "rewrite", "engine", "model", "cached", "preset", "checks", "scores",
                  "changes", "latency_ms"):
        assert field in body, field
    assert body["engine"] == "offline"
    assert body["cached"] is False
    assert body["preset"] == {"slug": "warm", "version": 1}
    assert body["checks"]["passed"] is True
    assert body["checks"]["missing"] == [] and body["checks"]["invented"] == []
    for fact in ("$42.50", "#A-10293", "12 March 2025"):
        assert fact in body["rewrite"]
        assert any(fact in f for f in body["checks"]["facts"])
    assert "Maria" in body["rewrite"]
    assert set(body["scores"]["before"]) >= {"reading_grade", "warmth", "jargon", "blame"}
    assert body["scores"]["after"]["blame"] < body["scores"]["before"]["blame"]
    assert body["scores"]["after"]["jargon"] < body["scores"]["before"]["jargon"]
    assert body["changes"] and all(isinstance(c, str) for c in body["changes"])
    assert "As I said" not in body["rewrite"]


def test_second_identical_request_is_a_cache_hit(client, auth):
    first = rewrite(client, auth, draft=DRAFT, customer_name="Maria").get_json()
    second = rewrite(client, auth, draft=DRAFT, customer_name="Maria").get_json()
    assert first["cached"] is False and second["cached"] is True
    assert second["rewrite"] == first["rewrite"]
    assert second["id"] != first["id"]


def test_whitespace_only_differences_share_a_cache_entry(client, auth):
    rewrite(client, auth, draft="Hello,\r\nyour ticket 5512 is closed.  \n")
    again = rewrite(client, auth, draft="Hello,\nyour ticket 5512 is closed.").get_json()
    assert again["cached"] is True


def test_anything_that_changes_the_output_changes_the_cache_key(client, auth):
    rewrite(client, auth, draft=DRAFT, customer_name="Maria")
    for change in ({"customer_name": "Mario"}, {"channel": "chat"}, {"preset": "formal"},
                   {"agent_name": "Sam"}, {"customer_message": "thanks!"}):
        body = rewrite(client, auth, draft=DRAFT, **{"customer_name": "Maria", **change})
        assert body.get_json()["cached"] is False, change


def test_cache_keys_are_team_scoped_and_hash_tagged(client, auth, redis):
    rewrite(client, auth, draft=DRAFT)
    keys = list(redis.scan_iter(match="kindly:*:cache:*"))
    assert keys and all(k.startswith("kindly:{acme}:cache:") for k in keys)
    assert redis.ttl(keys[0]) > 0


def test_fingerprint_is_canonical():
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


def test_missing_draft_names_the_field(client, auth):
    res = client.post("/v1/rewrite", json={"customer_name": "Maria"}, headers=auth)
    assert res.status_code == 422
    body = res.get_json()
    assert body["code"] == 422 and "message" in body
    assert "draft" in body["errors"]["json"]


def test_each_bad_field_is_named(client, auth):
    res = client.post(
        "/v1/rewrite",
        json={"draft": "", "channel": "fax", "action": "shout", "preset": "Bad Slug!"},
        headers=auth,
    )
    assert res.status_code == 422
    assert set(res.get_json()["errors"]["json"]) == {"draft", "channel", "action", "preset"}


def test_draft_over_20000_characters_is_refused(client, auth):
    res = rewrite(client, auth, draft="a" * 20_001)
    assert res.status_code == 422
    assert "draft" in res.get_json()["errors"]["json"]


def test_unknown_preset_names_the_field(client, auth):
    res = rewrite(client, auth, draft="Your order shipped.", preset="nope")
    assert res.status_code == 422
    assert "preset" in res.get_json()["errors"]["json"]


def test_action_the_offline_engine_cannot_do_is_a_clear_422(client, auth):
    res = rewrite(client, auth, draft="Your order shipped.", action="translate",
                  target_locale="fr")
    assert res.status_code == 422
    assert "action" in res.get_json()["errors"]["json"]


def test_body_over_the_limit_is_413(client, auth):
    res = client.post(
        "/v1/rewrite",
        data=b'{"draft": "' + b"a" * 300_000 + b'"}',
        headers={**auth, "Content-Type": "application/json"},
    )
    assert res.status_code == 413
    assert res.get_json()["code"] == 413


def test_non_json_body_is_415(client, auth):
    res = client.post("/v1/rewrite", data="draft=hello", headers={
        **auth, "Content-Type": "application/x-www-form-urlencoded"})
    assert res.status_code == 415
    assert res.get_json()["code"] == 415


def test_malformed_json_is_400_not_500(client, auth):
    res = client.post("/v1/rewrite", data="{not json",
                      headers={**auth, "Content-Type": "application/json"})
    assert res.status_code == 400
    assert res.get_json()["code"] == 400


def test_wrong_types_are_422_not_500(client, auth):
    res = client.post("/v1/rewrite", json={"draft": 12, "customer_name": ["x"]}, headers=auth)
    assert res.status_code == 422
    assert set(res.get_json()["errors"]["json"]) >= {"draft", "customer_name"}
    res = client.post("/v1/rewrite", json=["draft"], headers=auth)
    assert res.status_code in (400, 422)


def test_missing_or_bad_key_is_401(client):
    assert client.post("/v1/rewrite", json={"draft": "hi"}).status_code == 401
    res = client.post("/v1/rewrite", json={"draft": "hi"},
                      headers={"Authorization": "Bearer kly_nope"})
    assert res.status_code == 401
    assert res.get_json()["code"] == 401


def test_env_admin_key_works_without_any_setup(client):
    from tests.support.factories import ADMIN_KEY

    res = client.post("/v1/rewrite", json={"draft": "Your order 553 shipped."},
                      headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert res.status_code == 200


def test_healthz_ok_with_redis(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["redis"] == "ok"
    assert body["engine"]["name"] == "offline"


def test_openapi_describes_every_endpoint_from_the_schemas(client):
    spec = client.get("/openapi.json").get_json()
    assert "/v1/rewrite" in spec["paths"] and "/healthz" in spec["paths"]
    schemas = spec["components"]["schemas"]
    request_schema = next(s for n, s in schemas.items() if n.startswith("RewriteRequest"))
    assert "draft" in request_schema["required"]
    assert request_schema["properties"]["draft"]["maxLength"] == 20_000
    for rule in spec_rules(client.application):
        assert rule in spec["paths"], rule


def spec_rules(app):
    """Every /v1 and /healthz URL rule, in OpenAPI's {param} form."""
    import re

    rules = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/v1/", "/healthz")):
            rules.add(re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule))
    return rules


def test_key_is_checked_before_the_body(client):
    res = client.post("/v1/rewrite", json={"channel": "fax"})
    assert res.status_code == 401


def test_every_v1_write_checks_the_key_before_the_body(client):
    for method, path in (("post", "/v1/presets"), ("put", "/v1/presets/warm"),
                         ("patch", "/v1/presets/warm"), ("post", "/v1/keys"),
                         ("post", "/v1/rewrites/rw_x/feedback"), ("post", "/v1/presets/preview")):
        res = getattr(client, method)(path, json={"bogus": True})
        assert res.status_code == 401, (method, path, res.status_code)
