"""The extension on a site the user turned on, against the real ProseMirror, Lexical and
CKEditor 5 libraries and a plain textarea: button, preview, Accept, Undo, the editor's own
undo, errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import GENERIC_ORIGIN, ExtensionBrowser
from tests.e2e.steps import (
    accept,
    answer_with,
    editor_text,
    panel,
    rewrite_text,
    soften_and_wait,
    soften_button,
    undo,
    wait_for_editor,
    watch_api,
)

DRAFT = (
    "Your refund of $42.50 for order 55190 was rejected because the form was filled in wrong. "
    "Resubmit it before 12 March.\n\nRegards"
)


def open_editor(page: Page, name: str, draft: str) -> None:
    page.goto(f"{GENERIC_ORIGIN}/{name}.html")
    wait_for_editor(page)
    page.evaluate("text => window.editorApi.setText(text)", draft)
    wait_for_editor(page)
    expect(soften_button(page)).to_have_count(1)


@pytest.mark.parametrize("editor", ["prosemirror", "lexical", "ckeditor", "textarea"])
def test_soften_accept_undo_in_real_editor(page: Page, kindly: ExtensionBrowser, editor: str):
    draft = f"{DRAFT} ({editor})"
    open_editor(page, editor, draft)

    # Re-rendering the editor replaces its element: still exactly one button.
    page.evaluate("window.editorApi.rerender()")
    wait_for_editor(page)
    expect(soften_button(page)).to_have_count(1)
    assert editor_text(page) == draft

    with watch_api(kindly.context, kindly.api.url) as calls:
        miss_ms = soften_and_wait(page)
        rewrite = rewrite_text(page)
        assert "$42.50" in rewrite and "55190" in rewrite and "12 March" in rewrite
        assert editor_text(page) == draft, "the draft changed before Accept"
        expect(panel(page)).to_contain_text("Fact check")

        accept(page)
        assert editor_text(page) == rewrite

        undo(page)
        assert editor_text(page) == draft

        # Same draft again: served from the API's cache.
        panel(page).get_by_role("button", name="Close").click()
        hit_ms = soften_and_wait(page)
        expect(panel(page)).to_contain_text("from cache")
        accept(page)
        assert editor_text(page) == rewrite

    # The agent presses the editor's own undo shortcut: the editor's history has our change.
    panel(page).get_by_role("button", name="Close").click()
    page.keyboard.press("Control+z")
    page.wait_for_function("d => window.editorApi.getText() === d", arg=draft, timeout=3000)

    print(f"\n[timing] {editor}: click to preview {miss_ms:.0f} ms on a cache miss, "
          f"{hit_ms:.0f} ms on a cache hit")
    assert [c["draft"] for c in calls.rewrites] == [draft, draft]
    assert calls.rewrites[0]["agent_name"] == "Alex"


@pytest.mark.parametrize("editor", ["prosemirror", "lexical", "ckeditor"])
def test_failed_rewrite_leaves_the_editor_untouched(page: Page, kindly: ExtensionBrowser,
                                                     editor: str):
    url = f"{kindly.api.url}/v1/rewrite"
    handler = answer_with(429, {"code": 429, "status": "Too Many Requests", "message": "slow"},
                          {"Retry-After": "12"})
    kindly.context.route(url, handler)
    try:
        draft = f"{DRAFT} (limited, {editor})"
        open_editor(page, editor, draft)
        soften_button(page).click()
        expect(panel(page).get_by_role("alert")).to_contain_text("Try again in 12 seconds")
    finally:
        kindly.context.unroute(url, handler)
    assert editor_text(page) == draft


def test_click_to_preview_time(page: Page, kindly: ExtensionBrowser):
    """Prints click-to-preview times (median of five) on cache misses and hits; no assertion
    on timings, which depend on the machine."""
    open_editor(page, "prosemirror", "placeholder")
    misses, hits = [], []
    for n in range(5):
        draft = f"Order {7100 + n} was delayed by our courier. It arrives on {n + 2} June."
        page.evaluate("text => window.editorApi.setText(text)", draft)
        misses.append(soften_and_wait(page))
        panel(page).get_by_role("button", name="Cancel").click()
        hits.append(soften_and_wait(page))
        panel(page).get_by_role("button", name="Cancel").click()
    misses.sort()
    hits.sort()
    print(f"\n[timing] click to preview, median of 5 (min-max): cache miss {misses[2]:.0f} ms "
          f"({misses[0]:.0f}-{misses[-1]:.0f}), cache hit {hits[2]:.0f} ms "
          f"({hits[0]:.0f}-{hits[-1]:.0f})")
