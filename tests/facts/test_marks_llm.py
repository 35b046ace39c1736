"""A rich draft through the language-model engine (real client, fake OpenAI-protocol server):
the model never sees the marked words, and an answer that loses one is not accepted."""

from __future__ import annotations

import json

import pytest

from api.config import REPO_ROOT, settings
from api.engines.llm.engine import build_llm_engine
from api.engines.offline.engine import OfflineEngine
from api.facts.marks import read_html
from api.rewrite.verify import verified_rewrite
from api.types import RewriteJob
from tests.facts.test_marks import marked
from tests.support.fake_openai import Answer, FakeOpenAI

DRAFT = ('<p>Your <b>replacement blender</b> ships on 3 May.</p><p>Read the <a '
         'href="https://example.com/returns">returns page</a> first.</p>')


@pytest.fixture(scope="module")
def fake():
    with FakeOpenAI() as server:
        yield server


def run(fake: FakeOpenAI, answer) -> dict:
    fake.reset()
    fake.default = Answer(answer)
    engine = build_llm_engine(settings({
        "OPENAI_BASE_URL": fake.url, "KINDLY_MODEL": "fake-model", "KINDLY_LLM_TIMEOUT": 1.0,
        "KINDLY_PROMPTS_DIR": REPO_ROOT / "prompts", "KINDLY_LLM_BREAKER_FAILURES": 3,
        "KINDLY_LLM_BREAKER_COOLDOWN": 60,
    }))
    preset = json.loads((REPO_ROOT / "prompts/presets/warm.json").read_text())
    rich = read_html(DRAFT)
    job = RewriteJob(draft=rich.text, rich=rich, preset=preset, customer_name="Maria")
    value, _ = verified_rewrite(job, engine, OfflineEngine())
    return value


def test_marked_words_are_placeholders_for_the_model(fake):
    value = run(fake, lambda r: "Hi Maria,\n\n" + r.draft.replace("Read ", "Please read "))
    assert value["engine"] == "openai" and value["checks"]["passed"]
    seen = fake.requests[0].text
    assert "replacement blender" not in seen and "returns page" not in seen
    assert marked(value["rewrite"]) == marked(DRAFT)


def test_an_answer_that_drops_a_marked_run_is_not_taken(fake):
    # ⟦F1⟧ is "replacement blender", the first protected run; the date stays.
    value = run(fake, lambda r: r.draft.replace("⟦F1⟧", "it"))
    assert "⟦F1⟧" in fake.requests[0].text
    assert value["engine"] == "offline"  # the model's answers were rejected
    assert value["checks"]["passed"]
    assert marked(value["rewrite"]) == marked(DRAFT)
