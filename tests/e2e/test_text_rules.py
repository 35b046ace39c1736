"""Rules of the content scripts' text handling that must hold for every input, checked with
Hypothesis inside Chromium on the extension's own scripts."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Page

from tests.e2e.conftest import EXTENSION, ExtensionBrowser

WORDS = st.sampled_from(["we", "can't", "refund", "order", "48213", "<b>", "&amp;", "Hi", "Sam,",
                         "sorry", "$5.00", "\u00e9t\u00e9", "x"])
SPACES = st.sampled_from([" ", "  ", "\n", "\n\n", "\t"])
TEXT = st.lists(st.tuples(WORDS, SPACES), max_size=25).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)
# Any printable text, markup characters and newlines included (control characters are not
# text an agent types, and the HTML parser rewrites some of them).
ANY_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n<>&\"'/"),
    max_size=200,
)
QUICK = settings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture()
def scripts_page(page: Page, kindly: ExtensionBrowser) -> Page:
    page.set_content("<!doctype html><title>rules</title>")
    for name in ("text_diff.js", "editor_text.js"):
        page.add_script_tag(path=str(EXTENSION / "content" / name))
    return page


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@QUICK
@given(before=TEXT, after=TEXT)
def test_diff_rebuilds_both_texts(scripts_page: Page, before: str, after: str):
    parts = scripts_page.evaluate("([a, b]) => kindly.diffWords(a, b)", [before, after])
    assert "".join(p["text"] for p in parts if p["op"] != "del") == after
    assert squash("".join(p["text"] for p in parts if p["op"] != "add")) == squash(before)


@QUICK
@given(text=ANY_TEXT)
def test_text_pasted_as_html_stays_text(scripts_page: Page, text: str):
    """The HTML put on the clipboard never carries markup from the text itself."""
    parsed = scripts_page.evaluate(
        """text => {
             const box = document.createElement('div');
             box.innerHTML = kindly.editorText.textAsHtml(text);
             const tags = [...box.querySelectorAll('*')].map(n => n.tagName);
             return { tags, text: box.textContent };
           }""",
        text,
    )
    assert set(parsed["tags"]) <= {"P", "BR"}
    assert parsed["text"] == text.replace("\n", "")


def test_replaced_word_at_a_paragraph_end_draws_no_extra_paragraph(scripts_page: Page):
    parts = scripts_page.evaluate(
        "([a, b]) => kindly.diffWords(a, b)",
        ["Pls check your acct.\n\nWe sent it today.", "Please check your account.\n\nWe sent it."],
    )
    shown = "".join(p["text"] for p in parts)  # what the preview draws, struck-out words too
    assert shown.count("\n\n") == 1
    assert {"op": "add", "text": "account.\n\n"} in parts


INLINE = st.sampled_from(["we", "can't", "refund", "order 48213", "$5.00", "&amp;", "x", " ",
                          "\u200b", "\ufeff", "&nbsp;"])
WRAPS = st.sampled_from(["{}", "<b>{}</b>", "<strong>{}</strong>", "<em>{}</em>", "<u>{}</u>",
                         '<a href="https://example.com/a">{}</a>',
                         '<span style="font-weight:700">{}</span>'])
LINE = st.lists(st.tuples(WRAPS, INLINE), min_size=1, max_size=6).map(
    lambda pairs: " ".join(w.format(t) for w, t in pairs))
EDITOR_DOM = st.lists(
    st.one_of(
        LINE.map(lambda line: f"<p>{line}</p>"),
        st.lists(LINE, min_size=1, max_size=3).map(lambda ls: f"<p>{'<br>'.join(ls)}</p>"),
        LINE.map(lambda line: f"<div>{line}</div>"),
        st.just("<div><br></div>"),
        st.just("<p><br></p>"),
    ),
    min_size=1, max_size=5,
).map("".join)


@QUICK
@given(dom=EDITOR_DOM)
def test_the_api_reads_the_same_draft_the_extension_sees(scripts_page: Page, dom: str):
    """What the extension sends as HTML reads, on the API's side, as the text the extension
    compares editors with (same words, same paragraphs), with no invisible characters."""
    from api.facts.marks import read_html

    seen = scripts_page.evaluate(
        """dom => {
             const box = document.createElement('div');
             box.contentEditable = 'true';
             box.innerHTML = dom;
             document.body.replaceChildren(box);
             const read = kindly.editorText;
             return { text: read.readText(box), html: read.readHtml(box) };
           }""",
        dom,
    )
    api_text = read_html(seen["html"]).text
    assert not re.search("[\u200b\ufeff]", api_text + seen["text"])
    paragraphs = [squash(p) for p in re.split(r"\n\s*\n", api_text) if p.strip()]
    assert paragraphs == [squash(p) for p in re.split(r"\n\s*\n", seen["text"]) if p.strip()]
