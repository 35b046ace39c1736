"""A meaning changed without a 'not' (a consequence, a channel, a day gone or swapped) and a
greeting or sign-off with someone else's name: rejected through the real app, Redis and the scripted
OpenAI-protocol server; kind rewordings of the same content pass, and so does every rewrite
the offline engine makes of the corpus."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.engines.llm.meaning import greeting_problems, meaning_problems, signoff_problems
from api.engines.llm.tone import harsh_findings
from api.engines.offline.engine import OfflineEngine
from api.store.presets import default_presets
from api.types import RewriteJob
from tests.support.fake_openai import Answer

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"⟦F\d+⟧")

RESERVE = {
    "draft": "Can't. Reservations for parties over 8 need a call to the restaurant.",
    "customer_name": "Elif",
    "agent_name": "Sam",
    "customer_message": "Can I book a table for 10 on Saturday through the app?",
}
CUT_OFF = {
    "draft": "Your service will be cut off on Monday unless you call us. Account number 3300-8812.",
    "customer_name": "Esme",
    "agent_name": "Sam",
    "customer_message": "I got a letter about my account, what is it about?",
}
RENEWS = {
    "draft": "I'm not sure how else to explain this. The plan renews on the 1st of every month.",
    "customer_name": "Toby",
    "customer_message": "I don't get why I was charged on the 1st.",
}


def fact(request) -> str:
    return PLACEHOLDER.findall(request.draft)[-1]


# case -> (request body, what the model answers, the reason it must be rejected for)
CASES = {
    "changed_claim:call-to-app": (
        RESERVE,
        lambda r: f"Hi Elif,\n\nI'm sorry, but reservations for parties over {fact(r)} have to "
        "be made through the restaurant's app.\n\nBest,\nSam",
        "changed_claim",
    ),
    "dropped_content:cut-off-and-day": (
        CUT_OFF,
        lambda r: f"Hi Esme,\n\nPlease give us a call about your account {fact(r)} so we can "
        "help.\n\nBest,\nSam",
        "dropped_content",
    ),
    "dropped_content:only": (
        {**RESERVE, "draft": "Refunds go only to the original card. Order 48213 is refunded."},
        lambda r: f"Hi Elif,\n\nYour refund for order {fact(r)} is on its way to your card."
        "\n\nBest,\nSam",
        "dropped_content",
    ),
    "wrong_signoff:customer": (
        RENEWS,
        lambda r: f"Hi Toby,\n\nI'm sorry for the confusion. The plan renews on the {fact(r)} "
        "of every month.\n\nThanks, Toby",
        "wrong_signoff",
    ),
    "wrong_greeting:agent": (
        {**RENEWS, "customer_name": None, "agent_name": "Priya"},
        lambda r: f"Hi Priya,\n\nI'm sorry for the confusion. The plan renews on the {fact(r)} "
        "of every month.\n\nBest,\nPriya",
        "wrong_greeting",
    ),
    "wrong_signoff:stranger": (
        RENEWS,
        lambda r: f"Hi Toby,\n\nI'm sorry for the confusion. The plan renews on the {fact(r)} "
        "of every month.\n\nKind regards,\nEmily",
        "wrong_signoff",
    ),
}
GOOD = {
    "cut-off-kept": (
        CUT_OFF,
        lambda r: f"Hi Esme,\n\nTo keep your service running after Monday, please give us a "
        f"call. Your account number is {fact(r)}.\n\nBest,\nSam",
    ),
    "call-kept": (
        RESERVE,
        lambda r: f"Hi Elif,\n\nI'm sorry, for parties over {fact(r)} we ask you to phone the "
        "restaurant to book.\n\nBest,\nSam",
    ),
    "no-name-signoff": (
        RENEWS,
        lambda r: f"Hi Toby,\n\nSorry for the confusion! The plan renews on the {fact(r)} of "
        "every month.\n\nBest,\nThe Support Team",
    ),
}


@pytest.fixture()
def app(scripted_app):
    return scripted_app


def post(app, body: dict) -> dict:
    response = app.test_client().post("/v1/rewrite", json=body, headers=app.config["TEST_AUTH"])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def reasons_of(result: dict) -> set[str]:
    return {
        r.removeprefix("after one repair attempt: ").split(":")[0]
        for r in result["checks"]["rejected"]
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_changed_meaning_or_signoff_is_rejected_and_never_cached(app, fake, case):
    body, answer, reason = CASES[case]
    fake.default = Answer(answer)
    for _ in range(2):
        result = post(app, body)
        assert result["engine"] == "offline", result["rewrite"]
        assert result["cached"] is False
        assert reason in reasons_of(result), result["checks"]["rejected"]
    assert len([r for r in fake.requests if not r.is_repair]) == 2


@pytest.mark.parametrize("case", sorted(GOOD))
def test_a_kind_rewording_that_keeps_the_content_is_accepted(app, fake, case):
    body, answer = GOOD[case]
    fake.default = Answer(answer)
    result = post(app, body)
    assert result["engine"] == "openai", result["checks"]["rejected"]


@pytest.mark.parametrize(
    ("signer", "agent", "ending"),
    [
        ("Toby", "Sam", "Best,\nSam"),
        ("Toby", None, "Best,"),
        ("[Your Name]", "Sam", "Best,\nSam"),
        ("Not known", None, "Best,"),
    ],
)
def test_a_made_up_signer_on_its_own_line_is_put_right(app, fake, signer, agent, ending):
    """The customer's name, a slot or "Not known" under the closing: the agent's name goes
    there, or none; the answer is used and says so."""
    fake.default = Answer(
        lambda r: f"Hi Toby,\n\nSorry for the confusion! The plan renews on the {fact(r)} of "
        f"every month.\n\nBest,\n{signer}"
    )
    result = post(app, {**RENEWS, "agent_name": agent})
    assert result["engine"] == "openai", result["checks"]["rejected"]
    assert result["rewrite"].endswith("every month.\n\n" + ending)
    assert any(f"sign-off had '{signer}'" in c for c in result["changes"])


def test_the_repair_note_names_what_was_dropped_without_the_answer(app, fake):
    body, answer, _ = CASES["dropped_content:cut-off-and-day"]
    fake.default = Answer(answer)
    post(app, body)
    repair = fake.requests[1]
    assert repair.is_repair
    assert "left out part of what the draft says (Monday, cut off)" in repair.text
    assert "so we can help" not in repair.text


def _offline_rewrites() -> list[tuple[str, str, dict, str]]:
    engine, presets = OfflineEngine(), default_presets(ROOT / "prompts")
    rows = [json.loads(line) for line in (ROOT / "evals" / "harsh_drafts.jsonl").open()]
    out = []
    for row in rows:
        for preset in ("warm", "formal", "concise"):
            job = RewriteJob(
                draft=row["draft"],
                preset=presets[preset],
                customer_name=row.get("customer_name"),
                agent_name=row.get("agent_name"),
                customer_message=row.get("customer_message"),
            )
            out.append((row["id"], preset, row, engine.rewrite(job).text))
    return out


def test_every_offline_rewrite_of_the_corpus_keeps_its_meaning_and_signoff():
    """The offline engine's softenings are the bar: a check that rejects one of them would
    reject good model answers too."""
    failed = []
    for ident, preset, row, text in _offline_rewrites():
        language = row.get("language", "en")
        harsh = [(f.start, f.end) for f in harsh_findings(row["draft"], language)]
        problems = meaning_problems(row["draft"], text, harsh, language)
        names = (row.get("customer_name") or "", row.get("agent_name") or "")
        problems += signoff_problems(text, *names, row["draft"], [])
        problems += greeting_problems(text, *names, row["draft"])
        failed += [(ident, preset, p.for_people) for p in problems]
    assert failed == []


DAYS = ["Monday", "Friday", "today", "tomorrow"]
THINGS = [
    ("cut off", "will be cut off", "may be paused"),
    ("cancel", "will be cancelled", "will end"),
    ("delete", "will be deleted", "will be removed"),
    ("a fee", "carries a late fee", "carries a small charge"),
]
SUBJECTS = ["Your plan", "The account", "Your booking", "This subscription"]


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(SUBJECTS), st.sampled_from(THINGS), st.sampled_from(DAYS), st.booleans())
def test_property_a_consequence_or_day_is_kept_by_any_rewording_and_missed_when_gone(
    subject, thing, day, drop_day
):
    name, harsh, soft = thing
    draft = f"{subject} {harsh} {day}. Please reply to this message."
    kept = f"Hi, {subject.lower()} {soft} {day}. Could you reply to this message?"
    assert meaning_problems(draft, kept, [], "en") == []
    said_day = "" if drop_day else f" {day}"
    missing = f"Hi, could you reply to this message about {subject.lower()}{said_day}?"
    problems = meaning_problems(draft, missing, [], "en")
    assert [p.reason for p in problems] == ["dropped_content"]
    assert name in problems[0].for_people
    assert (day in problems[0].for_people) == drop_day


CLOSINGS = ["Best,\n{n}", "Kind regards,\n{n}", "Thanks, {n}", "Cheers,\n{n}"]
NAMES = st.sampled_from(["Toby", "Ines", "Marcus", "Julia", "Ana"])


@settings(max_examples=100, deadline=None)
@given(NAMES, NAMES, st.sampled_from(CLOSINGS))
def test_property_only_the_agents_name_may_sign_off(customer, agent, closing):
    body = f"Hi {customer},\n\nThe plan renews on the 1st of every month.\n\n"
    assert signoff_problems(body + closing.format(n=agent), customer, agent, "", []) == []
    if customer != agent:
        wrong = signoff_problems(body + closing.format(n=customer), customer, agent, "", [])
        assert [p.reason for p in wrong] == ["wrong_signoff"]
        assert "customer's name" in wrong[0].for_people
