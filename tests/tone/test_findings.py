"""The tone analyser: categories, spans, reasons, summary, languages, and its rule index."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.tone import Finding, analyse
from api.tone import rules as rules_module
from api.tone.findings import counts, describe, summary
from api.tone.rules import CATEGORIES, rule_book
from api.tone.sentences import sentence_spans, split_sentences


@pytest.mark.parametrize(
    ("sentence", "category"),
    [
        ("Nope, the voucher has expired.", "curt"),
        ("Denied.", "curt"),
        ("You forgot to attach the invoice.", "blame"),
        ("You typed the postcode wrong, so the parcel bounced.", "blame"),
        ("As I explained before, the plan renews monthly.", "condescension"),
        ("Obviously the battery needs charging first.", "condescension"),
        ("That's not our problem.", "deflection"),
        ("Ask the airline.", "deflection"),
        ("Stop calling us about it.", "threat"),
        ("We will suspend your account if it happens again.", "threat"),
        ("Noted.", "dismissive"),
        ("Great, another question about passwords.", "dismissive"),
        ("Restart the router.", "command"),
        ("Pls send the receipt.", "jargon"),
    ],
)
def test_each_category_is_found(sentence, category):
    found = analyse(sentence, "en")
    assert category in {f.category for f in found}, found


@pytest.mark.parametrize(
    "sentence",
    [
        "Thanks for your patience, we have sent the replacement.",
        "Return shipping is free for every order.",
        "I'm sorry for the wait; your refund is on its way.",
        "Could you send us a photo of the label?",
        "Please restart the router and let me know how it goes.",
        "You should have received a confirmation email by now.",
    ],
)
def test_kind_sentences_have_no_findings(sentence):
    assert analyse(sentence, "en") == []


def test_a_finding_points_at_its_phrase_and_sentence():
    text = "Hello Ana. You forgot to attach the invoice. Thanks!"
    (finding,) = analyse(text, "en")
    assert isinstance(finding, Finding)
    assert text[finding.start : finding.end] == finding.text
    assert finding.sentence == "You forgot to attach the invoice."
    assert finding.reason and finding.suggestion
    assert set(finding.as_dict()) == {
        "category", "start", "end", "text", "sentence", "reason", "suggestion"
    }


def test_nothing_inside_a_link_is_a_finding():
    assert analyse("See https://example.com/stop-calling-us for details.", "en") == []


def test_counts_and_summary():
    text = "You didn't sign the form. You forgot to pay the fee. Stop emailing us."
    found = analyse(text, "en")
    assert counts(found) == {"blame": 2, "threat": 1}
    assert summary(found) == "2 sentences may sound blaming; 1 more needs a look"
    assert summary([]) == "No harsh wording found."
    assert describe(found[0]) == "the sentence 'You didn't sign the form.' may sound blaming"


@pytest.mark.parametrize(
    ("language", "draft", "category"),
    [
        ("es", "Como ya le expliqué, el plazo es de un mes.", "condescension"),
        ("es", "Deje de llamarnos, por favor.", "threat"),
        ("de", "Das ist nicht unser Problem.", "deflection"),
        ("de", "Wie bereits erwähnt, dauert das eine Woche.", "condescension"),
        ("fr", "Ce n'est pas notre problème.", "deflection"),
        ("fr", "Arrêtez de nous écrire.", "threat"),
        ("pt", "Como eu já expliquei, o prazo é de um mês.", "condescension"),
        ("pt", "Não é problema nosso.", "deflection"),
    ],
)
def test_spanish_german_french_and_portuguese_rules(language, draft, category):
    assert category in {f.category for f in analyse(draft, language)}


def test_a_language_without_rules_has_no_findings():
    assert analyse("Nope. Read the email.", "ja") == []
    assert rule_book("ja") is None


def test_every_rule_has_a_known_category_and_a_reason():
    for language in rules_module.LANGUAGES:
        book = rule_book(language)
        assert book is not None
        for rule in book.rules:
            assert rule.category in CATEGORIES
            assert rule.reason and rule.suggestion


def test_sentences_do_not_end_after_abbreviations():
    assert split_sentences("Bring ID, e.g. a passport. Thanks.") == [
        "Bring ID, e.g. a passport. ",
        "Thanks.",
    ]
    text = "One. Two!\nThree?"
    assert [text[a:b] for a, b in sentence_spans(text)] == ["One.", "Two!", "Three?"]


# The index that picks which rules a sentence can match must never hide a match.
_FRAGMENTS = [
    "you", "didn't", "did not", "never", "forgot to", "attach", "the", "receipt", "your",
    "we", "will", "close", "account", "stop", "emailing", "us", "as", "I", "said", "told",
    "obviously", "it's", "very", "simple", "not", "our", "problem", "ask", "seller", "nope",
    "no", "fine", "noted", "great", "another", "be", "patient", "calm", "down", "pls", "acct",
    "read", "email", "again", "for", "third", "time", "because", "dropped", "phone", "wrong",
    "entered", "address", "good", "luck", "whatever", "per", "my", "last", "that's", "on",
    "can't", "help", "with", "this", "should", "have", "contacted", "first", "were", "warned",
]
_SEPARATORS = [" ", " ", " ", ", ", ". ", "! "]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_FRAGMENTS), st.sampled_from(_SEPARATORS)),
        min_size=1,
        max_size=14,
    ),
    st.booleans(),
)
def test_property_the_rule_index_never_hides_a_match(parts, capital):
    text = "".join(word + sep for word, sep in parts).strip()
    if capital:
        text = text[:1].upper() + text[1:]
    book = rule_book("en")
    words = re.findall(r"[^\W\d_]+", text.lower())
    tried = set(book.candidates(words))
    for index, rule in enumerate(book.rules):
        if rule.pattern.search(text):
            assert index in tried, (rule.pattern.pattern, text)


@pytest.mark.parametrize(
    "text",
    ["Order 1 shipped.", "Order 48213 was refunded on Monday.", "Return 7 arrived yesterday."],
)
def test_a_noun_and_its_number_then_what_happened_is_no_command(text):
    assert not [f for f in analyse(text) if f.category == "command"]


@pytest.mark.parametrize("text", ["Return 2 items today.", "Send 3 photos."])
def test_a_verb_and_a_number_of_things_is_a_command(text):
    assert [f.category for f in analyse(text)] == ["command"]
