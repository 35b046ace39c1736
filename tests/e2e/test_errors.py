"""Clear states for every way a rewrite can fail, and the draft is never touched by any of them.
Real conditions where the real API can produce them (bad key, too long, unreachable); the
worker's requests answered by routing for rate limiting and server errors."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import GENERIC_ORIGIN, ExtensionBrowser
from tests.e2e.steps import (
    accept,
    answer_with,
    editor_text,
    panel,
    rewrite_text,
    soften_and_wait,
    soften_button,
    wait_for_editor,
    wait_until,
    watch_api,
)
from tests.support.redis_server import free_port

DRAFT = "Your invoice 20931 for $18.00 is due on 2 April. We sent it already."


def open_textarea(page: Page, draft: str) -> None:
    page.goto(f"{GENERIC_ORIGIN}/textarea.html")
    wait_for_editor(page)
    page.evaluate("text => window.editorApi.setText(text)", draft)
    expect(soften_button(page)).to_have_count(1)


def expect_alert(page: Page, text: str, draft: str) -> None:
    alert = panel(page).get_by_role("alert")
    expect(alert).to_contain_text(text)
    assert editor_text(page) == draft, "a failed rewrite changed the draft"
    expect(panel(page).get_by_role("button", name="Accept")).to_have_count(0)


def test_empty_draft_asks_for_a_draft_without_calling_the_api(page: Page, kindly: ExtensionBrowser):
    open_textarea(page, "   ")
    with watch_api(kindly.context, kindly.api.url) as calls:
        soften_button(page).click()
        expect_alert(page, "nothing to soften", "   ")
    assert calls.rewrites == []


def test_bad_key_is_a_real_401(page: Page, kindly: ExtensionBrowser):
    kindly.configure(apiKey="kly_not_a_real_key")
    open_textarea(page, DRAFT)
    soften_button(page).click()
    expect_alert(page, "refused this key (401)", DRAFT)
    expect(panel(page).get_by_role("button", name="Open options")).to_be_visible()


def test_missing_key_points_to_options(page: Page, kindly: ExtensionBrowser):
    kindly.configure(apiKey="")
    open_textarea(page, DRAFT)
    soften_button(page).click()
    expect_alert(page, "needs an API key", DRAFT)


def test_too_long_draft_is_refused_by_the_real_api(page: Page, kindly: ExtensionBrowser):
    draft = ("Order 4471 is late. " * 1300).strip()  # about 26,000 characters
    open_textarea(page, draft)
    soften_button(page).click()
    expect_alert(page, "too long", draft)


def test_unreachable_api(page: Page, kindly: ExtensionBrowser):
    dead = f"http://127.0.0.1:{free_port()}"
    kindly.configure(apiUrl=dead)
    open_textarea(page, DRAFT)
    soften_button(page).click()
    expect_alert(page, f"Can't reach the Kindly API at {dead}", DRAFT)
    expect(panel(page).get_by_role("button", name="Try again")).to_be_visible()


@pytest.mark.parametrize(
    ("status", "headers", "shown"),
    [
        (429, {"Retry-After": "30"}, "Try again in 30 seconds"),
        (503, {}, "problem on its side (503)"),
        (413, {}, "too long for Kindly"),  # a body over the server's byte limit
    ],
)
def test_rate_limit_and_server_errors(page: Page, kindly: ExtensionBrowser, status, headers, shown):
    url = f"{kindly.api.url}/v1/rewrite"
    handler = answer_with(status, {"code": status, "status": "x", "message": "no"}, headers)
    kindly.context.route(url, handler)
    try:
        open_textarea(page, DRAFT)
        soften_button(page).click()
        expect_alert(page, shown, DRAFT)
    finally:
        kindly.context.unroute(url, handler)
    if status == 413:
        expect(panel(page).get_by_role("button", name="Try again")).to_have_count(0)
        return
    # Once the API is back, "Try again" goes through.
    panel(page).get_by_role("button", name="Try again").click()
    expect(panel(page).get_by_role("button", name="Accept")).to_be_visible()


def test_draft_edited_during_preview_is_never_overwritten(page: Page, kindly: ExtensionBrowser):
    open_textarea(page, DRAFT)
    soften_and_wait(page)
    page.get_by_role("textbox", name="Reply").press("End")
    page.keyboard.type(" One more thing.")
    changed = DRAFT + " One more thing."
    panel(page).get_by_role("button", name="Accept").click()
    expect_alert(page, "Your draft changed", changed)


def test_real_api_streams_and_the_preview_shows_the_result(page: Page, kindly: ExtensionBrowser):
    seen: list[str] = []

    def pass_through(route: Route) -> None:
        response = route.fetch()
        seen.append(response.headers.get("content-type", ""))
        route.fulfill(response=response)

    url = f"{kindly.api.url}/v1/rewrite"
    kindly.context.route(url, pass_through)
    try:
        open_textarea(page, DRAFT + " (streamed)")
        soften_and_wait(page)
    finally:
        kindly.context.unroute(url, pass_through)
    assert seen and seen[0].startswith("text/event-stream")
    assert "20931" in rewrite_text(page)


def test_stream_events_are_shown_as_they_arrive(page: Page, kindly: ExtensionBrowser):
    """A hand-made event stream checks the order: deltas first, then the final result."""
    final = {
        "id": "rw_streamed",
        "rewrite": "Hi there,\n\nYour invoice 20931 for $18.00 is due on 2 April.",
        "engine": "offline", "model": "offline", "cached": False,
        "preset": {"slug": "warm", "version": 1},
        "checks": {"facts": ["20931", "$18.00", "2 April"], "missing": [], "invented": [],
                   "passed": True},
        "scores": {"before": {"warmth": 0.1}, "after": {"warmth": 0.7}},
        "changes": ["Greets the customer"], "latency_ms": 5,
    }
    body = "".join(
        f"event: delta\ndata: {json.dumps({'text': piece})}\n\n"
        for piece in ["Hi there,\n\n", "Your invoice 20931 ", "for $18.00 is due on 2 April."]
    ) + f"event: result\ndata: {json.dumps(final)}\n\n"
    url = f"{kindly.api.url}/v1/rewrite"

    def stream(route: Route) -> None:
        route.fulfill(status=200, body=body, content_type="text/event-stream")

    kindly.context.route(url, stream)
    try:
        open_textarea(page, DRAFT)
        soften_and_wait(page)
    finally:
        kindly.context.unroute(url, stream)
    assert rewrite_text(page) == final["rewrite"]
    expect(panel(page)).to_contain_text("All 3 facts kept")


def test_non_streaming_mode(page: Page, kindly: ExtensionBrowser):
    kindly.configure(stream=False)
    with watch_api(kindly.context, kindly.api.url) as calls:
        open_textarea(page, DRAFT + " (not streamed)")
        soften_and_wait(page)
        accept(page)
    assert calls.rewrites[0]["stream"] is False
    assert "20931" in editor_text(page)


def test_undelivered_feedback_waits_and_is_sent_later(page: Page, kindly: ExtensionBrowser):
    read_queue = "chrome.storage.local.get('feedbackQueue').then(s => s.feedbackQueue || [])"
    kindly.worker.evaluate("chrome.storage.local.remove('feedbackQueue')")
    feedback_url = f"{kindly.api.url}/v1/rewrites/*/feedback"
    down = answer_with(503, {"code": 503, "status": "Service Unavailable", "message": "down"})
    kindly.context.route(feedback_url, down)
    try:
        open_textarea(page, DRAFT + " (feedback queued)")
        soften_and_wait(page)
        panel(page).get_by_role("button", name="Cancel").click()
        wait_until(page, lambda: len(kindly.worker.evaluate(read_queue)) == 1, "queued feedback")
    finally:
        kindly.context.unroute(feedback_url, down)
    queued = kindly.worker.evaluate(read_queue)[0]
    assert queued["outcome"] == "rejected"

    # The next successful rewrite flushes the queue to the real API.
    with watch_api(kindly.context, kindly.api.url) as calls:
        soften_and_wait(page)
        wait_until(page, lambda: calls.feedback, "the queued feedback to be sent")
    rewrite_id, body, status = calls.feedback[0]
    assert (rewrite_id, body["outcome"]) == (queued["id"], "rejected") and status < 300
    wait_until(page, lambda: kindly.worker.evaluate(read_queue) == [], "an empty queue")
