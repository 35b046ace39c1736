"""Focused mode against the scripted server: only the draft's harsh sentences go to the model,
each with its offline version and what was found; a sentence the model leaves harsh (or
without its placeholders) gives way to its offline version; everything else is the offline
rewrite, and the result is checked like any answer.

A small stand-in analyser with the real one's interface (`analyse(text, language) ->
[Finding]`) flags two kinds of sentence in most tests; one test uses the real analyser."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from api.config import REPO_ROOT, settings
from api.engines.llm import tone
from api.engines.llm.calls import LLMRejected
from api.engines.llm.engine import build_llm_engine
from api.engines.offline.engine import OfflineEngine
from api.types import RewriteJob
from tests.support.fake_openai import Answer

DRAFT = (
    "As I said before, your order #48213 shipped on March 3. "
    "Read the tracking email. The refund of $25.00 reached your card."
)


@dataclass(frozen=True)
class Finding:
    category: str
    text: str
    sentence: str


def stand_in(text: str, language: str) -> list[Finding]:
    found = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        if "as i said" in sentence.lower():
            found.append(Finding("condescension", "As I said", sentence.strip()))
        elif sentence.startswith("Read "):
            found.append(Finding("command", "Read", sentence.strip()))
    return found


def focused_engine(fake):
    """A focused-mode engine in front of the scripted server, reset."""
    fake.reset()
    return build_llm_engine(
        settings(
            {
                "OPENAI_BASE_URL": fake.url,
                "KINDLY_MODEL": "fake-model",
                "KINDLY_LLM_TIMEOUT": 2.0,
                "KINDLY_PROMPTS_DIR": REPO_ROOT / "prompts",
                "KINDLY_LLM_MODE": "focused",
            }
        )
    )


@pytest.fixture()
def engine(fake, monkeypatch):
    monkeypatch.setattr(tone, "_ANALYSE", stand_in)
    return focused_engine(fake)


def job(draft: str = DRAFT) -> RewriteJob:
    preset = json.loads((REPO_ROOT / "prompts/presets/warm.json").read_text())
    return RewriteJob(draft=draft, customer_name="Maria", agent_name="Sam", preset=preset)


def kind(request) -> str:
    return "\n".join(
        f"{n}. " + s.replace("As I said before, your", "Your").replace("Read", "Please read")
        for n, s in enumerate(request.sentences, 1)
    )


def test_only_the_harsh_sentences_go_to_the_model(engine, fake):
    fake.script(Answer(kind, usage=(120, 30)))
    result = engine.rewrite(job())
    sent = fake.requests[0]
    assert sent.sentences == [
        "As I said before, your order ⟦F1⟧ shipped on ⟦F2⟧.",
        "Read the tracking email.",
    ]
    assert "<draft>" not in sent.text and "#48213" not in sent.text
    assert sent.body["max_tokens"] < 200
    assert len(sent.messages[0]["content"]) < 700  # the short system prompt
    offline = OfflineEngine().rewrite(job()).text
    assert "As I said" not in result.text and "Please read the tracking email." in result.text
    # Everything the model was not asked about is the offline rewrite, unchanged.
    assert result.text.splitlines()[0] == offline.splitlines()[0]
    assert result.text.splitlines()[-1] == offline.splitlines()[-1]
    assert result.model_usage == {"prompt_tokens": 120, "completion_tokens": 30, "calls": 1}
    assert result.engine == "openai"


def test_a_draft_without_findings_needs_no_model_call(engine, fake):
    calm = "Your order #48213 shipped on March 3. The refund of $25.00 reached your card."
    result = engine.rewrite(job(calm))
    assert fake.requests == []
    assert result.text == OfflineEngine().rewrite(job(calm)).text
    assert result.engine == "offline"  # said as it is, and never cached as the model's
    assert result.model_usage == {"prompt_tokens": 0, "completion_tokens": 0, "calls": 0}


def test_a_sentence_still_harsh_is_rejected(engine, fake):
    fake.default = Answer(lambda r: "\n".join(f"{n}. {s}" for n, s in enumerate(r.sentences, 1)))
    with pytest.raises(LLMRejected) as caught:
        engine.rewrite(job())
    assert caught.value.problems[0].startswith("harsh_tone:")
    assert caught.value.model_usage["calls"] == 2


def test_a_missing_numbered_line_keeps_that_sentences_offline_version(engine, fake):
    fake.script(Answer("1. Your order ⟦F1⟧ shipped on ⟦F2⟧."))
    result = engine.rewrite(job())
    assert len(fake.requests) == 1  # no repair: one sentence of the model's is kept
    assert result.engine == "openai"
    assert "Your order #48213 shipped on March 3." in result.text
    offline = OfflineEngine().rewrite(job()).text
    start = fake.requests[0].starts[1]  # the offline version of "Read the tracking email."
    assert start in offline and start in result.text
    assert result.rejected == ["sentence kept offline: focus_format: left a sentence out"]


def test_a_sentence_still_harsh_gives_way_to_its_offline_version(engine, fake):
    fake.script(Answer("1. Your order ⟦F1⟧ shipped on ⟦F2⟧.\n2. Read the tracking email."))
    result = engine.rewrite(job())
    assert result.engine == "openai" and len(fake.requests) == 1
    assert "Read the tracking email." not in result.text
    assert fake.requests[0].starts[1] in result.text
    assert result.rejected[0].startswith("sentence kept offline: harsh_tone:")


def test_the_offline_sentences_given_back_are_the_offline_rewrite(engine, fake):
    fake.script(Answer(lambda r: "\n".join(f"{n}. {s}" for n, s in enumerate(r.starts, 1))))
    result = engine.rewrite(job())
    assert len(fake.requests) == 1
    assert result.text == OfflineEngine().rewrite(job()).text
    assert result.engine == "offline"  # nothing of the model's: never cached as its answer


def test_one_sentence_may_come_back_as_a_bare_line(engine, fake):
    draft = "Read the tracking email. The refund of $25.00 reached your card."
    fake.script(Answer('"Could you have a look at the tracking email?"'))
    result = engine.rewrite(job(draft))
    assert result.engine == "openai"
    assert "Could you have a look at the tracking email?" in result.text
    assert '"' not in result.text


def test_each_sentence_comes_with_its_offline_version_and_what_was_found(fake, monkeypatch):
    """With the real tone analyser: the phrase, why it hurts and what to write instead."""
    engine = focused_engine(fake)
    fake.script(Answer(lambda r: "\n".join(f"{n}. {s}" for n, s in enumerate(r.starts, 1))))
    engine.rewrite(job())
    sent = fake.requests[0]
    offline = OfflineEngine().rewrite(job()).text
    assert sent.sentences[0] == "As I said before, your order ⟦F1⟧ shipped on ⟦F2⟧."
    assert sent.starts and all(
        s.replace("⟦F1⟧", "#48213").replace("⟦F2⟧", "March 3") in offline for s in sent.starts
    )
    user = sent.messages[-1]["content"]
    assert 'Harsh: "As I said before" (condescension)' in user
    assert "Instead: " in user


def test_a_sentence_that_drops_a_placeholder_gives_way_to_its_offline_version(engine, fake):
    fake.script(Answer(lambda r: kind(r).replace(" on ⟦F2⟧", "")))
    result = engine.rewrite(job())
    assert "March 3" in result.text and "Please read the tracking email." in result.text
    assert result.rejected[0].startswith("sentence kept offline: placeholder_lost:")


def test_a_bare_refusal_is_matched_to_its_offline_version_by_its_neighbour(fake):
    """'Can't.' shares no word with the offline engine's "I'm afraid...": its place is the
    sentence before the one that matches the draft's next sentence (real tone analyser)."""
    fake.reset()
    engine = build_llm_engine(
        settings(
            {
                "OPENAI_BASE_URL": fake.url,
                "KINDLY_MODEL": "fake-model",
                "KINDLY_PROMPTS_DIR": REPO_ROOT / "prompts",
                "KINDLY_LLM_MODE": "focused",
            }
        )
    )
    draft = "Can't. Reservations for parties over 8 need a call to the restaurant."
    kind_no = "I'm sorry, we can't take that booking online."
    fake.script(Answer(f"1. {kind_no}"))
    result = engine.rewrite(job(draft))
    sent = fake.requests[0]
    assert sent.sentences == ["Can't."]
    offline = OfflineEngine().rewrite(job(draft)).text
    assert sent.starts[0] in offline and "Reservations" not in sent.starts[0]
    assert result.text == offline.replace(sent.starts[0], kind_no)


def test_focused_mode_does_not_stream(engine):
    assert engine.stream(job()) is None
