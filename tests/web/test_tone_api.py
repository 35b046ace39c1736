"""POST /v1/tone and the tone findings in every rewrite response, against real Redis."""

from __future__ import annotations

import pytest

HARSH = "As I said, you entered the wrong address. Talk to the courier. Stop emailing us."


def tone(client, auth, **body):
    return client.post("/v1/tone", json=body, headers=auth)


def test_tone_lists_findings_counts_and_a_summary(client, auth):
    res = tone(client, auth, draft=HARSH)
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    categories = [f["category"] for f in body["findings"]]
    assert categories == ["condescension", "blame", "deflection", "threat"]
    for finding in body["findings"]:
        assert HARSH[finding["start"] : finding["end"]] == finding["text"]
        assert finding["text"] in finding["sentence"] and finding["sentence"] in HARSH
        assert finding["reason"] and finding["suggestion"]
    assert body["counts"] == {"blame": 1, "condescension": 1, "deflection": 1, "threat": 1}
    assert "may sound" in body["summary"]
    assert body["language"] == "en"


def test_a_kind_draft_has_no_findings(client, auth):
    body = tone(client, auth, draft="Thanks for your patience, Maria. Your refund is on its way.")
    assert body.get_json() == {
        "findings": [],
        "counts": {},
        "summary": "No harsh wording found.",
        "language": "en",
    }


def test_tone_summary_counts_sentences_of_the_main_kind(client, auth):
    draft = "You didn't attach the receipt. You forgot to sign the form. Thanks."
    body = tone(client, auth, draft=draft).get_json()
    assert body["summary"] == "2 sentences may sound blaming"


def test_tone_needs_a_key(client):
    assert client.post("/v1/tone", json={"draft": "No."}).status_code == 401


@pytest.mark.parametrize(
    "body",
    [{}, {"draft": ""}, {"draft": 5}, {"draft": "x" * 20_001}, {"draft": "Hi", "language": "??"}],
)
def test_bad_bodies_are_422(client, auth, body):
    assert tone(client, auth, **body).status_code == 422


def test_language_without_rules_gives_no_findings(client, auth):
    body = tone(client, auth, draft="Nope. Read the email.", language="ja").get_json()
    assert body["findings"] == [] and body["language"] == "ja"


def test_tone_writes_nothing_to_redis(client, auth, redis):
    tone(client, auth, draft=HARSH)  # the first call may record the key's use
    before = sorted(redis.keys("*"))
    tone(client, auth, draft=HARSH + " Be patient.")
    assert sorted(redis.keys("*")) == before


def test_rewrite_reports_findings_before_and_after(client, auth):
    res = client.post("/v1/rewrite", json={"draft": HARSH, "customer_name": "Maria"}, headers=auth)
    body = res.get_json()
    before = {f["category"] for f in body["tone"]["before"]}
    assert before >= {"condescension", "blame", "deflection", "threat"}
    assert body["tone"]["after"] == []
    for finding in body["tone"]["before"]:
        assert HARSH[finding["start"] : finding["end"]] == finding["text"]


def test_openapi_documents_tone(client):
    spec = client.get("/openapi.json").get_json()
    assert "/v1/tone" in spec["paths"]
    schemas = spec["components"]["schemas"]
    assert "tone" in schemas["RewriteResponse"]["properties"]
    assert set(schemas["Finding"]["properties"]) == {
        "category", "start", "end", "text", "sentence", "reason", "suggestion"
    }
