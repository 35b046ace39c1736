"""Gmail and Zendesk fixtures served at their real URLs, so the manifest's own matches inject
the content scripts: the adapters find the reply editor, the customer and their last message."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from api.facts.marks import read_html
from tests.e2e.conftest import GMAIL_URL, REPO, ZENDESK_URL, ExtensionBrowser
from tests.e2e.steps import (
    accept,
    editor_text,
    panel,
    rewrite_text,
    soften_and_wait,
    soften_button,
    undo,
    wait_for_editor,
    wait_until,
    watch_api,
)

SCREENSHOT = REPO / "docs" / "extension-preview.png"


def gmail_body(page: Page):
    return page.get_by_role("textbox", name="Message Body")


def type_gmail_draft(page: Page, text: str) -> None:
    # The reply opens with empty lines above the signature; the agent writes on the first.
    gmail_body(page).locator("div").first.click()
    page.keyboard.type(text)


def test_gmail_reply_softened_with_thread_context(page: Page, kindly: ExtensionBrowser):
    page.goto(GMAIL_URL)
    expect(soften_button(page)).to_have_count(1)
    page.evaluate("window.gmailFixture.rerender()")
    expect(soften_button(page)).to_have_count(1)
    draft = "We can't refund order 48213 until the warehouse checks the blender. That takes 5 days."
    # The agent types the draft and makes its last sentence bold with the browser's Ctrl+B.
    type_gmail_draft(page, draft.removesuffix("That takes 5 days."))
    page.keyboard.press("Control+b")
    page.keyboard.type("That takes 5 days.")
    page.keyboard.press("Control+b")
    original_html = gmail_body(page).inner_html()

    with watch_api(kindly.context, kindly.api.url) as calls:
        soften_and_wait(page)
    sent = calls.rewrites[0]
    assert sent["format"] == "html"
    # The signature is not part of the draft; the bold run is.
    assert read_html(sent["draft"]).text == draft
    assert [(m.kind, draft[m.start : m.end]) for m in read_html(sent["draft"]).marks] == [
        ("bold", "That takes 5 days.")]
    assert sent["customer_name"] == "Priya Natarajan"
    last_message = "It has been another week. Where is my refund for order 48213?"
    assert sent["customer_message"] == last_message
    assert sent["channel"] == "email"

    preview = panel(page)
    expect(preview).to_contain_text("What changed")
    expect(preview).to_contain_text("facts kept")
    expect(preview.get_by_role("table", name="Scores before and after")).to_be_visible()
    expect(preview.locator("ins").first).to_be_visible()
    # The preview draws the rewrite's bold run on its words.
    expect(preview.get_by_label("Rewrite", exact=True).locator("strong")).to_have_text(
        "That takes 5 days.")
    rewrite = rewrite_text(page)
    assert "48213" in rewrite and "5 days" in rewrite
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    preview.get_by_role("button", name="Accept").click()
    expect(preview.get_by_role("button", name="Undo")).to_be_visible()
    body = gmail_body(page)
    assert " ".join(body.inner_text().split()).startswith(" ".join(rewrite.split()))
    expect(body.locator(".gmail_signature")).to_have_text("Alex | Acme Support")
    expect(body.locator("b, strong")).to_have_text("That takes 5 days.")

    preview.get_by_role("button", name="Undo").click()
    expect(preview).to_contain_text("Your draft is back")
    assert body.inner_html() == original_html


def test_gmail_feedback_reports_the_edited_text_sent(page: Page, kindly: ExtensionBrowser):
    page.goto(GMAIL_URL)
    type_gmail_draft(page, "Order 48213 is refunded on 3 May. Nothing more we can do.")
    with watch_api(kindly.context, kindly.api.url) as calls:
        soften_and_wait(page)
        accept(page)
        gmail_body(page).locator("div").first.click()
        page.keyboard.press("End")
        page.keyboard.type(" Thanks!")
        page.get_by_role("button", name="Send").click()  # Gmail closes the compose box
        wait_until(page, lambda: calls.feedback, "feedback to reach the API")
    rewrite_id, body, status = calls.feedback[0]
    assert body["outcome"] == "edited"
    assert "Thanks!" in body["sent_text"] and "48213" in body["sent_text"]
    assert status < 300, f"the API answered {status} to the feedback"
    assert rewrite_id


def test_gmail_cancel_reports_rejected_and_keeps_draft(page: Page, kindly: ExtensionBrowser):
    page.goto(GMAIL_URL)
    draft = "Your order 48213 ships on 9 June."
    type_gmail_draft(page, draft)
    with watch_api(kindly.context, kindly.api.url) as calls:
        soften_and_wait(page)
        panel(page).get_by_role("button", name="Cancel").click()
        wait_until(page, lambda: calls.feedback, "rejected feedback")
    assert calls.feedback[0][1] == {"outcome": "rejected"}
    expect(panel(page)).to_be_hidden()
    assert gmail_body(page).inner_text().startswith(draft)


def test_zendesk_composer_in_ckeditor(page: Page, kindly: ExtensionBrowser):
    page.goto(ZENDESK_URL)
    wait_for_editor(page)
    composer = page.locator('[data-test-id="omnicomposer-rich-text-ckeditor"]')
    expect(composer).to_have_count(1)
    expect(soften_button(page)).to_have_count(1)
    page.evaluate("window.editorApi.rerender()")
    wait_for_editor(page)
    expect(soften_button(page)).to_have_count(1)

    composer.click()
    page.keyboard.type("Replacement for order 7731 can ship Thursday if you confirm the address.")
    draft = editor_text(page)
    with watch_api(kindly.context, kindly.api.url) as calls:
        soften_and_wait(page)
        sent = calls.rewrites[0]
        assert sent["customer_name"] == "Jonas Berg"
        assert sent["customer_message"] == "Photo attached. Can I get a replacement before Friday?"
        rewrite = rewrite_text(page)
        accept(page)
        assert editor_text(page) == rewrite
        undo(page)
        assert editor_text(page) == draft
        # Accept again and submit unchanged: the composer empties, feedback says accepted.
        panel(page).get_by_role("button", name="Close").click()
        soften_and_wait(page)
        accept(page)
        page.get_by_role("button", name="Submit as Open").click()
        wait_until(page, lambda: any(f[1]["outcome"] == "accepted" for f in calls.feedback),
                   "accepted feedback")
    outcomes = [f[1]["outcome"] for f in calls.feedback]
    assert outcomes == ["rejected", "accepted"]
    assert all(status < 300 for _, _, status in calls.feedback)


def test_screenshot_is_written():
    assert Path(SCREENSHOT).stat().st_size > 10_000
