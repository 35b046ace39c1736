"""POST /v1/rewrite through the real Flask app with OPENAI_BASE_URL pointing at the fake
OpenAI server: answers, fallbacks, streaming (test client and a real HTTP server), health."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.engines.conftest import llm_app_for
from tests.support.factories import bearer, make_key, make_team
from tests.support.fake_openai import Answer, Fail, FakeOpenAI, Malformed

# Calm on purpose: the model's answers below keep its wording, and the tone check would reject
# a harsh sentence left in.
DRAFT = "Your order #48213 shipped on March 3. You can follow it at https://t.example.com/48213."
BODY = {"draft": DRAFT, "customer_name": "Maria", "agent_name": "Sam"}


@pytest.fixture()
def llm_app(redis, redis_server, tmp_path: Path, fake: FakeOpenAI):
    app = llm_app_for(
        redis_server, tmp_path, fake, KINDLY_LLM_TIMEOUT=1.0, KINDLY_LLM_BREAKER_FAILURES=3
    )
    fake.default = Answer(lambda r: "Hi Maria,\n\nSorry for the wait! " + r.draft)
    return app


@pytest.fixture()
def llm_client(llm_app):
    return llm_app.test_client()


@pytest.fixture()
def llm_auth(llm_app) -> dict[str, str]:
    make_team(llm_app, "acme")
    return bearer(make_key(llm_app, "acme", "agent", "test agent"))


def parse_sse(raw: str) -> list[tuple[str, dict]]:
    events = []
    for frame in raw.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in frame.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_llm_answer_comes_back_with_usage_and_request_id(llm_client, llm_auth, fake):
    response = llm_client.post("/v1/rewrite", json=BODY, headers=llm_auth)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["engine"] == "openai" and body["model"] == "fake-model"
    assert body["rewrite"].startswith("Hi Maria,") and "#48213" in body["rewrite"]
    assert body["checks"]["passed"] and body["checks"]["rejected"] == []
    assert body["usage"] == {"tokens_in": 42, "tokens_out": 17, "model_calls": 1}
    assert body["upstream_request_id"] == "req_fake_1"
    again = llm_client.post("/v1/rewrite", json=BODY, headers=llm_auth).json
    assert again["cached"] is True and len(fake.requests) == 1


def test_the_facts_of_a_model_answer_are_checked_once(llm_client, llm_auth, monkeypatch):
    """The engine's review checks the answer's facts with the pipeline's own inputs; the
    pipeline takes that verdict instead of running the guard again on the same text."""
    import api.engines.llm.review as review
    import api.rewrite.verify as verify

    calls = {"engine": 0, "pipeline": 0}

    def counting(where, real):
        def check(*args, **kwargs):
            calls[where] += 1
            return real(*args, **kwargs)

        return check

    monkeypatch.setattr(review, "check_facts", counting("engine", review.check_facts))
    monkeypatch.setattr(verify, "check_facts", counting("pipeline", verify.check_facts))
    body = llm_client.post("/v1/rewrite", json=BODY, headers=llm_auth).json
    assert body["engine"] == "openai" and body["checks"]["passed"], body
    assert "#48213" in body["rewrite"] and body["checks"]["facts"]
    assert calls == {"engine": 1, "pipeline": 0}


def test_usage_log_records_tokens_and_the_upstream_request_id(llm_app, llm_client, llm_auth):
    from api.services import app_services

    llm_client.post("/v1/rewrite", json=BODY, headers=llm_auth)
    with llm_app.app_context():
        (_, entry), *_ = app_services().usage.entries("acme")
    assert entry["engine"] == "openai" and entry["upstream_request_id"] == "req_fake_1"
    assert (entry["tokens_in"], entry["tokens_out"]) == (42, 17)


@pytest.mark.parametrize(
    "replies, reason",
    [
        ([Fail(500), Fail(502)], "server error"),
        ([Fail(429, {"retry-after": "60"})], "rate limited"),
        ([Answer("late", delay=3.0)], "timed out"),
        ([Malformed()], "not valid"),
    ],
    ids=["500s", "429", "timeout", "malformed"],
)
def test_upstream_failures_fall_back_to_offline_never_5xx(
    llm_client, llm_auth, fake, replies, reason
):
    fake.script(*replies)
    response = llm_client.post("/v1/rewrite", json=BODY, headers=llm_auth)
    assert response.status_code == 200
    body = response.json
    assert body["engine"] == "offline"
    assert "#48213" in body["rewrite"] and body["checks"]["passed"]
    assert any(reason in w and "offline" in w for w in body["warnings"])
    assert any(reason in r for r in body["checks"]["rejected"])
    # A fallback is never cached (after a long Retry-After the breaker pauses the model).
    assert llm_client.post("/v1/rewrite", json=BODY, headers=llm_auth).json["cached"] is False


def test_guard_rejection_after_repair_uses_offline_and_says_why(llm_client, llm_auth, fake):
    drop = Answer(lambda r: r.draft.replace("⟦F1⟧", "your order"))
    fake.script(drop, drop)
    body = llm_client.post("/v1/rewrite", json=BODY, headers=llm_auth).json
    assert body["engine"] == "offline" and "#48213" in body["rewrite"]
    assert len(body["checks"]["rejected"]) == 2
    assert "after one repair attempt" in body["checks"]["rejected"][1]


def test_translate_when_upstream_fails_keeps_the_draft(llm_client, llm_auth, fake):
    fake.script(Fail(500), Fail(500))
    body = llm_client.post(
        "/v1/rewrite",
        json={**BODY, "action": "translate", "target_locale": "de"},
        headers=llm_auth,
    ).json
    assert body["rewrite"] == DRAFT
    assert any("kept your draft unchanged" in w for w in body["warnings"])


@pytest.mark.parametrize("action", ["fix_grammar", "translate"])
def test_offline_engine_gives_a_clear_422_for_llm_only_actions(client, auth, action):
    response = client.post(
        "/v1/rewrite", json={**BODY, "action": action, "target_locale": "de"}, headers=auth
    )
    assert response.status_code == 422
    assert "language-model engine" in response.json["message"]
    assert "action" in response.json["errors"]["json"]


def test_healthz_reports_an_open_breaker(llm_client, llm_auth, fake):
    assert llm_client.get("/healthz").json["engine"]["state"] == "ok"
    fake.script(*[Fail(400)] * 3)
    for number in range(3):
        llm_client.post(
            "/v1/rewrite", json={**BODY, "draft": f"{DRAFT} ({number})"}, headers=llm_auth
        )
    health = llm_client.get("/healthz").json
    assert health["status"] == "degraded" and health["engine"]["state"] == "open"


def test_stream_sends_deltas_then_the_verified_result(llm_client, llm_auth, fake):
    fake.default = Answer(lambda r: "Hi Maria, " + r.draft, chunk_size=5)
    response = llm_client.post("/v1/rewrite", json={**BODY, "stream": True}, headers=llm_auth)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    events = parse_sse(response.get_data(as_text=True))
    deltas = [data["text"] for name, data in events if name == "delta"]
    name, result = events[-1]
    assert name == "result" and len(deltas) > 3
    assert "".join(deltas) == result["rewrite"] == "Hi Maria, " + DRAFT
    assert result["corrected"] is False and result["engine"] == "openai"
    assert set(result) >= {"checks", "scores", "changes", "id", "cached", "latency_ms"}
    # Same body as a non-streamed 200 (which now comes from the cache).
    plain = llm_client.post("/v1/rewrite", json=BODY, headers=llm_auth).json
    assert plain["cached"] is True
    # ... except what it spent: a cache hit called no model.
    assert plain["usage"] == {"tokens_in": 0, "tokens_out": 0, "model_calls": 0}
    skip = ("id", "cached", "latency_ms", "corrected", "usage")
    assert {k: v for k, v in plain.items() if k not in skip} == {
        k: v for k, v in result.items() if k not in skip
    }


def test_accept_header_asks_for_a_stream_and_cache_hit_streams_at_once(
    llm_client, llm_auth, fake, redis
):
    llm_client.post("/v1/rewrite", json=BODY, headers=llm_auth)
    headers = {**llm_auth, "Accept": "text/event-stream"}
    redis.config_resetstat()
    events = parse_sse(llm_client.post("/v1/rewrite", json=BODY, headers=headers).get_data(True))
    assert [name for name, _ in events] == ["delta", "result"]
    assert events[0][1]["text"] == events[1][1]["rewrite"]
    assert events[1][1]["cached"] is True and len(fake.requests) == 1
    # One round trip: the first trip's script found the hit and logged it; nothing after.
    sent = {name: stat["calls"] for name, stat in redis.info("commandstats").items()}
    assert sent.get("cmdstat_evalsha") == 1 and "cmdstat_eval" not in sent
    entries = redis.xrange(next(iter(redis.scan_iter("*usage*", _type="stream"))))
    hits = [e for _, e in entries if '"cached":true' in str(e)]
    assert len(hits) == 1 and events[1][1]["id"] in str(hits[0])


def test_rejected_stream_ends_with_the_corrected_text_and_is_not_cached(
    llm_client, llm_auth, fake
):
    invent = Answer(lambda r: r.draft + " We added a $40 credit too.", chunk_size=6)
    fake.script(invent, invent)
    raw = llm_client.post("/v1/rewrite", json={**BODY, "stream": True}, headers=llm_auth)
    events = parse_sse(raw.get_data(as_text=True))
    streamed = "".join(data["text"] for name, data in events if name == "delta")
    result = events[-1][1]
    assert "$40" in streamed
    assert result["corrected"] is True and "$40" not in result["rewrite"]
    assert result["engine"] == "offline" and "#48213" in result["rewrite"]
    assert any("$40" in r for r in result["checks"]["rejected"])
    again = llm_client.post("/v1/rewrite", json=BODY, headers=llm_auth).json
    assert again["cached"] is False


def test_stream_when_upstream_is_down_still_ends_with_a_result(llm_client, llm_auth, fake):
    fake.script(Fail(503), Fail(503))
    raw = llm_client.post("/v1/rewrite", json={**BODY, "stream": True}, headers=llm_auth)
    events = parse_sse(raw.get_data(as_text=True))
    assert [name for name, _ in events] == ["delta", "result"]
    assert events[1][1]["engine"] == "offline" and events[1][1]["corrected"] is False


def test_stream_of_a_bad_request_is_a_plain_json_error(llm_client, llm_auth):
    response = llm_client.post(
        "/v1/rewrite", json={**BODY, "preset": "nope", "stream": True}, headers=llm_auth
    )
    assert response.status_code == 422 and response.json["message"] == "Unknown preset."


@pytest.fixture()
def live_url(llm_app):
    server = make_server("127.0.0.1", 0, llm_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()


def test_client_disconnect_stops_the_upstream_stream(live_url, llm_auth, fake):
    # A long answer, one small delta every 20 ms: far from done when the client leaves.
    fake.default = Answer(lambda r: r.draft * 40, chunk_size=4, chunk_delay=0.02)
    body = json.dumps({**BODY, "stream": True}).encode()
    head = (
        f"POST /v1/rewrite HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: {llm_auth['Authorization']}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", live_url), timeout=10) as sock:
        sock.sendall(head.encode() + body)
        received = b""
        while b"event: delta" not in received:
            chunk = sock.recv(4096)
            assert chunk, "the server closed the stream before the first delta"
            received += chunk
        assert received.startswith(b"HTTP/1.1 200") and b"text/event-stream" in received
    # The client is gone; the server notices on its next write and must hang up upstream.
    deadline = time.monotonic() + 10
    while fake.aborted_streams == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake.aborted_streams == 1 and fake.finished_streams == 0


def test_stream_through_a_real_server_delivers_every_event(live_url, llm_auth, fake):
    fake.default = Answer(lambda r: "Hi Maria, " + r.draft, chunk_size=7)
    connection = http.client.HTTPConnection("127.0.0.1", live_url, timeout=10)
    connection.request(
        "POST",
        "/v1/rewrite",
        body=json.dumps(BODY),
        headers={**llm_auth, "Content-Type": "application/json", "Accept": "text/event-stream"},
    )
    events = parse_sse(connection.getresponse().read().decode())
    assert events[-1][0] == "result"
    assert "".join(d["text"] for n, d in events if n == "delta") == events[-1][1]["rewrite"]


def test_translate_without_a_target_locale_is_a_clear_422(llm_client, llm_auth, fake):
    response = llm_client.post(
        "/v1/rewrite", json={**BODY, "action": "translate"}, headers=llm_auth
    )
    assert response.status_code == 422
    assert "target_locale" in response.json["errors"]["json"]
    assert fake.requests == []


def test_stream_cut_off_mid_answer_ends_corrected_and_uncached(llm_client, llm_auth, fake):
    fake.script(Answer(lambda r: "Hi Maria, " + r.draft, chunk_size=5, cut_after=3))
    raw = llm_client.post("/v1/rewrite", json={**BODY, "stream": True}, headers=llm_auth)
    events = parse_sse(raw.get_data(as_text=True))
    assert [name for name, _ in events][:3] == ["delta", "delta", "delta"]
    result = events[-1][1]
    assert events[-1][0] == "result" and result["corrected"] is True
    assert result["engine"] == "offline" and "#48213" in result["rewrite"]
    assert any("broke off" in w for w in result["warnings"])
    assert llm_client.post("/v1/rewrite", json=BODY, headers=llm_auth).json["cached"] is False
