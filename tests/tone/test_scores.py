"""Tone scores: readability (own Flesch formulas, no network), warmth, jargon and blame counts."""

from __future__ import annotations

import pytest

from api.tone import readability
from api.tone.scores import tone_scores


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


def test_the_flesch_formulas_on_a_counted_text():
    # 12 words, 2 sentences, 17 syllables ("yesterday" 3, "tomorrow" 3, "parcel" 2).
    text = "Your parcel left us yesterday. It will reach you by noon tomorrow."
    grade, ease = readability.flesch(text)
    assert grade == pytest.approx(0.39 * 6 + 11.8 * 17 / 12 - 15.59)
    assert ease == pytest.approx(206.835 - 1.015 * 6 - 84.6 * 17 / 12)


@pytest.mark.parametrize(
    ("word", "count"),
    [("hello", 2), ("queue", 1), ("refund", 2), ("Blorfington", 3), ("Zaphire", 2), ("can't", 1)],
)
def test_syllables_from_the_dictionary_or_vowel_groups(word, count):
    assert readability.syllables(word) == count


def test_a_grade_below_zero_is_shown_as_zero():
    assert readability.flesch("We sent it. It is here.")[0] < 0
    assert tone_scores("We sent it. It is here.")["reading_grade"] == 0.0


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
