"""The dev-split measure: which sentence is the harshest, changed or not, meaning kept or not."""

from __future__ import annotations

from evals.dev_split import (
    dev_score,
    harshest_sentence,
    harshness,
    meaning_kept,
    sentence_changed,
    summarise_dev,
)


def test_harsh_sentences_score_above_polite_ones() -> None:
    assert harshness("As I said, you didn't send the form.") > harshness("We got your form.")
    assert harshness("Nope.") >= 2
    assert harshness("Send the receipt.") >= 2
    assert harshness("Could you please send the receipt?") < 2
    assert harshness("@12345 Send us a DM.") > harshness("@12345 Please send us a DM.")


def test_the_harshest_sentence_is_picked_and_a_polite_draft_has_none() -> None:
    draft = "Thanks for writing. Obviously you didn't read the guide. The reset takes 5 minutes."
    assert harshest_sentence(draft) == "Obviously you didn't read the guide."
    assert harshest_sentence("Thanks for writing! We're glad to help.") is None


def test_wrapping_or_adding_please_does_not_change_a_sentence() -> None:
    sentence = "Read the email."
    assert not sentence_changed(sentence, "Hi Kim,\n\nRead the email.\n\nHappy to help!")
    assert not sentence_changed(sentence, "Hi Kim,\n\nPlease read the email.")
    assert sentence_changed(sentence, "Hi Kim, the email I sent on Monday has the steps.")


def test_meaning_is_lost_when_facts_or_most_content_words_go() -> None:
    sentence = "You entered the wrong address, so parcel 48213 went back to the depot."
    kept = "The address on the order didn't match, so parcel 48213 went back to our depot."
    assert meaning_kept(sentence, kept)
    assert not meaning_kept(sentence, "The address didn't match, so the parcel went back.")
    assert not meaning_kept(sentence, "Sorry about parcel 48213!")


def test_summarise_dev_counts_only_drafts_with_a_harsh_sentence() -> None:
    harsh = "Obviously you didn't read the guide."
    rows = [
        dev_score(harsh, "The guide has the steps; I'll walk you through them.", None),
        dev_score(harsh, harsh, harsh),
        dev_score("Thanks, all done!", "Thanks, all done!", None),
    ]
    table = summarise_dev(rows)
    assert table["rows"] == 3 and table["with_harsh"] == 2
    assert table["changed_pct"] == 50.0
    assert table["unchanged_pct"] == round(200 / 3, 1)
    assert table["idempotent_pct"] == 100.0


def test_another_judge_of_the_harshest_sentence_can_be_plugged_in() -> None:
    draft = "Thanks for waiting. Your order ships today."
    row = dev_score(draft, draft, None, (), lambda text: "Your order ships today.")
    assert row["harshest"] == "Your order ships today." and row["changed"] is False
    assert dev_score(draft, draft, None, (), lambda text: None)["changed"] is None
