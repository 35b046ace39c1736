"""The harsh corpus is well formed: every annotation points at its draft, the scorer finds each
harsh phrase in its own draft, categories and languages are covered as the evaluation needs."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.tone.rules import CATEGORIES as TONE_CATEGORIES
from evals.markers import CURT_REFUSALS
from evals.run import SECOND, SIXTH, find_dev_dir, load_corpus
from evals.score import has_refusal, phrase_present, refusal_kept, words

CATEGORIES = set(TONE_CATEGORIES)  # the analyser's categories, which the issue names
FIELDS = {
    "id": str,
    "language": str,
    "categories": list,
    "customer_name": (str, type(None)),
    "agent_name": (str, type(None)),
    "customer_message": str,
    "draft": str,
    "must_go": list,
    "refusal": bool,
    "must_keep": list,
}
# A few very common words per language, to check each draft is in the language it declares.
STOPWORDS = {
    "en": {"the", "you", "your", "is", "to", "and", "we", "it", "of", "for", "on", "was", "can"},
    "es": {"el", "la", "de", "que", "es", "su", "por", "con", "los", "se", "lo", "ya"},
    "de": {
        "der",
        "die",
        "das",
        "ist",
        "sie",
        "und",
        "wir",
        "nicht",
        "mit",
        "zu",
        "den",
        "ein",
        "nur",
    },
    "fr": {"le", "la", "les", "est", "vous", "de", "pas", "un", "une", "avec", "votre"},
    "pt": {
        "o",
        "de",
        "da",
        "em",
        "é",
        "não",
        "com",
        "um",
        "uma",
        "para",
        "você",
        "seu",
        "já",
        "os",
        "foi",
    },
}

ITEMS = load_corpus()
SECOND_ITEMS = load_corpus(SECOND)
EVERY_ITEM = ITEMS + SECOND_ITEMS + load_corpus(SIXTH)


def test_there_are_enough_drafts_with_unique_ids() -> None:
    assert len(ITEMS) >= 200 and len(SECOND_ITEMS) >= 40
    ids = [item["id"] for item in EVERY_ITEM]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"h[0-9]{3}", item["id"]) for item in ITEMS)
    assert all(re.fullmatch(r"x[0-9]{3}", item["id"]) for item in SECOND_ITEMS)


@pytest.mark.parametrize("item", EVERY_ITEM, ids=lambda item: item["id"])
def test_each_item_is_well_formed(item: dict) -> None:
    assert set(item) == set(FIELDS)
    for field, kind in FIELDS.items():
        assert isinstance(item[field], kind), field
    assert item["must_go"], "every draft has something harsh to remove"
    assert set(item["categories"]) <= CATEGORIES and item["categories"]
    assert 1 <= len(re.findall(r"[.!?](?:\s|$)", item["draft"] + " ")) <= 12


@pytest.mark.parametrize("item", EVERY_ITEM, ids=lambda item: item["id"])
def test_annotations_point_at_the_draft(item: dict) -> None:
    draft = item["draft"]
    for phrase in item["must_go"]:
        assert phrase.lower() in draft.lower(), phrase
        # otherwise the phrase would count as "gone" before any rewrite
        assert phrase_present(phrase, draft), phrase
    for fact in item["must_keep"]:
        assert fact in draft, fact
        assert not any(fact.lower() == phrase.lower() for phrase in item["must_go"])


@pytest.mark.parametrize("item", EVERY_ITEM, ids=lambda item: item["id"])
def test_a_refusal_draft_refuses_in_a_way_the_scorer_recognises(item: dict) -> None:
    if not item["refusal"]:
        return
    curt = any(" ".join(words(p)) in CURT_REFUSALS for p in item["must_go"])
    assert has_refusal(item["draft"], item["language"]) or curt


def test_every_category_has_at_least_15_drafts() -> None:
    counts = Counter(category for item in ITEMS for category in item["categories"])
    assert set(counts) == CATEGORIES
    assert min(counts.values()) >= 15, counts
    second = Counter(category for item in SECOND_ITEMS for category in item["categories"])
    assert set(second) == CATEGORIES and min(second.values()) >= 5, second


def test_languages_are_covered_and_as_declared() -> None:
    counts = Counter(item["language"] for item in ITEMS)
    assert set(counts) <= set(STOPWORDS)
    assert counts["es"] >= 5 and counts["de"] >= 5 and counts["fr"] >= 3 and counts["pt"] >= 3
    for item in EVERY_ITEM:
        found = words(item["draft"])
        best = max(STOPWORDS, key=lambda lang: sum(w in STOPWORDS[lang] for w in found))
        assert best == item["language"], (item["id"], best)


def test_no_draft_repeats_the_dev_split() -> None:
    """The corpus is our own writing: no run of eight words of the dev split appears in it."""
    directory = find_dev_dir()
    if directory is None:
        pytest.skip("no dev split on this machine")
    runs = set()
    for path in Path(directory).glob("*.dev.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = words(json.loads(line)["text"])
            runs.update(tuple(text[i : i + 8]) for i in range(len(text) - 7))
    for item in EVERY_ITEM:
        text = words(item["draft"])
        shared = [text[i : i + 8] for i in range(len(text) - 7) if tuple(text[i : i + 8]) in runs]
        assert not shared, (item["id"], shared)


FRAME = st.lists(
    st.text(alphabet="abcdefghij klmnop,!'", min_size=1, max_size=30), min_size=0, max_size=3
).map(lambda parts: "".join(part.strip() + ".\n\n" for part in parts if part.strip(" ,!'")))


@given(item=st.sampled_from(EVERY_ITEM), before=FRAME, after=FRAME)
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_wrapping_a_draft_never_removes_its_harsh_phrases(
    item: dict, before: str, after: str
) -> None:
    """Framing (a greeting before, a help offer after) is not softening: every harsh phrase of
    the draft is still found, and a refusal is still a refusal."""
    wrapped = before + item["draft"] + "\n\n" + after
    assert all(phrase_present(phrase, wrapped) for phrase in item["must_go"])
    if item["refusal"]:
        assert refusal_kept(item, wrapped)
