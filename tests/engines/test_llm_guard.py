"""The guard's rejections as properties over generated drafts: a plain good answer is never
rejected, and each kind of bad answer always is."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from api.engines.llm.guard import Context, guard_problems

NOUNS = ["parcel", "refund", "invoice", "replacement", "account", "voucher", "subscription"]
STATES = ["ready", "delayed", "approved", "active", "on its way", "in our warehouse"]
TAILS = ["since Monday", "for this order", "after the last update", "at the moment", ""]


@st.composite
def sentence(draw) -> str:
    noun, state, tail = (
        draw(st.sampled_from(NOUNS)),
        draw(st.sampled_from(STATES)),
        draw(st.sampled_from(TAILS)),
    )
    return f"The {noun} is {state} {tail}".strip() + "."


drafts = st.lists(sentence(), min_size=2, max_size=5, unique=True).map(" ".join)


def context(
    draft: str, message: str = "Can you tell me what is going on with my order please"
) -> Context:
    return Context(
        action="soften",
        draft=draft,
        customer_message=message,
        names_known=True,
        expected_language="en",
        instructions="Rewrite the draft below as described, keeping every placeholder exactly.",
        customer_name="Ana",
        agent_name="Sam",
    )


def reasons(answer: str, draft: str) -> set[str]:
    return {p.reason for p in guard_problems(answer, context(draft))}


@settings(max_examples=150, deadline=None)
@given(drafts)
def test_a_plain_good_answer_is_never_rejected(draft):
    answer = f"Hi Ana,\n\nThanks for checking in with us. {draft}\n\nBest,\nSam"
    assert reasons(answer, draft) == set()


@settings(max_examples=100, deadline=None)
@given(drafts)
def test_the_draft_as_it_was_is_unchanged(draft):
    assert "unchanged" in reasons(draft, draft)


@settings(max_examples=100, deadline=None)
@given(drafts)
def test_the_draft_twice_is_duplicated(draft):
    assert "duplicated" in reasons(f"Hi Ana,\n\n{draft}\n\n{draft}", draft)


@settings(max_examples=100, deadline=None)
@given(drafts, st.data())
def test_a_not_added_to_a_statement_is_a_flip(draft, data):
    target = data.draw(st.sampled_from(draft.split(". ")))
    flipped = draft.replace(target, target.replace(" is ", " is not ", 1), 1)
    assert "flipped_claim" in reasons(f"Hi Ana,\n\n{flipped}", draft)


@settings(max_examples=100, deadline=None)
@given(drafts, st.sampled_from(["[Your Name]", "[Agent's Name]", "{name}", "{{agent_name}}"]))
def test_a_template_slot_is_caught(draft, slot):
    assert "template_slot" in reasons(f"Hi Ana,\n\n{draft}\n\nBest,\n{slot}", draft)


@settings(max_examples=100, deadline=None)
@given(drafts)
def test_the_customers_words_are_parroted(draft):
    answer = f"Hi Ana,\n\nCan you tell me what is going on with my order? {draft}"
    assert "parroted_customer" in reasons(answer, draft)
