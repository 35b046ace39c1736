"""The live tone indicator: a debounced POST /v1/tone as the agent types, a small badge that
says what it found, and a click that shows the flagged sentences and why."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import GENERIC_ORIGIN, ExtensionBrowser
from tests.e2e.steps import panel, soften_button, wait_for_editor, watch_api

DRAFT = "You entered the wrong address. As I said, the parcel went back. Order 4512 is paid."
FIRST = "You entered the wrong address."
SECOND = "As I said, the parcel went back."
# The /v1/tone contract: {"findings": [{category, start, end, text, sentence, reason,
# suggestion}], "counts": {category: n}, "summary": str}.
ANSWER = {
    "findings": [
        {"category": "blame", "start": 0, "end": 17, "text": "You entered the wrong",
         "sentence": FIRST, "reason": "It puts the fault on the customer.",
         "suggestion": "The address on the order was…"},
        {"category": "blame", "start": 31, "end": 40, "text": "As I said",
         "sentence": SECOND, "reason": "It reminds them they were told before.",
         "suggestion": "Leave it out."},
    ],
    "counts": {"blame": 2},
    "summary": "2 sentences may sound blaming",
}


def open_textarea(page: Page) -> None:
    page.goto(f"{GENERIC_ORIGIN}/textarea.html")
    wait_for_editor(page)
    expect(soften_button(page)).to_have_count(1)


def test_badge_appears_after_a_pause_and_explains_itself(page: Page, kindly: ExtensionBrowser):
    seen: list[dict] = []

    def answer(route: Route) -> None:
        seen.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(status=200, body=json.dumps(ANSWER), content_type="application/json")

    url = f"{kindly.api.url}/v1/tone"
    kindly.context.route(url, answer)
    try:
        open_textarea(page)
        page.get_by_role("textbox", name="Reply").click()
        page.keyboard.type(DRAFT)
        badge = page.get_by_role("button", name="2 sentences may sound blaming")
        expect(badge).to_be_visible(timeout=5000)
        # One check per pause, not one per keystroke, with exactly the draft.
        assert 1 <= len(seen) <= 2 and seen[-1] == {"draft": DRAFT}
        badge.click()
        box = panel(page)
        expect(box.get_by_role("status")).to_have_text("2 sentences may sound blaming")
        marks = box.get_by_label("Your draft").locator("mark")
        expect(marks).to_have_text([FIRST, SECOND])
        findings = box.get_by_role("list", name="Tone findings")
        expect(findings).to_contain_text("It puts the fault on the customer.")
        expect(findings).to_contain_text("Leave it out.")
        # From there, the usual rewrite preview (the real API).
        with watch_api(kindly.context, kindly.api.url) as calls:
            box.get_by_role("button", name="Soften reply").click()
            expect(box.get_by_role("button", name="Accept")).to_be_visible(timeout=15000)
        assert calls.rewrites[0]["draft"] == DRAFT
        # Clearing the draft clears the badge.
        page.get_by_role("textbox", name="Reply").fill("")
        page.get_by_role("textbox", name="Reply").press("Backspace")
        expect(badge).to_be_hidden(timeout=5000)
    finally:
        kindly.context.unroute(url, answer)


def test_no_badge_for_a_kind_draft(page: Page, kindly: ExtensionBrowser):
    """Against the real API (which may not have /v1/tone yet: then nothing is shown either)."""
    open_textarea(page)
    page.get_by_role("textbox", name="Reply").click()
    page.keyboard.type("Thanks for your patience: order 4512 ships on 3 May.")
    page.wait_for_timeout(1500)
    expect(page.get_by_role("button", name=re.compile("may sound"))).to_have_count(0)


def test_turned_off_in_the_options_nothing_is_sent(page: Page, kindly: ExtensionBrowser):
    seen: list[str] = []

    def answer(route: Route) -> None:
        seen.append(route.request.post_data or "")
        route.fulfill(status=200, body=json.dumps(ANSWER), content_type="application/json")

    url = f"{kindly.api.url}/v1/tone"
    kindly.context.route(url, answer)
    try:
        page.goto(kindly.options_url())
        expect(page.get_by_label("Check the tone while I type")).to_be_checked()
        page.get_by_label("Check the tone while I type").uncheck()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status")).to_contain_text("The key works")
        open_textarea(page)
        page.get_by_role("textbox", name="Reply").click()
        page.keyboard.type(DRAFT)
        page.wait_for_timeout(1500)
        expect(page.get_by_role("button", name=re.compile("may sound"))).to_have_count(0)
        assert seen == []
    finally:
        kindly.context.unroute(url, answer)
