"""The fact guard: which spans of a draft are facts, and whether a rewrite kept them."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from api.facts.guard import check_facts
from api.facts.placeholders import mask_spans, missing_placeholders, placeholder, unmask
from api.facts.spans import fact_tokens, protected_spans
from api.types import FactCheck, Span


def found(text: str) -> list[tuple[str, str]]:
    return [(span.kind, span.text) for span in protected_spans(text)]


# --- protected_spans: one fact of each kind, inside a realistic support sentence -----------

KIND_CASES = [
    # numbers
    ("number", "We can hold it for 14 days.", "14"),
    ("number", "That is 2.5 times the usual wait.", "2.5"),
    ("number", "About 1,500 customers were affected.", "1,500"),
    ("number", "You'll get 15% off your next box.", "15%"),
    ("number", "This is the 3rd time it happened, I know.", "3rd"),
    ("number", "It's your 21st birthday treat!", "21st"),
    ("number", "We're open 24/7 for urgent issues.", "24/7"),
    ("number", "Delivery takes 3-5 working days.", "3-5"),
    # amounts
    ("amount", "Your refund of $12.50 is on its way.", "$12.50"),
    ("amount", "We charged 12,50 € by mistake.", "12,50 €"),
    ("amount", "A credit of EUR 40 was added.", "EUR 40"),
    ("amount", "The invoice shows USD 1,200.00 in total.", "USD 1,200.00"),
    ("amount", "Postage is £5 for this size.", "£5"),
    ("amount", "It comes to 30 dollars with tax.", "30 dollars"),
    ("amount", "The plan is US$9.99 a month.", "US$9.99"),
    ("amount", "Orders over 50€ ship free.", "50€"),
    ("amount", "Fees are waived up to $2k a year.", "$2k"),
    # dates
    ("date", "It was shipped on 2024-03-05 from our depot.", "2024-03-05"),
    ("date", "Your trial ends 05/03/2024 at midnight.", "05/03/2024"),
    ("date", "Expect it by March 5 at the latest.", "March 5"),
    ("date", "The store reopens 5 March 2024.", "5 March 2024"),
    ("date", "We'll call you on Mar 5th.", "Mar 5th"),
    ("date", "The offer ran until the 5th of March.", "5th of March"),
    ("date", "We received it on March 5, 2024, thank you.", "March 5, 2024"),
    ("date", "The new plan starts in September 2025.", "September 2025"),
    ("date", "Returns opened on 12.03.24 for that batch.", "12.03.24"),
    # times
    ("time", "The engineer arrives at 3:30 pm.", "3:30 pm"),
    ("time", "Maintenance starts at 15:00 sharp.", "15:00"),
    ("time", "Our lines open at 9am tomorrow.", "9am"),
    ("time", "Call back after 6 p.m. please.", "6 p.m."),
    ("time", "The window closes at 10:45 PM EST today.", "10:45 PM EST"),
    # links
    (
        "url",
        "Track it at https://example.com/track?id=88 any time.",
        "https://example.com/track?id=88",
    ),
    ("url", "Read http://help.example.org/a/b first.", "http://help.example.org/a/b"),
    ("url", "Our guide lives at www.example.com/guide now.", "www.example.com/guide"),
    ("url", "See example.com/returns for the form.", "example.com/returns"),
    ("url", "I posted it here: https://t.co/Ab12Cd34 earlier.", "https://t.co/Ab12Cd34"),
    ("url", "Try t.co/xyz instead.", "t.co/xyz"),
    ("url", "Read the docs at docs.shipfast.dev/limits.", "docs.shipfast.dev/limits"),
    ("url", "Status lives at status.acme.zone/incidents now.", "status.acme.zone/incidents"),
    ("url", "Shop at Example.co.uk today.", "Example.co.uk"),
    # emails
    ("email", "Write to support@example.com for a copy.", "support@example.com"),
    (
        "email",
        "Reply to jane.doe+billing@mail.example.co.uk today.",
        "jane.doe+billing@mail.example.co.uk",
    ),
    # phones
    ("phone", "Call us on +1 (555) 010-9999 any time.", "+1 (555) 010-9999"),
    ("phone", "Our desk is 555-010-9999 on weekdays.", "555-010-9999"),
    ("phone", "Ring 020 7946 0000 for the London office.", "020 7946 0000"),
    ("phone", "Dial (555) 010-4477 and press 2.", "(555) 010-4477"),
    ("phone", "Our free line is 1-800-555-0199.", "1-800-555-0199"),
    ("phone", "Reach us at +44 20 7946 0321 from abroad.", "+44 20 7946 0321"),
    # ids and other digit-bearing codes
    ("id", "Your ticket #12345 is with our team.", "#12345"),
    ("id", "Order ORD-2024-001 has shipped.", "ORD-2024-001"),
    ("id", "Use the code AB12CD at checkout.", "AB12CD"),
    ("id", "I've opened case 00123456 for you.", "00123456"),
    ("id", "Flight DL123 is delayed.", "DL123"),
    ("id", "Your order number: 99812 is confirmed.", "99812"),
    ("id", "Update the app to v2.3.1 please.", "v2.3.1"),
    # quotes and code
    ("quote", 'The error says "card declined" each time.', '"card declined"'),
    ("quote", "You wrote “it never arrived” in your note.", "“it never arrived”"),
    ("code", "Run `pip install --upgrade kindly` again.", "`pip install --upgrade kindly`"),
    # handles
    ("mention", "@115712 Sorry to hear that!", "@115712"),
    ("mention", "Please DM @AmazonHelp with the details.", "@AmazonHelp"),
]


@pytest.mark.parametrize(("kind", "sentence", "fact"), KIND_CASES)
def test_finds_each_kind_of_fact(kind: str, sentence: str, fact: str) -> None:
    assert (kind, fact) in found(sentence)


def test_span_offsets_point_at_the_fact() -> None:
    text = "Hi Ana, your refund of $40 for #8812 went out on 2024-03-05."
    for span in protected_spans(text):
        assert text[span.start : span.end] == span.text


def test_blockquote_lines_are_one_quote_span() -> None:
    text = "Thanks for this.\n> My parcel 4411 never came\n>   and nobody called\nWe're on it."
    assert found(text) == [("quote", "> My parcel 4411 never came\n>   and nobody called")]


def test_indented_blockquote_starts_at_the_marker() -> None:
    text = "As you said:\n   > it broke twice\nSorry about that."
    assert found(text) == [("quote", "> it broke twice")]


def test_fenced_code_block_is_one_span() -> None:
    text = "Try this:\n```\ncurl https://api.example.com/v1/orders/77\n```\nthen tell us."
    assert found(text) == [("code", "```\ncurl https://api.example.com/v1/orders/77\n```")]


@pytest.mark.parametrize(
    "sentence",
    [
        "See you on Monday, we'll call you then.",
        "Thanks so much for your patience today, Sam!",
        "We're sorry, the tracking page is down right now.",
        "You may want to restart the app first.",
        "Please send us a DM so we can look into it ASAP.",
        "It should arrive next week, on Friday or Saturday.",
        "This is a known issue, e.g. on older phones.",
        "Sorry.It was our fault.Really.",
        "Sorry.Help is on its way.Shop again soon.",
        "Our site is www.^ down",
    ],
)
def test_plain_words_are_not_facts(sentence: str) -> None:
    assert protected_spans(sentence) == []


def test_hashtags_without_digits_are_not_facts() -> None:
    assert found("Loving the #TeamSpirit, see #A12 for more.") == [("id", "#A12")]


def test_callers_may_change_the_returned_list() -> None:
    text = "Refund $5 today."
    protected_spans(text).clear()
    assert found(text) == [("amount", "$5")]


# --- overlap resolution -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Open https://example.com/orders/2024/55 now.",
            [("url", "https://example.com/orders/2024/55")],
        ),
        ("That's $40.00 back to you.", [("amount", "$40.00")]),
        ("Email help@example.com today.", [("email", "help@example.com")]),
        ("Your code is ORD-2024-03-05.", [("id", "ORD-2024-03-05")]),
        ('She said "refund $40 by 2024-03-05" twice.', [("quote", '"refund $40 by 2024-03-05"')]),
        ("Call +1 (555) 010-9999.", [("phone", "+1 (555) 010-9999")]),
        ("It lands March 5, 2024 in store.", [("date", "March 5, 2024")]),
        ("It's at 10:45 pm tonight.", [("time", "10:45 pm")]),
        ("Use `order 55 --retry` to retry.", [("code", "`order 55 --retry`")]),
    ],
)
def test_longest_and_most_specific_span_wins(sentence: str, expected: list) -> None:
    assert found(sentence) == expected


def test_several_facts_in_one_reply_are_sorted_and_apart() -> None:
    text = (
        "@115712 Hi! Your refund of $12.50 for order ORD-2024-001 went out on March 5. "
        "Questions? Mail help@example.com or see https://example.com/help, ticket #552."
    )
    assert found(text) == [
        ("mention", "@115712"),
        ("amount", "$12.50"),
        ("id", "ORD-2024-001"),
        ("date", "March 5"),
        ("email", "help@example.com"),
        ("url", "https://example.com/help"),
        ("id", "#552"),
    ]
    spans = protected_spans(text)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))


# --- trailing punctuation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "fact"),
    [
        ("Details are at https://example.com/help.", "https://example.com/help"),
        ("Details are at https://example.com/help, sorry.", "https://example.com/help"),
        ("Is it https://example.com/help?", "https://example.com/help"),
        ("(see https://example.com/faq)", "https://example.com/faq"),
        ("(see example.com/faq).", "example.com/faq"),
        (
            "Read https://en.example.org/wiki/Tea_(drink).",
            "https://en.example.org/wiki/Tea_(drink)",
        ),
        ("The total is 42.", "42"),
        ("You paid $40, not $45.", "$40"),
        ("Mail help@example.com.", "help@example.com"),
        ("Your order is ORD-2024-001.", "ORD-2024-001"),
        ("It shipped on 2024-03-05.", "2024-03-05"),
    ],
)
def test_sentence_punctuation_is_not_part_of_the_fact(sentence: str, fact: str) -> None:
    assert fact in [text for _kind, text in found(sentence)]


# --- fact_tokens ----------------------------------------------------------------------------


def test_fact_tokens_are_unique_and_in_order() -> None:
    text = "Order #77 ($5) and order #78 ($5), then #77 again."
    assert fact_tokens(text) == ["#77", "$5", "#78"]


def test_fact_tokens_of_plain_text_is_empty() -> None:
    assert fact_tokens("We're so sorry for the trouble.") == []


# --- check_facts ----------------------------------------------------------------------------

DRAFT = (
    "Your order ORD-2024-001 was refunded $40 on March 5. "
    "Details: https://example.com/refunds or billing@example.com."
)


def test_a_rewrite_that_only_changes_words_passes() -> None:
    rewrite = (
        "Good news: your order ORD-2024-001 was refunded $40 on March 5! "
        "You can find the details at https://example.com/refunds, or just write to "
        "billing@example.com."
    )
    result = check_facts(DRAFT, rewrite)
    assert result.passed
    assert result.facts == fact_tokens(DRAFT)
    assert result.missing == [] and result.invented == []


def test_the_id_inside_a_kept_order_number_is_not_invented() -> None:
    result = check_facts(DRAFT, DRAFT.replace("Your order", "Happily, your order"))
    assert "2024" not in result.invented
    assert result.passed


def test_detects_a_dropped_order_number() -> None:
    result = check_facts(DRAFT, DRAFT.replace("order ORD-2024-001", "order"))
    assert result.missing == ["ORD-2024-001"]
    assert not result.passed


def test_detects_a_changed_amount() -> None:
    result = check_facts(DRAFT, DRAFT.replace("$40", "$45"))
    assert result.missing == ["$40"]
    assert result.invented == ["$45"]


def test_detects_an_invented_refund_amount() -> None:
    draft = "We're looking into the missing parcel and will update you."
    rewrite = "We're looking into the missing parcel and will refund you $25."
    assert check_facts(draft, rewrite).invented == ["$25"]


def test_detects_an_invented_link() -> None:
    rewrite = DRAFT + " You can also check www.example.com/status."
    assert check_facts(DRAFT, rewrite).invented == ["www.example.com/status"]


def test_detects_an_invented_email() -> None:
    rewrite = DRAFT + " Or write to care@example.net."
    assert check_facts(DRAFT, rewrite).invented == ["care@example.net"]


def test_detects_a_changed_date() -> None:
    result = check_facts(DRAFT, DRAFT.replace("March 5", "March 6"))
    assert result.missing == ["March 5"]
    assert result.invented == ["March 6"]


def test_detects_an_invented_phone_number() -> None:
    rewrite = DRAFT + " Call 555-010-2222 if you prefer."
    assert check_facts(DRAFT, rewrite).invented == ["555-010-2222"]


def test_detects_a_changed_handle_and_link_path() -> None:
    draft = "@115712 Please see https://t.co/AbC123 for steps."
    rewrite = "@115713 Please see https://t.co/AbC124 for steps."
    result = check_facts(draft, rewrite)
    assert result.missing == ["@115712", "https://t.co/AbC123"]
    assert result.invented == ["@115713", "https://t.co/AbC124"]


def test_a_number_is_not_found_inside_a_longer_number() -> None:
    assert check_facts("It costs $12.", "It costs $120.").missing == ["$12"]
    assert check_facts("Wait 12 days.", "Wait 12.5 days.").missing == ["12"]
    assert check_facts("Ready at 3 pm.", "Ready at 3:30 pm.").missing == ["3 pm"]


def test_a_number_inside_an_invented_number_is_still_invented() -> None:
    assert check_facts("Pay $12.50 now.", "Pay $12.50 now, or $12 later.").invented == ["$12"]


def test_numbers_from_the_context_are_not_invented() -> None:
    draft = "We're sorry about the late parcel."
    rewrite = "We're sorry your parcel 88213 arrived late."
    assert check_facts(draft, rewrite).invented == ["88213"]
    customer = "My parcel 88213 still hasn't arrived!"
    assert check_facts(draft, rewrite, context=[customer, None, "Sam"]).passed


def test_allowed_strings_may_appear() -> None:
    draft = "Your case is with our team."
    rewrite = "Your case is with our team.\n\nSupport team, open 24/7"
    assert check_facts(draft, rewrite).invented == ["24/7"]
    assert check_facts(draft, rewrite, allowed=["Support team, open 24/7"]).passed


def test_quotes_must_stay_verbatim() -> None:
    draft = 'The app shows "Payment failed (code 17)" when you pay.'
    assert check_facts(draft, draft.replace("Payment failed", "payment failed")).missing == [
        '"Payment failed (code 17)"'
    ]
    assert check_facts(draft, "Sorry! You see " + draft[13:]).passed


def test_multiline_quote_whitespace_is_compared_exactly() -> None:
    draft = "You wrote:\n> it stopped\n>  after the update\nWe'll help."
    assert check_facts(
        draft, "Thanks for writing.\n> it stopped\n>  after the update\nWe will help."
    ).passed
    assert not check_facts(
        draft, "You wrote:\n> it stopped\n> after the update\nWe'll help."
    ).passed


def test_invented_number_inside_a_quote_is_caught() -> None:
    draft = "We got your note and we're on it."
    assert check_facts(draft, 'We got your note "send $50" and we\'re on it.').invented == ["$50"]


def test_names_and_words_are_never_invented() -> None:
    draft = "pls send a DM w/ your acct email asap"
    rewrite = "Hi Sam, could you please send us a direct message with your account email? Thanks!"
    assert check_facts(draft, rewrite, context=["Sam"]).passed


def test_a_reworded_word_glued_to_a_number_is_not_invented() -> None:
    # "5:DM" is not a fact of the draft ("March 5" is); rewording DM must not invent "5:message".
    assert check_facts("See you March 5:DM me then.", "See you March 5:message me then.").passed


def test_a_changed_code_with_a_word_part_is_still_caught() -> None:
    result = check_facts("Your ref is AB12-x.", "Your ref is AB13-x.")
    assert result.missing == ["AB12-x"]
    assert result.invented == ["AB13-x"]


def test_fact_check_is_the_shared_type() -> None:
    result = check_facts("Pay $5.", "Pay $6.")
    assert isinstance(result, FactCheck)
    assert result.as_dict() == {
        "facts": ["$5"],
        "missing": ["$5"],
        "invented": ["$6"],
        "passed": False,
    }


# --- mask_spans / unmask ----------------------------------------------------------------------


def test_mask_replaces_facts_with_numbered_placeholders() -> None:
    text = "Refund $40 for #77, then $40 again for #78."
    masked, mapping = mask_spans(text, protected_spans(text))
    assert masked == "Refund ⟦F1⟧ for ⟦F2⟧, then ⟦F1⟧ again for ⟦F3⟧."
    assert mapping == {"⟦F1⟧": "$40", "⟦F2⟧": "#77", "⟦F3⟧": "#78"}
    assert unmask(masked, mapping) == text


def test_placeholder_format() -> None:
    assert placeholder(12) == "⟦F12⟧"


def test_unmask_after_the_words_around_placeholders_changed() -> None:
    text = "pls pay $40 by March 5"
    masked, mapping = mask_spans(text, protected_spans(text))
    rewritten = masked.replace("pls pay", "Could you please pay") + ". Thank you!"
    assert unmask(rewritten, mapping) == "Could you please pay $40 by March 5. Thank you!"


def test_unmask_tolerates_case_and_inner_space() -> None:
    assert unmask("pay ⟦ f1 ⟧ now", {"⟦F1⟧": "$5"}) == "pay $5 now"


def test_unmask_leaves_unknown_placeholders() -> None:
    assert unmask("keep ⟦F9⟧", {"⟦F1⟧": "$5"}) == "keep ⟦F9⟧"


def test_missing_placeholders_reports_dropped_ones() -> None:
    text = "Refund $40 for #77 on March 5."
    masked, mapping = mask_spans(text, protected_spans(text))
    assert missing_placeholders(masked, mapping) == []
    dropped = masked.replace("for ⟦F2⟧ ", "")
    assert missing_placeholders(dropped, mapping) == ["⟦F2⟧"]


def test_mask_never_reuses_a_placeholder_the_text_already_has() -> None:
    text = "The literal ⟦F1⟧ stays, and $5 is a fact."
    masked, mapping = mask_spans(text, [s for s in protected_spans(text) if s.text == "$5"])
    assert "⟦F1⟧" not in mapping
    assert unmask(masked, mapping) == text


def test_mask_rejects_spans_of_another_text() -> None:
    with pytest.raises(ValueError):
        mask_spans("pay $5", [Span("amount", "$6", 4, 6)])


def test_mask_skips_overlapping_spans() -> None:
    text = "pay $40 now"
    spans = [Span("amount", "$40", 4, 7), Span("number", "40", 5, 7)]
    masked, mapping = mask_spans(text, spans)
    assert masked == "pay ⟦F1⟧ now"
    assert unmask(masked, mapping) == text


# --- properties -----------------------------------------------------------------------------

WORDS = [
    "we",
    "your",
    "order",
    "has",
    "shipped",
    "please",
    "check",
    "the",
    "refund",
    "sorry",
    "for",
    "delay",
    "thanks",
    "team",
    "account",
    "update",
    "soon",
    "will",
    "be",
    "there",
    "today",
    "help",
    "call",
    "email",
    "visit",
    "link",
    "again",
    "really",
    "great",
    "hi",
    "hello",
    "kindly",
    "note",
    "as",
    "per",
    "our",
    "policy",
    "cannot",
    "issue",
    "unfortunately",
]

digits = st.integers(min_value=0, max_value=9999)
small = st.integers(min_value=1, max_value=28)
label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8)
path = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789-_", min_size=1, max_size=10)
months = st.sampled_from(
    [
        "January",
        "February",
        "March",
        "April",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Mar",
        "Sept",
        "Dec",
    ]
)

amounts = st.one_of(
    st.builds(lambda d, c: f"${d}.{c:02d}", digits, st.integers(0, 99)),
    st.builds(lambda d: f"${d}", digits),
    st.builds(lambda d, c: f"{d},{c:02d} €", digits, st.integers(0, 99)),
    st.builds(lambda d: f"EUR {d}", digits),
    st.builds(lambda a, b: f"USD {a},{b:03d}.00", st.integers(1, 999), st.integers(0, 999)),
    st.builds(lambda d: f"£{d}", digits),
)
ids = st.one_of(
    st.builds(lambda y, n: f"ORD-{y}-{n:03d}", st.integers(2000, 2099), st.integers(0, 999)),
    st.builds(lambda n: f"#{n}", st.integers(1, 10**8)),
    st.builds(lambda n: f"DL{n}", st.integers(1, 9999)),
    st.builds(
        lambda a, n, b: f"{a}{n}{b}",
        st.sampled_from(["AB", "XK", "QZ"]),
        st.integers(1, 99),
        st.sampled_from(["CD", "RT", "M"]),
    ),
)
urls = st.one_of(
    st.builds(lambda d, p: f"https://{d}.com/{p}", label, path),
    st.builds(lambda d, p: f"http://www.{d}.org/{p}?id=7", label, path),
    st.builds(lambda d, p: f"{d}.com/{p}", label, path),
    st.builds(lambda p: f"https://t.co/{p}", path),
)
emails = st.builds(lambda user, d: f"{user}@{d}.com", label, label)
dates = st.one_of(
    st.dates().map(lambda d: d.isoformat() if d.year >= 1000 else "2024-01-01"),
    st.builds(lambda m, d: f"{m} {d}", months, small),
    st.builds(lambda d, m, y: f"{d} {m} {y}", small, months, st.integers(1990, 2099)),
    st.builds(
        lambda d, m, y: f"{d:02d}/{m:02d}/{y}", small, st.integers(1, 12), st.integers(1990, 2099)
    ),
)
phones = st.one_of(
    st.builds(lambda n: f"+1 (555) 010-{n:04d}", digits),
    st.builds(lambda n: f"555-010-{n:04d}", digits),
    st.builds(lambda n: f"020 7946 {n:04d}", digits),
)
times = st.one_of(
    st.builds(lambda h, m: f"{h}:{m:02d} pm", st.integers(1, 12), st.integers(0, 59)),
    st.builds(lambda h: f"{h}am", st.integers(1, 12)),
)
quotes = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(
    lambda w: '"' + " ".join(w) + '"'
)
facts_strategy = st.one_of(amounts, ids, urls, emails, dates, phones, times, quotes)


@st.composite
def drafts(draw: st.DrawFn) -> tuple[str, list[tuple[str, int]]]:
    """A draft of random words with random facts between them; returns it and (fact, offset)."""
    facts = draw(st.lists(facts_strategy, min_size=1, max_size=6))
    text = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=4)))
    placed: list[tuple[str, int]] = []
    for fact in facts:
        text += " " if text else ""
        placed.append((fact, len(text)))
        text += fact
        text += draw(st.sampled_from(["", "", ".", ",", "!", "?", ":"]))
        text += " " + " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4)))
    return text, placed


@given(drafts())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_inserted_fact_is_inside_a_protected_span(case: tuple[str, list]) -> None:
    text, placed = case
    spans = protected_spans(text)
    for fact, offset in placed:
        assert any(span.start <= offset and offset + len(fact) <= span.end for span in spans), (
            fact,
            [s.text for s in spans],
        )


@given(drafts())
@settings(max_examples=300, deadline=None)
def test_mask_then_unmask_round_trips_generated_drafts(case: tuple[str, list]) -> None:
    text, _placed = case
    masked, mapping = mask_spans(text, protected_spans(text))
    assert missing_placeholders(masked, mapping) == []
    assert unmask(masked, mapping) == text


@given(drafts())
@settings(max_examples=300, deadline=None)
def test_a_draft_always_passes_against_itself(case: tuple[str, list]) -> None:
    text, _placed = case
    assert check_facts(text, text).passed


@given(drafts(), st.data())
@settings(max_examples=300, deadline=None)
def test_dropping_any_one_fact_is_detected(case: tuple[str, list], data: st.DataObject) -> None:
    text, placed = case
    fact, offset = data.draw(st.sampled_from(placed))
    rewrite = text[:offset] + text[offset + len(fact) :]
    assume(fact not in rewrite)  # the same fact may have been placed twice
    result = check_facts(text, rewrite)
    assert not result.passed
    assert any(fact in missing for missing in result.missing), result


@given(drafts(), st.data())
@settings(max_examples=200, deadline=None)
def test_changing_a_digit_of_a_fact_is_detected(
    case: tuple[str, list], data: st.DataObject
) -> None:
    text, placed = case
    fact, offset = data.draw(st.sampled_from(placed))
    positions = [i for i, char in enumerate(fact) if char.isdigit()]
    assume(positions)
    i = data.draw(st.sampled_from(positions))
    changed = fact[:i] + str((int(fact[i]) + 1) % 10) + fact[i + 1 :]
    rewrite = text[:offset] + changed + text[offset + len(fact) :]
    assume(fact not in rewrite)
    # A changed value the draft already states elsewhere ("$9.00" -> "$0.00" next to a
    # "$0.00") is dropped but not invented.
    assume(changed not in text)
    result = check_facts(text, rewrite)
    assert result.missing and result.invented, result


# Any text at all: these are what make the guard safe to run on whatever an agent typed.
any_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("0123456789 .,:-/#@$€£\"'`>\n()[]⟦⟧Ff_%+")),
        st.characters(codec="utf-8"),
    ),
    max_size=80,
)


@given(any_text)
@settings(max_examples=300, deadline=None)
@example("1,2:3")
@example("⟦F1⟧ costs $5")
@example("⟦ F1 ⟧ and ⟦F01⟧ 7")
def test_spans_of_any_text_are_sorted_disjoint_and_exact(text: str) -> None:
    spans = protected_spans(text)
    for span in spans:
        assert text[span.start : span.end] == span.text and span.text
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))


@given(any_text)
@settings(max_examples=300, deadline=None)
def test_every_digit_of_any_text_is_in_a_span(text: str) -> None:
    covered = set()
    for span in protected_spans(text):
        covered.update(range(span.start, span.end))
    assert all(i in covered for i, char in enumerate(text) if "0" <= char <= "9")


@given(any_text)
@settings(max_examples=300, deadline=None)
@example("1,2:3")
@example("5é and 7.")
def test_any_text_passes_against_itself(text: str) -> None:
    assert check_facts(text, text).passed


@given(any_text)
@settings(max_examples=300, deadline=None)
@example("⟦F1⟧ costs $5")
@example("⟦ F1 ⟧ and ⟦f01⟧ 7")
def test_mask_then_unmask_round_trips_any_text(text: str) -> None:
    masked, mapping = mask_spans(text, protected_spans(text))
    assert missing_placeholders(masked, mapping) == []
    assert unmask(masked, mapping) == text
