"""The offline engine never drops or invents a fact, judged by the fact guard, for any draft."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.engines.offline.engine import OfflineEngine
from api.facts.guard import check_facts
from api.types import CHANNELS, RewriteJob
from tests.facts.test_facts import WORDS, facts_strategy

ENGINE = OfflineEngine()
PRESETS = [
    json.loads(path.read_text())
    for path in sorted((Path(__file__).parents[2] / "prompts" / "presets").glob("*.json"))
]

# Sentences in the shapes support drafts take (blame, jargon, refusals, bare commands, thanks),
# each with slots for facts. Written for this test.
SENTENCES = [
    "You failed to include {fact} on the form",
    "As I said, your refund of {fact} is being processed",
    "As I already said, we sent it to {fact}",
    "Pls DM us your acct details ASAP",
    "The ETA for {fact} is {fact}",
    "FYI we can't change {fact}",
    "We are unable to refund {fact}",
    "Unfortunately that's not possible",
    "Per our policy, orders after {fact} can't be returned",
    "Obviously you should have read {fact}",
    "Thanks for reaching out about {fact}",
    "Send it to {fact} w/ the receipt",
    "It's not our fault the courier lost {fact}",
    "Just restart the app",
    "You need to update to {fact}",
    "Our team will call you at {fact} on {fact}",
    "We cannot offer a refund, but we can send {fact}",
    "Your case {fact} has been escalated",
    "Kindly note the fee is {fact}",
    "No",
    "We don't do that",
    "You must log in at {fact} first",
    "The error says “{words}” when you pay",
    "Run `reset --all {fact}` and try again",
    "That's on you, not us",
    "DM me the tracking number and I'll check {fact}",
]
GREETINGS = [
    "",
    "Hi, ",
    "Hello there, ",
    "Hey!\n\n",
    "Dear customer,\n\n",
    "@115712 ",
    "@ShopHelp ",
]
CLOSINGS = [
    "",
    " -AA",
    " ^JK",
    "\n\nThanks,\nSam",
    "\n\nRegards,\nSupport Team",
    "\n\nBest,\nPriya",
]
ENDINGS = [".", "!", "?", "", "..."]
JOINERS = [" ", "\n", "\n\n", "\n- "]


@st.composite
def drafts(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(GREETINGS))
    sentences = draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6))
    for index, sentence in enumerate(sentences):
        while "{fact}" in sentence:
            sentence = sentence.replace("{fact}", draw(facts_strategy), 1)
        words = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4)))
        text += sentence.replace("{words}", words) + draw(st.sampled_from(ENDINGS))
        if index < len(sentences) - 1:
            text += draw(st.sampled_from(JOINERS))
    if draw(st.booleans()):
        text += "\n\n> On Monday you wrote:\n> my order " + draw(facts_strategy) + " is late"
    return text + draw(st.sampled_from(CLOSINGS))


JOBS = st.fixed_dictionaries(
    {
        "channel": st.sampled_from(CHANNELS),
        "action": st.sampled_from(["soften", "friendly", "formal", "simplify", "shorten"]),
        "customer_name": st.sampled_from([None, "Maria", "Jo Lee", "Ana-Lucía"]),
        "agent_name": st.sampled_from([None, "Sam", "Priya Shah"]),
        "customer_message": st.sampled_from(
            [
                None,
                "This is the 3rd time I ask!! Where is order 4471?",
                "thanks so much",
                "so frustrating, nothing works",
                "I need this ASAP",
                "how do I change my address?",
            ]
        ),
        "preset": st.sampled_from([{}, *PRESETS]),
    }
)


def preset_allowed(preset: dict, agent_name: str | None) -> list[str]:
    """What a preset lets a rewrite add: its required phrases and its sign-off."""
    allowed = [phrase for phrase in preset.get("required_phrases", []) if phrase]
    if preset.get("signoff"):
        allowed.append(preset["signoff"].replace("{agent_name}", agent_name or ""))
    return allowed


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draft=drafts(), job=JOBS)
def test_offline_engine_never_drops_or_invents_a_fact(draft: str, job: dict) -> None:
    result = ENGINE.rewrite(RewriteJob(draft=draft, **job))
    context = [job["customer_message"], job["customer_name"], job["agent_name"]]
    check = check_facts(
        draft,
        result.text,
        context=context,
        allowed=preset_allowed(job["preset"], job["agent_name"]),
    )
    assert check.passed, (draft, result.text, check)


@pytest.mark.parametrize("draft", ["Check acct.12", "We approx.12345 now.", "Pls.see 4410"])
def test_abbreviation_right_before_a_fact_keeps_the_fact(draft: str) -> None:
    result = ENGINE.rewrite(RewriteJob(draft=draft))
    assert check_facts(draft, result.text).passed, result.text
