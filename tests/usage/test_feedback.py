"""POST /v1/rewrites/<id>/feedback, and the word edit distance it records."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.store import keys as redis_keys
from api.usage.feedback import word_edit_distance, words
from tests.support.factories import make_key, make_team

# Redis-facing: every test here also runs on a 3-master Redis Cluster.
pytestmark = pytest.mark.cluster_too

DRAFT = "Your refund of $42.50 was processed on 3 March. You must wait 5 days."


@pytest.fixture(autouse=True)
def patient_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give the app's Redis client more than the production 0.25 s: the test machine is shared
    and busy, and a slow answer here would fail a test about something else."""
    monkeypatch.setenv("KINDLY_REDIS_TIMEOUT", "3")


def reference_distance(a: list[str], b: list[str]) -> int:
    """Textbook Levenshtein over words, written independently of the one under test."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        table[i][0] = i
    for j in range(len(b) + 1):
        table[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = min(
                table[i - 1][j] + 1,
                table[i][j - 1] + 1,
                table[i - 1][j - 1] + (a[i - 1] != b[j - 1]),
            )
    return table[-1][-1]


texts = st.lists(st.sampled_from(["we", "are", "sorry", "refund", "$5", "soon", "x"]), max_size=12)


@given(a=texts, b=texts)
def test_word_distance_is_levenshtein_over_words(a, b):
    assert word_edit_distance(" ".join(a), " ".join(b)) == reference_distance(a, b)


@given(a=st.text(max_size=60), b=st.text(max_size=60))
def test_word_distance_is_a_metric_bounded_by_the_longer_text(a, b):
    d = word_edit_distance(a, b)
    assert d == word_edit_distance(b, a)
    assert (d == 0) == (words(a) == words(b))
    assert d <= max(len(words(a)), len(words(b)))


def test_long_texts_use_a_valid_upper_bound():
    a = " ".join(f"w{n}" for n in range(3000))
    b = " ".join(f"w{n}" if n % 7 else f"v{n}" for n in range(3000))
    assert word_edit_distance(a, b) == len([n for n in range(3000) if n % 7 == 0])


def test_whitespace_only_changes_are_not_edits():
    assert word_edit_distance("Hi  Dana,\nthanks", "Hi Dana, thanks") == 0


def rewrite(client, auth) -> dict:
    response = client.post(
        "/v1/rewrite", json={"draft": DRAFT, "customer_name": "Dana"}, headers=auth
    )
    assert response.status_code == 200, response.json
    return response.json


def usage_entries(redis, team: str = "acme") -> list[dict]:
    return [json.loads(f["json"]) for _, f in redis.xrange(redis_keys.usage_key(team))]


@pytest.mark.parametrize("outcome", ["accepted", "rejected"])
def test_accepted_and_rejected_are_logged(client, auth, redis, outcome):
    rw = rewrite(client, auth)
    response = client.post(
        f"/v1/rewrites/{rw['id']}/feedback", json={"outcome": outcome}, headers=auth
    )
    assert response.status_code == 201
    assert response.json["outcome"] == outcome and response.json["edit_distance"] is None
    feedback = [e for e in usage_entries(redis) if e["kind"] == "feedback"]
    assert len(feedback) == 1
    assert feedback[0]["rewrite_id"] == rw["id"]
    assert feedback[0]["preset"] == rw["preset"]["slug"]
    assert feedback[0]["outcome"] == outcome


def test_edited_records_the_edit_distance_not_the_text(client, auth, redis):
    rw = rewrite(client, auth)
    sent = rw["rewrite"] + " Have a lovely weekend!"
    response = client.post(
        f"/v1/rewrites/{rw['id']}/feedback",
        json={"outcome": "edited", "sent_text": sent},
        headers=auth,
    )
    assert response.status_code == 201
    assert response.json["edit_distance"] == 4
    assert 0 < response.json["edit_ratio"] < 1
    logged = json.dumps(redis.xrange(redis_keys.usage_key("acme")))
    assert "lovely weekend" not in logged


@pytest.mark.parametrize(
    ("body", "field"),
    [({"outcome": "edited"}, "sent_text"), ({"outcome": "meh"}, "outcome")],
    ids=["edited needs the sent text", "unknown outcome"],
)
def test_a_bad_feedback_body_is_a_field_error(client, auth, body, field):
    rw = rewrite(client, auth)
    response = client.post(f"/v1/rewrites/{rw['id']}/feedback", json=body, headers=auth)
    assert response.status_code == 422
    assert field in json.dumps(response.json["errors"])


def test_unknown_rewrite_is_404(client, auth):
    for rewrite_id in ("rw_00000000000000000000", "nope", "rw_../../x"):
        response = client.post(
            f"/v1/rewrites/{rewrite_id}/feedback", json={"outcome": "accepted"}, headers=auth
        )
        assert response.status_code == 404


def test_a_team_cannot_give_feedback_on_another_teams_rewrite(app, client, auth, redis):

    rw = rewrite(client, auth)
    make_team(app, "globex", seed=False)
    other = make_key(app, "globex", "team_admin", "globex lead")
    response = client.post(
        f"/v1/rewrites/{rw['id']}/feedback",
        json={"outcome": "rejected"},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert response.status_code == 404
    assert not [e for e in usage_entries(redis, "acme") if e["kind"] == "feedback"]
    # Globex's own log has only the failed request, never acme's rewrite.
    (failed,) = usage_entries(redis, "globex")
    assert failed["kind"] == "error" and failed["status"] == 404
    assert rw["id"] not in json.dumps(failed)


def test_feedback_needs_a_key(client, auth):
    rw = rewrite(client, auth)
    response = client.post(f"/v1/rewrites/{rw['id']}/feedback", json={"outcome": "accepted"})
    assert response.status_code == 401


def test_sent_text_is_stored_only_when_the_team_stores_texts(app, client, auth, redis):
    from api.services import app_services

    with app.app_context():
        app_services().usage.set_settings("acme", True, 7)
    rw = rewrite(client, auth)
    response = client.post(
        f"/v1/rewrites/{rw['id']}/feedback",
        json={"outcome": "edited", "sent_text": "Hi Dana, all done."},
        headers=auth,
    )
    key = redis_keys.usage_text_key("acme", response.json["id"])
    assert json.loads(redis.get(key)) == {"sent_text": "Hi Dana, all done."}
