"""Focused mode against the scripted server: only the draft's harsh sentences go to the model,
everything else is the offline rewrite, and the result is checked like any answer.

The tone analyser is a separate piece of work; a small stand-in with the same interface
(`analyse(text, language) -> [Finding]`) flags two kinds of sentence here."""

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
from tests.support.fake_openai import Answer, FakeOpenAI

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


@pytest.fixture(scope="module")
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture()
def engine(fake, monkeypatch):
    monkeypatch.setattr(tone, "_ANALYSE", stand_in)
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
    assert result.model_usage == {"prompt_tokens": 0, "completion_tokens": 0, "calls": 0}


def test_a_sentence_still_harsh_is_rejected(engine, fake):
    fake.default = Answer(lambda r: "\n".join(f"{n}. {s}" for n, s in enumerate(r.sentences, 1)))
    with pytest.raises(LLMRejected) as caught:
        engine.rewrite(job())
    assert caught.value.problems[0].startswith("harsh_tone:")
    assert caught.value.model_usage["calls"] == 2


def test_a_missing_numbered_line_gets_one_repair(engine, fake):
    fake.script(Answer("1. Your order ⟦F1⟧ shipped on ⟦F2⟧."), Answer(kind))
    result = engine.rewrite(job())
    assert fake.requests[1].is_repair
    assert result.rejected[0].startswith("focus_format:")
    assert "Please read the tracking email." in result.text


def test_a_dropped_placeholder_in_a_sentence_is_caught(engine, fake):
    drop = Answer(lambda r: kind(r).replace(" on ⟦F2⟧", ""))
    fake.script(drop, drop)
    with pytest.raises(LLMRejected) as caught:
        engine.rewrite(job())
    assert any("placeholder_lost" in p for p in caught.value.problems)


def test_focused_mode_does_not_stream(engine):
    assert engine.stream(job()) is None
