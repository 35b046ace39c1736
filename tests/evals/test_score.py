"""The harsh-corpus scorer on tiny hand-made examples."""

from __future__ import annotations

from typing import Any

from evals.score import (
    english_added,
    facts_lost,
    meaning_kept,
    phrase_present,
    phrases_left,
    refusal_kept,
    score,
    summarise,
)


def item(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "t001",
        "language": "en",
        "categories": ["curt"],
        "customer_name": None,
        "agent_name": None,
        "customer_message": "",
        "draft": "Nope, that's not covered. A screen repair is $149.",
        "must_go": ["Nope"],
        "refusal": True,
        "must_keep": ["$149"],
    }
    return {**base, **fields}


def test_a_phrase_still_there_is_not_gone_whatever_its_case_or_punctuation() -> None:
    assert phrase_present("Nope", "Hi Ana,\n\nnope! That isn't covered.")
    assert phrase_present("As I said", "As  I SAID, the code works once.")
    assert phrase_present("Not our problem", "It's not our problem, sorry.")
    assert not phrase_present("Nope", "I'm sorry, that isn't covered.")


def test_a_phrase_is_matched_as_whole_words() -> None:
    assert not phrase_present("ETA", "Here are the details of your order.")
    assert phrase_present("ETA", "The ETA is Monday.")
    assert phrase_present("w/", "Your refund is pending w/ the bank.")


def test_a_whole_sentence_phrase_is_gone_once_the_sentence_is_a_request() -> None:
    assert phrase_present("Read the email.", "I told you. Read the email!")
    assert not phrase_present("Read the email.", "Could you please read the email?")
    assert not phrase_present("Read the email.", "Please read the email.")


def test_a_one_word_reply_is_not_found_inside_other_sentences() -> None:
    assert phrase_present("No.", "Hi Sam,\n\nNo.\n\nThe warranty ended.")
    assert not phrase_present("No.", "There is no charge. No longer needed, thanks.")
    assert phrase_present("No,", "No, we can't do that.")
    assert not phrase_present("No,", "We have no record, sorry.")


def test_phrases_left_lists_each_remaining_phrase() -> None:
    assert phrases_left(["Nope", "as I said"], "Nope. As I said, no.") == ["Nope", "as I said"]
    assert phrases_left(["Nope", "as I said"], "Sorry, as I said before.") == ["as I said"]


def test_a_refusal_turned_into_an_acceptance_is_not_kept() -> None:
    refusing = item(draft="We can't refund order 48213.", must_go=[], must_keep=["48213"])
    assert not refusal_kept(refusing, "Good news: we'll refund order 48213 today.")
    assert refusal_kept(refusing, "I'm sorry, we aren't able to refund order 48213.")
    assert refusal_kept(refusing, "Unfortunately a refund for order 48213 isn't possible.")
    # "don't hesitate" in a help offer is no refusal
    assert not refusal_kept(refusing, "Order 48213 is refunded. Don't hesitate to write.")


def test_a_curt_refusal_is_kept_by_a_marker_or_by_the_curt_word_itself() -> None:
    curt = item(draft="Denied. The claim is late.", must_go=["Denied."], must_keep=[])
    assert refusal_kept(curt, "Denied. The claim is late.")
    assert refusal_kept(curt, "I'm sorry, we can't accept the claim: it is late.")
    assert refusal_kept(curt, "I'm afraid not. The claim is late.")
    assert refusal_kept(curt, "I'm sorry, the claim wasn't approved: it is late.")
    assert not refusal_kept(curt, "The claim is late.")


def test_a_refusal_without_a_marker_is_kept_by_keeping_what_each_sentence_says() -> None:
    implicit = item(
        draft="Looked into it. The $90.00 roaming charge stays on the bill. That's on you.",
        must_go=["That's on you."],
        must_keep=["$90.00"],
    )
    assert refusal_kept(implicit, implicit["draft"])  # the draft itself still refuses
    assert refusal_kept(implicit, "I looked into it: the $90.00 roaming charge stays on the bill.")
    assert not refusal_kept(implicit, "I looked into it. We'll take the $90.00 off.")


def test_refusals_in_other_languages() -> None:
    spanish = item(language="es", draft="No podemos reembolsar el pedido.", must_go=[])
    assert refusal_kept(spanish, "Lo siento, no nos es posible reembolsar el pedido.")
    assert not refusal_kept(spanish, "Le reembolsamos el pedido hoy.")
    german = item(language="de", draft="Eine Erstattung ist nicht möglich.", must_go=[])
    assert refusal_kept(german, "Leider können wir den Betrag nicht erstatten.")
    assert not refusal_kept(german, "Wir erstatten den Betrag gern.")


def test_a_changed_amount_is_a_lost_fact() -> None:
    assert facts_lost(item(), "I'm sorry, that isn't covered. A screen repair is $149.") == []
    lost = facts_lost(item(), "I'm sorry, that isn't covered. A screen repair is $194.")
    assert "$149" in lost
    assert "+$194" in lost


def test_a_must_keep_word_that_is_not_a_number_is_checked_too() -> None:
    paypal = item(draft="Talk to PayPal.", must_go=["Talk to PayPal."], must_keep=["PayPal"])
    assert facts_lost(paypal, "Please contact the payment provider.") == ["PayPal"]


def test_english_added_to_a_spanish_draft_is_reported() -> None:
    spanish = item(
        language="es",
        customer_name="Lucía",
        draft="Como ya le dije, el código solo funciona una vez. Escriba a ana@example.es.",
        must_go=["Como ya le dije"],
        must_keep=[],
    )
    wrapped = "Hi Lucía,\n\n" + spanish["draft"] + "\n\nLet me know if you have questions!"
    assert {"hi", "let", "know", "if", "you", "have"} <= set(english_added(spanish, wrapped))
    reworded = "Hola Lucía:\n\nEl código solo funciona una vez. Escriba a ana@example.es."
    assert english_added(spanish, reworded) == []


def test_english_words_in_an_english_draft_are_never_added_english() -> None:
    assert english_added(item(), "Hi there, thanks for writing!") == []


def test_score_puts_every_check_in_one_row() -> None:
    good = "I'm sorry, that isn't covered. A screen repair is $149."
    row = score(item(), good, good)
    assert row["clean"] and row["refusal_kept"] and row["facts_kept"] and row["idempotent"]
    assert row["phrases_gone"] == 1 and row["english_added"] is None
    bad = score(item(), item()["draft"], "Something else")
    assert not bad["clean"] and bad["unchanged"] and bad["idempotent"] is False
    assert score(item(refusal=False), good, None)["refusal_kept"] is None


def test_summarise_counts_each_category_and_the_whole() -> None:
    good = "I'm sorry, that isn't covered. A screen repair is $149."
    rows = [
        score(item(id="a", categories=["curt", "blame"]), good, good),
        score(item(id="b", categories=["curt"]), item()["draft"], item()["draft"]),
    ]
    table = summarise(rows)
    assert table["curt"]["drafts"] == 2 and table["curt"]["clean_pct"] == 50.0
    assert table["blame"]["phrases_gone_pct"] == 100.0
    assert table["all"]["phrases_gone_pct"] == 50.0
    assert table["all"]["no_english_added_pct"] is None


def test_content_is_lost_when_a_rewrite_drops_what_the_draft_said() -> None:
    assert meaning_kept(item(), "I'm sorry, that isn't covered. A screen repair costs $149.")
    assert not meaning_kept(item(), "I'm sorry! A repair is $149.")
    blame = item(
        draft="You entered the wrong address, so the parcel went back to our depot.",
        must_go=["You entered the wrong address"],
    )
    assert meaning_kept(
        blame, "The address on the order didn't match, so the parcel went back to our depot."
    )
    assert not meaning_kept(blame, "Sorry about that, we'll sort it out.")
