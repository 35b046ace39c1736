"""Steps the browser tests share: soften a draft, watch the worker's API calls, read editors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from playwright.sync_api import BrowserContext, Locator, Page, Route, expect

PREVIEW_TIMEOUT_MS = 15000


def soften_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Soften reply", exact=True)


def panel(page: Page) -> Locator:
    return page.get_by_role("dialog", name="Kindly preview")


def boxes_overlap(a: dict, b: dict) -> bool:
    """Whether two boxes ({x, y, width, height}) share any area."""
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def soften_and_wait(page: Page, button: Locator | None = None) -> float:
    """Clicks "Soften reply" and waits for the preview; returns the milliseconds it took."""
    button = button or soften_button(page)
    started = time.perf_counter()
    button.click()
    accept = panel(page).get_by_role("button", name="Accept")
    expect(accept).to_be_visible(timeout=PREVIEW_TIMEOUT_MS)
    return (time.perf_counter() - started) * 1000


# Installed in the page before a click: the click's time, and the first animation frame whose
# panel shows the preview's Accept button (the browser tests open the panel's shadow root).
_WATCH_PREVIEW = """() => {
    performance.clearMarks();
    const t = (window.__kindlyTiming = {});
    const onClick = (e) => { t.click = e.timeStamp; };
    window.addEventListener('click', onClick, { capture: true, once: true });
    const frame = () => {
        const root = document.querySelector('kindly-overlay')?.shadowRoot;
        const button = root?.querySelector('.panel:not([hidden]) button.primary');
        // The time this frame's callbacks run: the preview is painted right after them.
        if (t.click !== undefined && button?.textContent === 'Accept') t.frame = performance.now();
        else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
}"""
_READ_TIMING = """() => {
    const t = window.__kindlyTiming;
    const at = (name) => performance.getEntriesByName(name).pop()?.startTime;
    const since = (name) => (at(name) === undefined ? null : at(name) - t.click);
    return { frame: t.frame - t.click, soften: since('kindly:soften'), sent: since('kindly:sent'),
             answer: since('kindly:answer'), shown: since('kindly:shown') };
}"""


def soften_and_time(page: Page, button: Locator | None = None) -> dict[str, float]:
    """Clicks "Soften reply", waits for the preview and returns where the time went, in ms
    after the click event: the content script's marks (soften, sent, answer, shown), `frame`
    (the first animation frame showing the preview) and `wall` (the test's own clock around
    Playwright's click and wait, which adds Playwright's checks and polling)."""
    page.evaluate(_WATCH_PREVIEW)
    wall = soften_and_wait(page, button)
    page.wait_for_function("() => window.__kindlyTiming.frame !== undefined", timeout=5000)
    timing = page.evaluate(_READ_TIMING)
    return {**timing, "wall": wall}


def accept(page: Page) -> None:
    """Presses Accept in the preview and waits until the rewrite is in the editor."""
    panel(page).get_by_role("button", name="Accept").click()
    expect(panel(page).get_by_role("button", name="Undo")).to_be_visible()


def undo(page: Page) -> None:
    """Presses the preview's Undo and waits until it says the draft is back."""
    panel(page).get_by_role("button", name="Undo").click()
    expect(panel(page)).to_contain_text("Your draft is back")


def rewrite_text(page: Page) -> str:
    """The rewrite as the preview shows it: inserted words kept, struck-out words dropped."""
    return panel(page).get_by_label("Rewrite", exact=True).evaluate(
        """box => [...box.childNodes].filter(n => n.nodeName !== 'DEL')
                 .map(n => n.textContent).join('')"""
    )


def editor_text(page: Page) -> str:
    """The editor's own model, read through the editor library's API (see editors/src)."""
    return page.evaluate("window.editorApi.getText()")


def wait_for_editor(page: Page) -> None:
    page.wait_for_function("window.editorApi && window.editorApi.ready !== false")


@dataclass
class ApiCalls:
    """What the extension's worker sent to the API while watched, and the API's answers."""

    rewrites: list[dict] = field(default_factory=list)
    feedback: list[tuple[str, dict, int]] = field(default_factory=list)


@contextmanager
def watch_api(context: BrowserContext, api_url: str) -> Iterator[ApiCalls]:
    """Records the worker's rewrite and feedback requests; they still reach the real API."""
    calls = ApiCalls()

    def on_rewrite(route: Route) -> None:
        calls.rewrites.append(json.loads(route.request.post_data or "{}"))
        route.fallback()

    def on_feedback(route: Route) -> None:
        response = route.fetch()
        rewrite_id = route.request.url.rsplit("/", 2)[-2]
        calls.feedback.append((rewrite_id, json.loads(route.request.post_data or "{}"),
                               response.status))
        route.fulfill(response=response)

    context.route(f"{api_url}/v1/rewrite", on_rewrite)
    context.route(f"{api_url}/v1/rewrites/*/feedback", on_feedback)
    try:
        yield calls
    finally:
        context.unroute(f"{api_url}/v1/rewrite", on_rewrite)
        context.unroute(f"{api_url}/v1/rewrites/*/feedback", on_feedback)


def wait_until(page: Page, predicate, message: str, timeout_s: float = 5.0) -> None:
    """Polls predicate; waits through Playwright so route handlers keep running meanwhile."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"timed out waiting for {message}")


def answer_with(status: int, body: dict, headers: dict[str, str] | None = None):
    """A route handler that answers the worker's API call with a canned response."""

    def handle(route: Route) -> None:
        route.fulfill(status=status, body=json.dumps(body), content_type="application/json",
                      headers=headers or {})

    return handle
