"""TeamStore against real Redis: keys live only as hashes, revocation is immediate."""

from __future__ import annotations

import pytest

from api.store.teams import ROLES, hash_key

# Redis-facing: every test here also runs on a 3-master Redis Cluster.
pytestmark = pytest.mark.cluster_too


@pytest.fixture()
def store(app):
    from api.services import app_services

    with app.app_context():
        yield app_services().teams


def _all_redis_text(redis) -> str:
    """Every key name and value in Redis, as one string."""
    parts = []
    for name in redis.scan_iter("*"):
        parts.append(name)
        kind = redis.type(name)
        if kind == "string":
            parts.append(redis.get(name))
        elif kind == "hash":
            parts.extend(f"{k}={v}" for k, v in redis.hgetall(name).items())
        elif kind == "set":
            parts.extend(redis.smembers(name))
        elif kind == "stream":
            parts.extend(str(entry) for entry in redis.xrange(name))
        elif kind == "zset":
            parts.extend(redis.zrange(name, 0, -1))
        elif kind == "list":
            parts.extend(redis.lrange(name, 0, -1))
    return "\n".join(str(p) for p in parts)


def test_keys_are_stored_only_as_hashes(store, redis):
    team = store.create_team("Acme")
    secrets = [store.create_key(team, role)[1] for role in ROLES]
    text = _all_redis_text(redis)
    for secret in secrets:
        assert secret not in text
        assert secret.split("_", 2)[2] not in text  # not even the random part
        assert hash_key(secret) in text


def test_each_key_has_id_role_label_created_and_last_used(store):
    team = store.create_team("Acme")
    record, secret = store.create_key(team, "team_admin", "Lead")
    assert set(record) >= {"id", "role", "label", "created", "last_used"}
    [listed] = store.list_keys(team)
    assert listed["id"] == record["id"] and listed["role"] == "team_admin"
    assert listed["label"] == "Lead" and listed["last_used"] is None
    assert "hash" not in listed
    principal = store.verify(secret, None, "default")
    assert principal is not None and principal.team == team
    assert store.list_keys(team)[0]["last_used"] >= record["created"]
    assert store.find_key(record["id"])["label"] == "Lead"


def test_unknown_wrong_and_revoked_keys_do_not_verify(store):
    team = store.create_team("Acme")
    record, secret = store.create_key(team)
    assert store.verify("kly_nope_nope", None, "default") is None
    assert store.verify(secret + "x", None, "default") is None
    assert store.verify(secret, None, "default") is not None
    assert store.revoke_key(record["id"]) is True
    assert store.verify(secret, None, "default") is None
    assert store.list_keys(team) == [] and store.find_key(record["id"]) is None
    assert store.revoke_key(record["id"]) is False


def test_revoked_key_is_refused_even_by_an_app_that_just_accepted_it(app, client, store):
    """Two app instances stand for two workers: revoking in one is seen by the other."""
    from api import create_app

    team = store.create_team("Acme")
    record, secret = store.create_key(team)
    headers = {"Authorization": f"Bearer {secret}"}
    other = create_app(dict(app.config)).test_client()
    assert client.get("/v1/me", headers=headers).status_code == 200
    assert other.get("/v1/me", headers=headers).status_code == 200
    store.revoke_key(record["id"])
    res = other.get("/v1/me", headers=headers)
    assert res.status_code == 401 and "revoked" in res.json["message"]
    assert client.get("/v1/me", headers=headers).status_code == 401


def _older_key(store, redis, team: str) -> str:
    """A key of the form issued before keys named their team (kly_<id>_<secret>), stored the
    way it was then: in the team's keys hash and the global index."""
    import json

    from api.store import keys as redis_keys

    secret = "kly_0123456789ab_someOlderSecret-with_underscores"
    record = {"id": "0123456789ab", "team": team, "role": "agent", "label": "old",
              "created": 1, "last_used": None, "hash": hash_key(secret)}
    redis.hset(redis_keys.team_keys_key(team), record["id"], json.dumps(record))
    redis.hset(redis_keys.apikeys_index_key(), record["hash"], json.dumps(record))
    return secret


def test_keys_of_the_older_form_still_work_and_revoke(client, store, redis):
    team = store.create_team("Acme", team_id="acme")
    secret = _older_key(store, redis, team)
    headers = {"Authorization": f"Bearer {secret}"}
    res = client.post("/v1/rewrite", json={"draft": "Order 5 shipped."}, headers=headers)
    assert res.status_code == 200
    again = client.post("/v1/rewrite", json={"draft": "Order 5 shipped."}, headers=headers)
    assert again.status_code == 200 and again.json["cached"] is True
    assert store.revoke_key("0123456789ab") is True
    res = client.post("/v1/rewrite", json={"draft": "Order 5 shipped."}, headers=headers)
    assert res.status_code == 401


def test_a_key_naming_another_team_does_not_verify(client, store):
    """The team in a key only says where to look: a real key's id and secret under another
    team's name are not found there."""
    store.create_team("Acme", team_id="acme")
    store.create_team("Globex", team_id="globex")
    _, secret = store.create_key("acme")
    forged = secret.replace("kk_acme_", "kk_globex_", 1)
    assert store.verify(forged, None, "default") is None
    res = client.post("/v1/rewrite", json={"draft": "Hi."},
                      headers={"Authorization": f"Bearer {forged}"})
    assert res.status_code == 401


def test_roles_are_ordered():
    from api.store.teams import Principal

    agent, lead, admin = (Principal("t", "k", role) for role in ROLES)
    assert agent.can("agent") and not agent.can("team_admin") and not agent.can("admin")
    assert lead.can("team_admin") and not lead.can("admin")
    assert admin.can("agent") and admin.can("team_admin") and admin.can("admin")


def test_team_ids_are_unique_and_valid(store):
    assert store.create_team("Acme Support!") == "acme-support"
    assert store.create_team("Acme Support!") == "acme-support-2"
    with pytest.raises(ValueError):
        store.create_team("x", team_id="acme-support")
    with pytest.raises(ValueError):
        store.create_team("x", team_id="{bad}")
    with pytest.raises(LookupError):
        store.create_key("nobody")
    with pytest.raises(ValueError):
        store.create_key("acme-support", role="owner")


def test_team_limits_override_and_reset(store):
    team = store.create_team("Acme")
    assert store.team_limits(team) == {}
    assert store.set_limits(team, {"key_per_min": 5, "tokens_team_per_day": 0}) == {
        "key_per_min": 5,
        "tokens_team_per_day": 0,
    }
    assert store.set_limits(team, {"key_per_min": None}) == {"tokens_team_per_day": 0}
    with pytest.raises(ValueError):
        store.set_limits(team, {"bogus": 1})
    with pytest.raises(LookupError):
        store.set_limits("nobody", {"key_per_min": 1})


# --- /v1/keys --------------------------------------------------------------------------------


def _headers(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture()
def keyed(store):
    """Team acme with a secret per role, and team globex with an agent key."""
    store.create_team("Acme", team_id="acme")
    store.create_team("Globex", team_id="globex")
    secrets = {role: store.create_key("acme", role, role)[1] for role in ROLES}
    secrets["globex"] = store.create_key("globex", "agent", "theirs")[1]
    return secrets


def test_team_admin_issues_lists_and_revokes_agent_keys(client, keyed):
    lead = _headers(keyed["team_admin"])
    res = client.post("/v1/keys", json={"role": "agent", "label": "Ana"}, headers=lead)
    assert res.status_code == 201 and res.headers["Cache-Control"] == "no-store"
    secret, key = res.json["secret"], res.json["key"]
    assert key["team"] == "acme" and key["role"] == "agent" and "hash" not in key
    assert client.get("/v1/me", headers=_headers(secret)).status_code == 200
    listed = client.get("/v1/keys", headers=lead).json["items"]
    assert key["id"] in {k["id"] for k in listed} and len(listed) == 4
    assert not any("hash" in k or "secret" in k for k in listed)
    assert all(secret not in str(k) for k in listed)
    assert client.delete(f"/v1/keys/{key['id']}", headers=lead).status_code == 204
    assert client.get("/v1/me", headers=_headers(secret)).status_code == 401
    assert client.delete(f"/v1/keys/{key['id']}", headers=lead).status_code == 404


def test_team_admin_cannot_mint_or_revoke_admin_keys(client, keyed, store):
    lead = _headers(keyed["team_admin"])
    assert client.post("/v1/keys", json={"role": "admin"}, headers=lead).status_code == 403
    admin_id = keyed["admin"].split("_")[-2]
    assert client.delete(f"/v1/keys/{admin_id}", headers=lead).status_code == 403
    assert client.get("/v1/me", headers=_headers(keyed["admin"])).status_code == 200
    admin = _headers(keyed["admin"])
    assert client.post("/v1/keys", json={"role": "admin"}, headers=admin).status_code == 201


def test_keys_endpoints_stay_inside_the_team(client, keyed, store):
    lead = _headers(keyed["team_admin"])
    theirs = keyed["globex"].split("_")[-2]
    assert client.delete(f"/v1/keys/{theirs}", headers=lead).status_code == 404
    assert client.delete(f"/v1/keys/{theirs}?team=globex", headers=lead).status_code == 403
    assert client.get("/v1/keys?team=globex", headers=lead).status_code == 403
    assert client.post("/v1/keys?team=globex", json={}, headers=lead).status_code == 403
    assert client.get("/v1/me", headers=_headers(keyed["globex"])).status_code == 200
    assert client.get("/v1/keys", headers=_headers(keyed["agent"])).status_code == 403
    admin = _headers(keyed["admin"])
    listed = client.get("/v1/keys?team=globex", headers=admin).json["items"]
    assert [k["label"] for k in listed] == ["theirs"]
    assert client.delete(f"/v1/keys/{theirs}?team=globex", headers=admin).status_code == 204
    assert client.get("/v1/me", headers=_headers(keyed["globex"])).status_code == 401
