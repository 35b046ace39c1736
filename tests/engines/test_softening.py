"""The offline engine's sentence rewrites of harsh wording (issue 10), presets that sound
different, and drafts in Spanish, German, French and Portuguese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.engines.offline.engine import OfflineEngine
from api.facts.guard import check_facts
from api.store.presets import default_presets
from api.tone import analyse
from api.types import RewriteJob

ENGINE = OfflineEngine()
PRESETS = default_presets(Path(__file__).resolve().parents[2] / "prompts")


def soften(draft: str, preset: str = "warm", **fields) -> str:
    job = RewriteJob(draft=draft, preset=PRESETS[preset], **fields)
    return ENGINE.rewrite(job).text


@pytest.mark.parametrize(
    ("draft", "gone", "kept"),
    [
        ("Nope, the voucher has expired.", "Nope", "voucher has expired"),
        ("You forgot to attach the invoice.", "You forgot", "invoice"),
        ("You broke the hinge, so it isn't covered.", "You broke", "hinge"),
        ("You typed the postcode wrong, so the parcel bounced.", "You typed", "postcode"),
        ("As I explained before, the plan renews monthly.", "As I explained", "renews monthly"),
        ("Per my last email, the fee is fixed.", "Per my last email", "fee is fixed"),
        ("That's not our problem.", "not our problem", ""),
        ("Ask the airline.", "Ask the airline", "airline"),
        ("Stop calling us about it.", "Stop calling", ""),
        ("We will suspend your account if it happens again.", "We will suspend", "account"),
        ("Be patient, it takes a week.", "Be patient", "takes a week"),
        ("Noted.", "Noted.", ""),
        ("Good luck with the setup.", "Good luck", "setup"),
        ("Restart the router.", "Restart the router.", "restart the router"),
        ("Pls check your acct. We sent it today.", "acct", "account. We sent it today."),
    ],
)
def test_flagged_sentences_are_rewritten_and_keep_their_meaning(draft, gone, kept):
    text = soften(draft)
    assert gone not in text
    assert kept.lower() in text.lower()


def test_a_refusal_stays_a_refusal_with_regret():
    text = soften("No. We don't offer refunds on gift cards.")
    assert "No." not in text
    assert re.search(r"not able to|afraid|can't|aren't", text)
    assert "gift cards" in text


def test_a_second_please_is_never_added_after_an_abbreviation():
    text = soften("Bring ID, e.g. send a passport scan.")
    assert text.lower().count("please") == 1
    assert "e.g. send a passport scan" in text


def test_findings_left_after_the_rewrite_are_what_the_rules_cannot_fix():
    draft = "You forgot to attach the invoice. Stop emailing us. Obviously it's very simple."
    assert analyse(draft, "en")
    assert analyse(soften(draft), "en") == []


# ---------------------------------------------------------------- presets

DRAFT = "We can't refund order 48213 until the warehouse checks the blender. That takes 5 days."


def test_presets_give_visibly_different_rewrites():
    texts = {
        slug: soften(DRAFT, slug, customer_name="Sam Lee", agent_name="Jo") for slug in PRESETS
    }
    assert len(set(texts.values())) == len(texts), texts


def test_formal_drops_contractions_and_casual_openers():
    text = soften(
        "Hey, so your parcel's at customs. You'll get it soon.", "formal", customer_name="Sam Lee"
    )
    assert "You'll" not in text and "You will" in text
    assert "Hey" not in text and ", so" not in text


def test_apologetic_apologises_once_and_early():
    text = soften(DRAFT, "apologetic", customer_name="Sam", agent_name="Jo")
    body = text.split("\n\n")[1]
    assert re.search(r"sorry|apolog", body.split(".")[0], re.IGNORECASE)
    assert len(re.findall(r"\bsorry\b|\bapologi[sz]e\b", text, re.IGNORECASE)) == 1


def test_concise_adds_no_extras():
    warm = soften(DRAFT, "warm", customer_name="Sam", customer_message="This is ridiculous!")
    concise = soften(DRAFT, "concise", customer_name="Sam", customer_message="This is ridiculous!")
    assert len(concise) < len(warm)
    assert "reply" not in concise.lower()  # no help offer


# ---------------------------------------------------------------- other languages

ENGLISH = {
    "the", "you", "your", "we", "hi", "hello", "thanks", "please", "sorry", "help", "best",
    "regards", "unfortunately", "could", "feel",
}


@pytest.mark.parametrize(
    ("draft", "gone"),
    [
        ("No. La garantía no cubre golpes. Deje de escribirnos.", "Deje de escribirnos"),
        ("Nein. Wie bereits erwähnt, dauert das eine Woche.", "Wie bereits erwähnt"),
        ("Non. Ce n'est pas notre problème, voyez avec le transporteur.", "pas notre problème"),
        ("Não. Como eu já expliquei, o prazo é de um mês.", "Como eu já expliquei"),
    ],
)
def test_other_languages_are_softened_without_english(draft, gone):
    fields = {
        "customer_name": "Lea",
        "agent_name": "Jo",
        "customer_message": "Es inaceptable, frustrante, unverschämt, inadmissible!",
    }
    text = soften(draft, **fields)
    assert gone not in text
    assert not ENGLISH & set(re.findall(r"[a-z]+", text.lower()))
    assert text.startswith(("Hola Lea,", "Hallo Lea,", "Bonjour Lea,", "Olá, Lea,"))
    assert text.rstrip().endswith("Jo")
    assert soften(text, **fields) == text


# ---------------------------------------------------------------- properties

HARSH = [
    "Nope, that's not covered.", "You didn't attach the receipt.", "You dropped the phone.",
    "As I said, it ships on {fact}.", "Per my last email, the code is {fact}.",
    "That's not our problem.", "Talk to the seller.", "Stop emailing us.", "Be patient.",
    "We will close your account on {fact}.", "Fine.", "Noted.", "Great, another ticket.",
    "Read the email.", "Send us the form by {fact}.", "Pls check your acct.",
    "It's your fault.", "You should have called us first.", "Obviously it's very simple.",
    "Don't call again.", "You entered the wrong address.", "Denied.", "Whatever.",
]
FACTS = ["12 March 2025", "$42.50", "#A-10293", "https://example.com/t/4471",
         "help@example.com", "order 48213", "3-5 business days"]


@st.composite
def harsh_drafts(draw):
    sentences = draw(st.lists(st.sampled_from(HARSH), min_size=1, max_size=6))
    facts = iter(draw(st.lists(st.sampled_from(FACTS), min_size=6, max_size=6)))
    text = " ".join(s.replace("{fact}", next(facts)) for s in sentences)
    return text


OPTIONS = st.fixed_dictionaries(
    {
        "preset": st.sampled_from(sorted(PRESETS)),
        "channel": st.sampled_from(["email", "chat", "social"]),
        "customer_name": st.sampled_from([None, "Maria", "Sam Lee"]),
        "agent_name": st.sampled_from([None, "Jo"]),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(harsh_drafts(), OPTIONS)
def test_property_softening_harsh_drafts_is_idempotent(draft, options):
    once = soften(draft, **options)
    assert soften(once, **options) == once


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(harsh_drafts(), OPTIONS)
def test_property_harsh_rewrites_keep_every_fact(draft, options):
    text = soften(draft, **options)
    context = [n for n in (options["customer_name"], options["agent_name"]) if n]
    assert check_facts(draft, text, context=context).passed


def test_a_name_the_rule_moves_to_the_front_of_a_clause_keeps_its_capitals():
    from tests.engines.test_offline_engine import soften

    draft = "Disputes go to the seller, so message BrightLeaf Goods about order KL-2209."
    text = soften(draft).text
    assert "BrightLeaf Goods" in text and "KL-2209" in text


# ---------------------------------------------------------------- the sentence-level fallback


def _finding(sentence: str, phrase: str, category: str):
    from api.tone.findings import Finding

    start = sentence.index(phrase)
    return Finding(category, start, start + len(phrase), phrase, sentence, "r", "s")


@pytest.mark.parametrize(
    ("sentence", "phrase", "category", "expected"),
    [
        ("Frankly, the box ships on Monday.", "Frankly", "condescension",
         "The box ships on Monday."),
        ("The box ships on Monday, duh.", "duh", "dismissive", "The box ships on Monday."),
        ("Pfft.", "Pfft", "dismissive", ""),
        ("Nah mate.", "Nah mate", "curt", "I'm sorry, but we aren't able to do that."),
        ("Back off.", "Back off", "threat", "We'll keep working on this with you here."),
        ("Wrong desk.", "Wrong desk", "deflection",
         "Another team handles this part, and I'm happy to point you to them."),
        # Blame has no safe structural rewrite without a rule: left as it is (and reported).
        ("You wrecked the hinge.", "You wrecked", "blame", "You wrecked the hinge."),
        # Mid-sentence condescension is not cut out blindly.
        ("The box, frankly, ships on Monday.", "frankly", "condescension",
         "The box, frankly, ships on Monday."),
    ],
)
def test_fallback_softens_by_category(sentence, phrase, category, expected):
    from api.engines.offline.fallback import soften_flagged

    text, acted = soften_flagged(sentence, [_finding(sentence, phrase, category)], False)
    assert text == expected
    assert bool(acted) == (text != sentence)


def test_fallback_never_replaces_a_sentence_holding_a_fact():
    from api.engines.offline.fallback import soften_flagged

    sentence = "Denied \U000f0000."
    finding = _finding(sentence, "Denied", "curt")
    assert soften_flagged(sentence, [finding], False) == (sentence, [])


def test_what_the_fallback_writes_is_not_flagged_again():
    from api.engines.offline.fallback import WHOLE

    for category, text in WHOLE.items():
        assert analyse(text) == [], category


@pytest.mark.parametrize("preset", ["warm", "formal", "apologetic", "concise", "plain-language"])
@pytest.mark.parametrize(
    "draft",
    [
        "Stop. We went through this twice already. We can't waive the $35 fee.",
        "It looks like the label was printed twice, the courier can only scan one.",
        "Sorry, the voucher ran out on 2 May, you can still use the 10% code.",
        "We have written to you five times this month.\n\nYour refund of $18 left on 4 June.",
    ],
)
def test_every_preset_is_a_fixed_point(preset, draft):
    once = soften(draft, preset)
    assert soften(once, preset) == once


def test_plain_language_splits_a_comma_splice_but_not_a_lead_in():
    text = soften("It looks like the label was printed twice, the courier can only scan one.",
                  "plain-language")
    assert "twice. The courier can only scan one" in text
    assert "Just so you know, the" in soften("FYI, the depot closes at 6pm.", "plain-language")


@pytest.mark.parametrize(
    ("draft", "kept", "never"),
    [
        # "stop" after a subject or modal is a statement, not an order to the customer
        (
            "We reviewed it twice and we'll stop responding if it's reopened.",
            "stop responding",
            "there's no need to responding",
        ),
        # a rule that rewrites a whole sentence keeps its full stop
        ("Another message like this and we'll stop responding.", "this thread.", "thread\n"),
        # a threat clause without a comma keeps its grammar
        (
            "If you keep calling the hotline we'll block your number.",
            "calling the hotline",
            "calling,the",
        ),
        # a record's name followed by its ID is a noun phrase, not a command
        ("Order FD-90113 from Golden Wok, $27.80.", "Order FD-90113 from", "Please order"),
        # a dismissive word replaced at the end of the draft keeps its full stop
        ("That is not covered. Whatever.", "letting us know.", "letting us know\n"),
    ],
)
def test_rewrites_keep_their_grammar(draft: str, kept: str, never: str) -> None:
    rewrite = soften(draft)
    assert kept in rewrite, rewrite
    assert never not in rewrite + "\n", rewrite
