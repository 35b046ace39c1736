"""The generic detectors (api/tone/detectors.py) and their offline rewrites
(api/engines/offline/generic.py): sentence shapes caught whatever the wording, polite phrasing
left alone, rewrites that keep facts and change nothing the second time."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.engines.offline.engine import OfflineEngine
from api.store.presets import default_presets
from api.tone import analyse
from api.tone.detectors import detect
from api.types import RewriteJob

ENGINE = OfflineEngine()
PRESETS = default_presets(Path(__file__).resolve().parents[2] / "prompts")


def soften(draft: str) -> str:
    return ENGINE.rewrite(RewriteJob(draft=draft, preset=PRESETS["warm"])).text


# A sentence in wording made up for this test, the detector kind that must catch it, the
# category it is reported as, and a phrase the rewrite must no longer hold.
CAUGHT = [
    ("Reviewed.", "fragment:drop", "curt", "Reviewed."),
    ("Basic things.", "fragment:drop", "curt", "Basic things."),
    ("Postcode typo.", "fragment:error", "curt", "Postcode typo."),
    ("Screenshot.", "fragment:item", "curt", "Screenshot."),
    ("Junk folder.", "fragment:place", "curt", "Junk folder."),
    ("The manual honestly covers the reset.", "adverb", "condescension", "honestly"),
    ("It was only a tiny dent on the lid.", "only", "dismissive", "only"),
    ("Pairing isn't that tricky.", "ease", "condescension", "tricky"),
    ("Most people figure it out from the menu.", "everyone", "condescension", "figure it out"),
    ("You should have updated the app first.", "should", "condescension", "should have"),
    ("That is just how billing cycles work.", "howitworks", "condescension", "how billing"),
    ("Faded print isn't a big deal on a proof copy.", "bigdeal", "dismissive", "big deal"),
    ("Stuff like this happens.", "happens", "dismissive", "happens"),
    ("Fine scratches, but most owners never notice them.", "notice", "dismissive", "notice"),
    ("Unless the fee is settled we'll suspend the mailbox.", "threat", "threat", "we'll suspend"),
    ("Renew today or the domain gets deactivated.", "threat", "threat", "gets deactivated"),
    ("You clearly booked the wrong departure date.", "wrong", "blame", "You clearly booked"),
    ("The sizing slip is yours.", "yours", "blame", "is yours"),
    ("The delay was your courier's doing.", "doing", "deflection", "courier's doing"),
]


@pytest.mark.parametrize(("sentence", "kind", "category", "gone"), CAUGHT)
def test_each_detector_catches_its_shape_and_the_rewrite_removes_it(
    sentence: str, kind: str, category: str, gone: str
) -> None:
    assert (kind, category) in {(hit.kind, hit.category) for hit in detect(sentence)}
    assert analyse(sentence, "en")  # reported (a listed rule may claim the span first)
    rewrite = soften(sentence)
    assert gone not in rewrite
    assert soften(rewrite) == rewrite


REWRITTEN = [
    ("You should've measured the doorway first.", "It's worth measuring the doorway first"),
    ("Pay the $30 or the account gets blocked.", "so the account isn't blocked"),
    (
        "If the $80 isn't paid by 3 May we will cut off the service.",
        "To avoid the service being cut off, the $80 needs to be paid by 3 May",
    ),
    (
        "You probably scanned the wrong barcode, so it rang up at $4.",
        "the wrong barcode was scanned",
    ),
    ("Screenshot. Then I can check order 4412.", "Could you send us the screenshot?"),
    ("Checked. Parcel 7781 left the depot today.", "Parcel 7781 left the depot today."),
]


@pytest.mark.parametrize(("draft", "expected"), REWRITTEN)
def test_rewrites_say_it_neutrally_and_keep_the_facts(draft: str, expected: str) -> None:
    rewrite = soften(draft)
    assert expected in rewrite
    assert soften(rewrite) == rewrite


def test_dense_acronyms_are_reported_but_never_given_an_invented_meaning() -> None:
    draft = "The MX record lacks a DKIM key, so mail to ops.example.org bounces."
    kinds = [hit.kind for hit in detect(draft)]
    assert kinds.count("jargon") == 2
    assert "DKIM" in soften(draft)  # no expansion is listed: it stays, and is reported


@pytest.mark.parametrize(
    "polite",
    [
        "Thanks.",
        "Kind regards.",
        "Marta Lopez.",
        "Happy holidays!",
        "I'm sorry.",
        "You should have received a confirmation email by now.",
        "Just reply to this email and we'll take it from there.",
        "It's only available in the US for now.",
        "The flight from JFK to LHR leaves at 9.",
        "Please send the PDF to our EU office.",
        "Take your time to think about it.",
        "Yes, of course, happy to help!",
        "It's right here for you whenever you need it.",
        "Is it a big deal for you if we ship on Monday?",
    ],
)
def test_polite_or_plain_lines_get_no_detector_hit(polite: str) -> None:
    assert [hit.kind for hit in detect(polite)] in ([], ["fragment:other"]) and not [
        hit for hit in detect(polite) if hit.kind != "fragment:other"
    ]


# A small grammar of polite support sentences: none may trip a generic detector.
_OPENERS = st.sampled_from(
    [
        "Thank you for your patience",
        "I'm sorry about the wait",
        "Thanks for letting us know",
        "Great question",
        "I'm happy to help",
        "I completely understand",
    ]
)
_ACTIONS = st.sampled_from(
    [
        "I've sent a replacement",
        "we've refunded the charge",
        "I've updated your address",
        "your order is on its way",
        "I've extended your trial",
        "the team is looking into it",
    ]
)
_DETAILS = st.sampled_from(
    [
        "it should arrive by Friday",
        "you'll see it within 5 days",
        "the new date is 3 June",
        "tracking number 88123 has the details",
        "nothing else is needed from you",
        "the confirmation email has a copy",
    ]
)
_CLOSERS = st.sampled_from(
    [
        "Let us know if there's anything else.",
        "Please reply here if you have questions.",
        "Have a lovely day!",
        "We're here if you need us.",
        "Best wishes.",
        "Thanks again!",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_OPENERS, _ACTIONS, _DETAILS, _CLOSERS, st.sampled_from([", and ", ". ", "; "]))
def test_polite_grammar_never_trips_a_detector(
    opener: str, action: str, detail: str, closer: str, joint: str
) -> None:
    text = f"{opener}. {action[:1].upper() + action[1:]}{joint}{detail}. {closer}"
    for sentence in [text, opener + ".", closer]:
        assert detect(sentence) == [], sentence


_FACTS = st.sampled_from(["$120", "55821", "12 August", "REF-4410", "help@shop.example"])
_HARSH = st.sampled_from(
    [
        "If {f} isn't paid by Monday we will suspend the account.",
        "You probably entered the wrong card for {f}.",
        "Honestly, {f} is obviously in the email.",
        "Sorted. {f} is with the courier.",
        "It's just {f}, not worth arguing about.",
        "Everyone knows {f} is on the invoice.",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_HARSH, _FACTS)
def test_detector_rewrites_keep_facts_and_are_idempotent(template: str, fact: str) -> None:
    draft = template.format(f=fact)
    rewrite = soften(draft)
    assert fact in rewrite
    assert soften(rewrite) == rewrite
