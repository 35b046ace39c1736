"""Placeholders for personal data and facts: found, hidden, restored, and never split while
streaming."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.engines.llm.review import clean
from api.engines.llm.stream import PlaceholderBuffer
from api.facts.redaction import pii_spans, redact

CARDS = ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005", "4012888888881881"]
IBANS = ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "FR1420041010050500013M02606"]
EMAILS = ["ana@example.com", "j.doe+help@mail.example.org"]
PHONES = ["+44 20 7946 0958", "(415) 555-0134"]


def test_cards_need_a_valid_checksum():
    kinds = {span.text: span.kind for span in pii_spans("a 4111 1111 1111 1111 b")}
    assert kinds == {"4111 1111 1111 1111": "card"}
    assert pii_spans("order 4111 1111 1111 1112 is late") == []


def test_ibans_need_a_valid_checksum():
    assert [s.kind for s in pii_spans("IBAN DE89 3704 0044 0532 0130 00.")] == ["iban"]
    assert pii_spans("IBAN DE88 3704 0044 0532 0130 00.") == []


def test_same_value_same_placeholder_across_draft_and_message():
    redacted = redact("Write to ana@example.com.", "I am ana@example.com, card 4111111111111111")
    assert redacted.draft == "Write to ⟦F1⟧."
    assert redacted.customer_message == "I am ⟦F1⟧, card ⟦F2⟧"
    assert redacted.draft_placeholders == ["⟦F1⟧"]
    assert redacted.lost_placeholders("Write soon.") == ["⟦F1⟧"]
    assert redacted.lost_placeholders("Write to ⟦F1⟧ soon.") == []


words = st.lists(
    st.sampled_from(["hello", "we", "sorry", "your", "refund", "is", "on", "its", "way", ".",
                     ",", "\n", "thanks", "order", "card", "email"]),
    max_size=12,
)
secrets = st.sampled_from(CARDS + IBANS + EMAILS + PHONES)


@st.composite
def drafts(draw) -> tuple[str, list[str]]:
    parts, inserted = [], []
    for _ in range(draw(st.integers(1, 4))):
        parts.append(" ".join(draw(words)))
        secret = draw(secrets)
        inserted.append(secret)
        parts.append(secret)
    parts.append(" ".join(draw(words)))
    return " ".join(parts), inserted


@settings(max_examples=200, deadline=None)
@given(drafts(), drafts())
def test_personal_data_never_reaches_the_model_and_always_comes_back(draft, message):
    text, inserted = draft
    customer, inserted_too = message
    redacted = redact(text, customer)
    for secret in inserted + inserted_too:
        assert secret not in redacted.draft
        assert secret not in (redacted.customer_message or "")
    assert redacted.restore(redacted.draft) == text
    assert redacted.restore(redacted.customer_message or "") == customer


@settings(max_examples=300, deadline=None)
@given(drafts(), st.lists(st.integers(1, 30), min_size=1, max_size=40))
def test_streamed_deltas_restore_exactly_and_never_split_a_placeholder(draft, sizes):
    text, _ = draft
    redacted = redact(text)
    masked = redacted.draft
    buffer = PlaceholderBuffer(redacted.restore)
    out, position = [], 0
    for size in sizes:
        piece = masked[position : position + size]
        position += size
        out.append(buffer.feed(piece))
    out.append(buffer.feed(masked[position:]))
    out.append(buffer.flush())
    assert "".join(out) == text.strip()  # the final text is stripped too
    assert not any("⟦" in piece or "⟧" in piece for piece in out)


@settings(max_examples=200, deadline=None)
@given(drafts(), st.lists(st.integers(1, 30), min_size=1, max_size=40), st.booleans())
def test_streamed_deltas_join_to_the_final_cleaning(draft, sizes, invent):
    """Wrapping <draft> tags and placeholders the draft does not have never reach the agent:
    the deltas join to what the final text's cleaning gives."""
    text, _ = draft
    redacted = redact(text)
    extra = " ⟦F97⟧ made up" if invent else ""
    answer = "<draft>\n" + redacted.draft + extra + "\n</draft>\n"
    buffer = PlaceholderBuffer(redacted.restore)
    out, position = [], 0
    for size in sizes:
        out.append(buffer.feed(answer[position : position + size]))
        position += size
    out.append(buffer.feed(answer[position:]))
    out.append(buffer.flush())
    joined = "".join(out)
    assert "<draft>" not in joined and "</draft>" not in joined and "⟦" not in joined
    expected = redacted.restore(clean(answer))
    if invent:
        expected = expected.replace("⟦F97⟧", "")
    assert joined == expected


def test_buffer_lets_a_lone_bracket_through_eventually():
    buffer = PlaceholderBuffer(lambda text: text)
    assert buffer.feed("math ⟦") == "math"
    assert buffer.feed(" not a placeholder at all") == " ⟦ not a placeholder at all"


def test_buffer_holds_a_split_tag_and_drops_it():
    buffer = PlaceholderBuffer(lambda text: text)
    assert buffer.feed("<dra") == ""
    assert buffer.feed("ft>\nHi Ana") == "Hi Ana"
    assert buffer.feed(", a < b") == ", a"  # maybe a tag: held back
    assert buffer.feed(" is fine, really, no tag") == " < b is fine, really, no tag"
    assert buffer.feed("</draft>") == ""
    assert buffer.flush() == ""


@pytest.mark.parametrize("contact", EMAILS + PHONES + CARDS[:1])
def test_contact_details_in_names_are_masked_and_restored(contact):
    redacted = redact(
        "Thanks for writing.", "Help please", names=(f"Ana {contact}", f"Sam <{contact}>")
    )
    assert contact not in (redacted.customer_name or "") + (redacted.agent_name or "")
    assert redacted.customer_name.startswith("Ana ⟦F")
    assert redacted.restore(redacted.customer_name) == f"Ana {contact}"
    assert redacted.restore(redacted.agent_name) == f"Sam <{contact}>"
    # Same value, same placeholder, wherever it appears.
    assert redacted.customer_name.removeprefix("Ana ") in redacted.agent_name


def test_plain_names_pass_unchanged():
    redacted = redact("Hi.", None, names=("Ana Díaz", None))
    assert (redacted.customer_name, redacted.agent_name) == ("Ana Díaz", None)
    assert redacted.mapping == {}
