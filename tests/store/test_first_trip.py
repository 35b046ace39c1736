"""A cache hit is one Redis round trip (one script in the team's slot), on one node and on a
cluster: counted by Redis itself, not assumed."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
import redis as redis_py

from api.store import keys as redis_keys

# Redis-facing: every test here also runs on a 3-master Redis Cluster.
pytestmark = pytest.mark.cluster_too

DRAFT = "Your refund of $42.10 for order 5521 was sent on May 2. Pls check your bank."


def _node_ports(redis) -> list[int]:
    """The port of every node (one on a single Redis)."""
    if hasattr(redis, "get_primaries"):
        return [node.port for node in redis.get_primaries()]
    return [redis.connection_pool.connection_kwargs["port"]]


class ClientCommands:
    """What clients send to Redis while the block runs, seen by MONITOR on every node:
    commands a Lua script runs itself are left out (MONITOR marks them "lua")."""

    def __init__(self, redis) -> None:
        self.ports = _node_ports(redis)
        self.seen: list[str] = []
        self._threads: list[threading.Thread] = []
        self._ready = threading.Barrier(len(self.ports) + 1)
        self._marker = f"end-{uuid.uuid4().hex}"
        # Connected before watching starts, so their handshakes are not counted.
        self._enders = [redis_py.Redis(port=port) for port in self.ports]
        for ender in self._enders:
            ender.ping()

    def _watch(self, port: int) -> None:
        with redis_py.Redis(port=port, decode_responses=True).monitor() as monitor:
            self._ready.wait()
            for command in monitor.listen():
                if self._marker in command["command"]:
                    return
                if command.get("client_type") != "lua":
                    self.seen.append(command["command"].split(" ", 1)[0].upper())

    def __enter__(self) -> ClientCommands:
        for port in self.ports:
            thread = threading.Thread(target=self._watch, args=(port,), daemon=True)
            thread.start()
            self._threads.append(thread)
        self._ready.wait(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        for ender in self._enders:
            ender.echo(self._marker)
        for thread in self._threads:
            thread.join(timeout=10)


def _post(client, auth):
    return client.post("/v1/rewrite", json={"draft": DRAFT, "customer_name": "Ana"}, headers=auth)


def test_a_hit_is_one_script_call(client, auth, redis):
    assert _post(client, auth).json["cached"] is False
    assert _post(client, auth).json["cached"] is True  # warm: connections, remembered preset
    with ClientCommands(redis) as sent:
        res = _post(client, auth)
    assert res.status_code == 200 and res.json["cached"] is True
    assert sent.seen == ["EVALSHA"]


def test_a_hit_answers_what_the_schema_would_and_logs_a_small_entry(client, auth, redis):
    from api.web.views.rewrite import RESPONSE_SCHEMA

    miss = _post(client, auth).json
    hit = _post(client, auth)
    body = json.loads(hit.get_data())
    assert hit.mimetype == "application/json"
    assert body == RESPONSE_SCHEMA.dump(body)  # nothing the API does not document
    assert set(body) == set(miss) and body["rewrite"] == miss["rewrite"]
    assert body["id"] != miss["id"] and body["cached"] is True
    entries = [json.loads(f["json"]) for _, f in redis.xrange(redis_keys.usage_key("acme"))]
    [logged] = [e for e in entries if e["request_id"] == body["id"]]
    assert logged["cached"] is True and logged["key_label"] == "test agent"
    assert logged["key_id"] == auth["Authorization"].split("_")[-2]
    assert miss["rewrite"] not in json.dumps(logged)
    # No record of its own: the entry names the cache entry feedback will read.
    assert redis.get(redis_keys.rewrite_record_key("acme", body["id"])) is None
    assert logged["digest"] and redis.get(redis_keys.cache_key("acme", logged["digest"]))


def test_feedback_on_a_hit_reads_the_cached_rewrite(client, auth):
    _post(client, auth)
    hit = _post(client, auth).json
    res = client.post(
        f"/v1/rewrites/{hit['id']}/feedback",
        json={"outcome": "accepted", "sent_text": hit["rewrite"]},
        headers=auth,
    )
    assert res.status_code in (200, 201), res.json
    assert res.json.get("edit_distance", 0) == 0


def test_a_revoked_key_is_refused_on_the_very_next_hit(app, client, auth):
    from api.services import app_services

    _post(client, auth)
    assert _post(client, auth).json["cached"] is True
    with app.app_context():
        store = app_services().teams
        [record] = store.list_keys("acme")
        store.revoke_key(record["id"], "acme")
    res = _post(client, auth)
    assert res.status_code == 401


def test_a_mistyped_key_uses_no_quota_and_takes_no_lock(client, auth, redis):
    wrong = {"Authorization": auth["Authorization"][:-4] + "0000"}
    assert _post(client, wrong).status_code == 401
    assert not list(redis.scan_iter(match="kindly:{acme}:rate:*"))
    assert not list(redis.scan_iter(match="kindly:{acme}:lock:*"))
