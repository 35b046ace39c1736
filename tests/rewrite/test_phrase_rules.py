"""Banned and required phrases are enforced on the rewrite itself, never at a fact's expense."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from api.facts.guard import check_facts
from api.facts.spans import protected_spans
from api.rewrite.phrase_rules import (
    BANNED_RULE,
    REQUIRED_RULE,
    add_required,
    apply_phrase_rules,
    phrase_pattern,
    remove_banned,
)
from api.types import EngineResult, RewriteJob


def _removed(text: str, *banned: str, keep: tuple[str, ...] = ()) -> str:
    return remove_banned(text, list(banned), keep)[0]


def test_removes_a_phrase_that_opens_a_sentence_and_recapitalises():
    assert _removed("Unfortunately, we can't refund it.", "unfortunately") == (
        "We can't refund it."
    )
    assert _removed("Hi Ana,\n\nunfortunately we can't.", "Unfortunately") == (
        "Hi Ana,\n\nWe can't."
    )


def test_removes_mid_sentence_phrases_and_mends_the_commas():
    assert _removed("We are, unfortunately, unable to.", "unfortunately") == "We are, unable to."
    assert _removed("We can't do that unfortunately.", "unfortunately") == "We can't do that."
    assert _removed("I think obviously we can.", "obviously") == "I think we can."


def test_removes_a_whole_banned_sentence():
    assert _removed("Done. As per policy. Next step.", "as per policy") == "Done. Next step."


def test_matches_whole_words_case_insensitively_and_across_spaces():
    assert _removed("NO WORRIES, it's fixed.", "no worries") == "It's fixed."
    assert _removed("no   worries, fixed.", "no worries") == "Fixed."
    # "sorry" inside another word is not the banned word
    assert _removed("The sorryness index.", "sorry") == "The sorryness index."


def test_never_touches_facts_glossary_terms_or_names():
    text = "Write to sorry@example.com about order SORRY-1234."
    assert _removed(text, "sorry") == text
    assert _removed("Our Sorry Box ships today.", "sorry", keep=("Sorry Box",)) == (
        "Our Sorry Box ships today."
    )


def test_longest_phrase_wins_and_joined_words_are_caught_again():
    text = "We regret to inform you that it shipped."
    assert _removed(text, "regret", "we regret to inform you that") == "It shipped."
    # removing "really" joins "not" and "possible" into the banned "not possible"
    assert _removed("That is not really possible today.", "really", "not possible") == (
        "That is today."
    )


def test_required_phrases_go_before_the_signoff_or_at_the_end():
    text = "Hi Ana,\n\nYour refund is on its way.\n\nBest,\nSam"
    out, added = add_required(text, ["Reply any time."], "Best,\nSam")
    assert added == ["Reply any time."]
    assert out == "Hi Ana,\n\nYour refund is on its way.\n\nReply any time.\n\nBest,\nSam"
    out, added = add_required("Refund sent.", ["Thanks for waiting!"], "")
    assert out == "Refund sent. Thanks for waiting!"
    out, added = add_required("Refund sent. THANKS for waiting!", ["Thanks for waiting!"], "")
    assert added == [] and out == "Refund sent. THANKS for waiting!"


def test_apply_reports_changes_and_rules():
    job = RewriteJob(
        draft="x",
        agent_name="Sam",
        preset={
            "banned_phrases": ["unfortunately"],
            "required_phrases": ["Reply any time."],
            "signoff": "Best,\n{agent_name}",
        },
    )
    result = EngineResult(
        text="Hi Ana,\n\nUnfortunately, it is late.\n\nBest,\nSam",
        engine="offline",
        model="rules",
        changes=["Greeted by name."],
    )
    out = apply_phrase_rules(result, job)
    assert out.text == "Hi Ana,\n\nIt is late.\n\nReply any time.\n\nBest,\nSam"
    assert out.changes[0] == "Greeted by name."
    assert any("unfortunately" in c for c in out.changes)
    assert any("Reply any time." in c for c in out.changes)
    assert out.rules == [BANNED_RULE, REQUIRED_RULE]


def test_no_rules_means_the_same_result():
    result = EngineResult(text="Hi.", engine="offline", model="rules")
    assert apply_phrase_rules(result, RewriteJob(draft="Hi.", preset={})) is result


# --- rules that hold for every input -------------------------------------------------------

WORDS = ["sorry", "unfortunately", "as per", "policy", "we", "can", "refund", "order", "kindly"]
word_text = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.sampled_from([",", ".", "!", "\n", "\n\n", "$12.50", "#4471", "3 June", "a@b.io"]),
        st.text(alphabet="abcdefgh SORY", min_size=1, max_size=8),
    ),
    max_size=30,
).map(lambda parts: " ".join(parts))
phrases = st.lists(st.sampled_from(["sorry", "unfortunately", "as per policy", "kindly", "we can"]),
                   min_size=1, max_size=3, unique=True)


def _unprotected_hits(text: str, banned: list[str]) -> list[str]:
    spans = protected_spans(text)
    hits = []
    for phrase in banned:
        for m in phrase_pattern(phrase).finditer(text):
            if not any(s.start < m.end() and m.start() < s.end for s in spans):
                hits.append(m.group())
    return hits


@settings(max_examples=300, deadline=None)
@given(text=word_text, banned=phrases)
def test_every_fact_survives_and_no_banned_phrase_is_left(text, banned):
    out, removed, warnings = remove_banned(text, banned)
    assert check_facts(text, out).passed
    if not warnings:
        assert _unprotected_hits(out, banned) == []
    assert remove_banned(out, banned)[0] == out  # idempotent


@settings(max_examples=200, deadline=None)
@given(text=word_text, required=st.lists(st.sampled_from(["Reply any time.", "Thank you!"]),
                                         unique=True, max_size=2))
def test_every_required_phrase_is_present_and_facts_stay(text, required):
    out, _ = add_required(text, required, "")
    assert check_facts(text, out, allowed=required).passed
    for phrase in required:
        assert re.search(re.escape(phrase), out, re.IGNORECASE) or phrase.casefold() in " ".join(
            out.casefold().split()
        )
