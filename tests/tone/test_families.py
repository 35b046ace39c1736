"""The rule families built from word classes (api/tone/families.py): they catch wordings no
listed rule names, leave polite text alone, and the offline engine rewrites what they catch
once and for all."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.engines.offline.engine import OfflineEngine
from api.store.presets import default_presets
from api.tone import analyse
from api.types import RewriteJob

ENGINE = OfflineEngine()
PRESETS = default_presets(Path(__file__).resolve().parents[2] / "prompts")


def soften(draft: str, preset: str = "warm") -> str:
    return ENGINE.rewrite(RewriteJob(draft=draft, preset=PRESETS[preset])).text


# Each: a sentence in wording made up for this test, the category it must be flagged as, and
# a phrase the rewrite must no longer hold.
CAUGHT = [
    ("You never updated the billing address, so the charge failed.", "blame", "You never"),
    ("You let the subscription lapse in May.", "blame", "let the subscription lapse"),
    ("You misspelled the street name on the label.", "blame", "You misspelled"),
    ("You messed up the two bookings again.", "blame", "You messed up"),
    ("That's entirely your mistake, the form said so.", "blame", "your mistake"),
    ("As we previously explained, the code is single use.", "condescension", "As we"),
    ("Like the leaflet literally says, charge it overnight.", "condescension", "Like the"),
    ("For the fourth time, the store opens at nine.", "condescension", "fourth time"),
    ("We have already discussed this several times.", "condescension", "discussed this"),
    ("It's really straightforward: tap Export.", "condescension", "straightforward"),
    ("Go moan to your landlord about it.", "deflection", "moan to"),
    ("That's something for your bank, not us.", "deflection", "not us"),
    ("Not my team.", "deflection", "Not my team"),
    ("Denied.", "curt", "Denied"),
    ("Appeal rejected.", "curt", "Appeal rejected"),
    ("Returns are final, end of story.", "curt", "end of story"),
    ("Any more emails like this and we will stop replying.", "threat", "Any more emails"),
    ("Additional messages about the lamp will be ignored.", "threat", "will be ignored"),
    ("You need to relax before we go on.", "threat", "You need to relax"),
    ("Stop pestering our team.", "threat", "pestering"),
    ("Update your card or we will suspend the plan.", "threat", "we will suspend"),
    ("Suit yourself.", "dismissive", "Suit yourself"),
    ("Yep yep, the courier has it.", "dismissive", "Yep yep"),
    ("Oh great, another ticket about the login page.", "dismissive", "Oh great"),
    ("Anyhow, the voucher is in your inbox.", "dismissive", "Anyhow"),
]

POLITE = [
    "As the invoice shows, the total is the same as last month.",
    "You can use your own bag for the return.",
    "We are all done with the repair.",
    "Could you tell me whether it arrived or not?",
    "I will send it as soon as we can confirm the address.",
    "Sure, I can do that for you.",
    "Great news: your refund is on its way.",
    "Thanks for letting us know about the app.",
    "The courier can help with tracking, and so can we.",
    "I'm happy to go over the steps again.",
]


@pytest.mark.parametrize(("draft", "category", "_gone"), CAUGHT)
def test_a_family_flags_wording_no_listed_rule_names(draft, category, _gone):
    assert category in {f.category for f in analyse(draft)}


@pytest.mark.parametrize(("draft", "_category", "gone"), CAUGHT)
def test_the_engine_rewrites_what_a_family_flags(draft, _category, gone):
    rewrite = soften(draft)
    assert gone.lower() not in rewrite.lower()
    assert soften(rewrite) == rewrite


@pytest.mark.parametrize("draft", POLITE)
def test_polite_sentences_are_not_flagged(draft):
    assert analyse(draft) == []


_PARTS = [text for text, _, _ in CAUGHT] + POLITE
_FACTS = ["order 48213", "$12.40", "3 May", "INV-7781", "jo@example.com"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(_PARTS), min_size=1, max_size=4),
    st.sampled_from(_FACTS),
)
def test_family_rewrites_are_idempotent_and_keep_facts(parts, fact):
    draft = " ".join(parts) + f" The reference is {fact}."
    rewrite = soften(draft)
    assert fact in rewrite
    assert soften(rewrite) == rewrite


# ---------------------------------------------------------------- the analyser's shortcuts

_WORDS_USED = [
    "you", "never", "sent", "the", "form", "as", "I", "said", "obviously", "not", "our",
    "problem", "go", "ask", "your", "bank", "denied", "pls", "check", "ur", "acct", "asap", "FYI",
    "per", "T&Cs", "we", "will", "close", "the", "account", "if", "nobody", "reads", "them",
    "whatever", "fine", "noted", "it's", "simple", "for", "the", "third", "time", "again",
    "that's", "on", "you", "so", "call", "them",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_WORDS_USED), min_size=1, max_size=12))
def test_skipping_rules_by_their_required_words_changes_no_finding(words):
    """The analyser skips a rule when the sentence lacks a word every match needs, and the
    jargon search when no entry's words are all there: the findings are the same as when
    every rule and the jargon table are tried."""
    import dataclasses

    from api.tone import findings as module
    from api.tone.lexicon import load_lexicon
    from api.tone.rules import rule_book

    sentence = " ".join(words).capitalize() + "."
    book = rule_book("en")
    lexicon = load_lexicon()
    every_rule = dataclasses.replace(book, needs=tuple(() for _ in book.rules))
    shortcut = module._hits(sentence, book, lexicon)
    original = module._may_hold_jargon
    module._may_hold_jargon = lambda _lexicon, _present: True
    try:
        full = module._hits.__wrapped__(sentence, every_rule, lexicon)
    finally:
        module._may_hold_jargon = original
    assert shortcut == full
