"""Usage statistics: the pure summary, and GET /v1/admin/stats over real rewrites."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.usage.stats import percentile, summarise

DAY1 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC).timestamp()
DAY2 = datetime(2026, 11, 21, 23, 59, tzinfo=UTC).timestamp()
DAY4 = datetime(2026, 11, 23, 0, 1, tzinfo=UTC).timestamp()


@pytest.fixture(autouse=True)
def patient_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give the app's Redis client more than the production 0.25 s: the test machine is shared
    and busy, and a slow answer here would fail a test about something else."""
    monkeypatch.setenv("KINDLY_REDIS_TIMEOUT", "3")


def rewrite(ts, latency, cached=False, warmth=(10, 30), grade=(9, 7), tokens=(100, 50), cost=0.01):
    return {
        "ts": ts,
        "kind": "rewrite",
        "cached": cached,
        "latency_ms": latency,
        "tokens_in": tokens[0],
        "tokens_out": tokens[1],
        "cost_usd": cost,
        "scores_before": {"warmth": warmth[0], "reading_grade": grade[0]},
        "scores_after": {"warmth": warmth[1], "reading_grade": grade[1]},
        "outcome": "ok",
    }


def feedback(ts, rewrite_id, outcome):
    return {"ts": ts, "kind": "feedback", "rewrite_id": rewrite_id, "outcome": outcome}


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_summary_per_day_and_in_total():
    entries = [  # newest first, as the log yields them
        feedback(DAY4, "rw_2", "rejected"),
        feedback(DAY2 + 30, "rw_1", "edited"),
        feedback(DAY2, "rw_1", "accepted"),  # older feedback on rw_1: superseded
        {"ts": DAY2, "kind": "error", "status": 422, "outcome": "error"},
        rewrite(DAY2, 30.0, cached=True, tokens=(0, 0), cost=0.0),
        rewrite(DAY1, 10.0),
        rewrite(DAY1, 20.0, warmth=(20, 20), grade=(8, 8)),
        {"ts": DAY1, "kind": "preview", "tokens_in": 5, "tokens_out": 5, "cost_usd": None},
    ]
    stats = summarise(entries, since=DAY1, until=DAY4)
    totals = stats["totals"]
    assert totals["requests"] == 3 and totals["cached"] == 1 and totals["errors"] == 1
    assert totals["cache_hit_rate"] == round(1 / 3, 4)
    assert totals["latency_ms"] == {"p50": 20.0, "p95": 30.0}
    assert (totals["tokens_in"], totals["tokens_out"]) == (205, 105)
    assert totals["cost_usd"] == 0.02 and totals["cost_unknown"] == 1
    assert totals["feedback"] == {"accepted": 0, "edited": 1, "rejected": 1}
    assert totals["acceptance_rate"] == 0.5
    assert totals["warmth_change"] == round((20 + 0 + 20) / 3, 3)
    assert totals["reading_grade_change"] == round((-2 + 0 - 2) / 3, 3)
    assert [d["date"] for d in stats["days"]] == [
        "2026-11-20",
        "2026-11-21",
        "2026-11-22",
        "2026-11-23",
    ]
    day1, day2, quiet, day4 = stats["days"]
    assert (day1["requests"], day1["previews"], day1["cache_hit_rate"]) == (2, 1, 0.0)
    assert (day2["requests"], day2["cached"], day2["errors"]) == (1, 1, 1)
    assert day2["feedback"]["edited"] == 1 and day2["feedback"]["accepted"] == 0
    assert quiet["requests"] == 0 and quiet["cache_hit_rate"] is None
    assert day4["acceptance_rate"] == 0.0


kinds = st.sampled_from(["rewrite", "feedback", "error", "preview"])
entry_strategy = st.builds(
    lambda kind, day, latency, cached, outcome, rid: {
        "ts": DAY1 + day * 86_400,
        "kind": kind,
        "latency_ms": latency,
        "cached": cached,
        "outcome": outcome,
        "rewrite_id": f"rw_{rid}",
        "tokens_in": 3,
        "tokens_out": 2,
        "scores_before": {"warmth": 1.0, "reading_grade": 9.0},
        "scores_after": {"warmth": 2.0, "reading_grade": 8.0},
    },
    kinds,
    st.integers(0, 5),
    st.floats(0, 5000, allow_nan=False),
    st.booleans(),
    st.sampled_from(["accepted", "edited", "rejected", "ok"]),
    st.integers(0, 6),
)


@given(st.lists(entry_strategy, max_size=40))
def test_days_add_up_to_the_totals(entries):
    stats = summarise(entries)
    totals, days = stats["totals"], stats["days"]
    for name in ("requests", "cached", "errors", "previews", "tokens_in", "tokens_out"):
        assert sum(d[name] for d in days) == totals[name]
    for outcome in ("accepted", "edited", "rejected"):
        assert sum(d["feedback"][outcome] for d in days) == totals["feedback"][outcome]
    for bucket in [totals, *days]:
        for rate in ("cache_hit_rate", "acceptance_rate"):
            assert bucket[rate] is None or 0 <= bucket[rate] <= 1
        p50, p95 = bucket["latency_ms"]["p50"], bucket["latency_ms"]["p95"]
        assert (p50 is None) == (p95 is None) == (bucket["requests"] == 0)
        assert p50 is None or p50 <= p95
    # Each rewrite is judged at most once, however often feedback was sent.
    judged = {e["rewrite_id"] for e in entries if e["kind"] == "feedback"}
    counted = sum(totals["feedback"][o] for o in ("accepted", "edited", "rejected"))
    assert counted <= len(judged)


def test_stats_endpoint_over_real_rewrites(app, client, auth):
    from api.services import app_services

    with app.app_context():
        svc = app_services()
        _, lead = svc.teams.create_key("acme", role="team_admin", label="lead")
    body = {
        "draft": "Your order 5512 ships on 4 May. You must sign for it.",
        "customer_name": "Ana",
    }
    first = client.post("/v1/rewrite", json=body, headers=auth).json
    second = client.post("/v1/rewrite", json=body, headers=auth).json
    assert second["cached"] is True
    client.post(f"/v1/rewrites/{first['id']}/feedback", json={"outcome": "accepted"}, headers=auth)
    client.post("/v1/rewrite", json={"draft": ""}, headers=auth)  # a failed request

    response = client.get("/v1/admin/stats", headers={"Authorization": f"Bearer {lead}"})
    assert response.status_code == 200
    stats = response.json
    assert stats["team"] == "acme" and set(stats) >= {"from", "to", "totals", "days"}
    totals = stats["totals"]
    assert (totals["requests"], totals["cached"], totals["errors"]) == (2, 1, 1)
    assert totals["cache_hit_rate"] == 0.5
    assert totals["acceptance_rate"] == 1.0
    assert totals["latency_ms"]["p50"] is not None
    assert totals["warmth_change"] is not None and totals["reading_grade_change"] is not None
    assert len(stats["days"]) == 31  # 30 days back by default, today included
    assert stats["days"][-1]["requests"] == 2


def test_stats_range_is_validated(client, auth, app):
    from api.services import app_services

    with app.app_context():
        _, lead = app_services().teams.create_key("acme", role="team_admin", label="lead")
    headers = {"Authorization": f"Bearer {lead}"}
    bad = client.get("/v1/admin/stats?from=2026-11-22&to=2026-11-01", headers=headers)
    assert bad.status_code == 422
    assert client.get("/v1/admin/stats?from=yesterday", headers=headers).status_code == 422
    ok = client.get("/v1/admin/stats?from=2026-11-01&to=2026-11-03", headers=headers)
    assert [d["date"] for d in ok.json["days"]] == ["2026-11-01", "2026-11-02", "2026-11-03"]
