"""The admin pages in real headless Chromium against the real API (HTTP server thread, its own
redis-server): sign in, filter, page, read a logged `<script>` as text, charts, edit a preset
and watch the live preview, all without a single request leaving 127.0.0.1.

`KINDLY_ADMIN_SCREENSHOT=1` also writes docs/admin.png for the README.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.e2e
# Patience, not a timing assertion: the shared machine runs other suites at the same time.
expect.set_options(timeout=20_000)

CHROMIUM = "/usr/bin/chromium"
ADMIN_KEY = "e2e-admin-pages-key"
REPO = Path(__file__).resolve().parents[2]
SCRIPT_TEXT = "<script>window.__pwned = 1</script>"
DRAFT = "Your refund of $42.50 for order {n} was processed. You must wait 5 days."


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@dataclass
class AdminSite:
    url: str
    app: object
    lead_key: str
    agent_key: str
    outside_requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminSite]:
    """The API on a real HTTP server with a seeded team: 64 rewrites, one with a `<script>`."""
    from api import create_app
    from api.services import app_services

    tmp = tmp_path_factory.mktemp("admin-e2e")
    redis_server = RedisServer(tmp / "redis").start()
    app = create_app(
        {
            "REDIS_URL": redis_server.url,
            "KINDLY_ENGINE": "offline",
            "KINDLY_ADMIN_KEY": ADMIN_KEY,
            "KINDLY_SPOOL_DIR": tmp / "spool",
            # Seeding shares two busy cores with Chromium: a slow answer must not send
            # entries to the spool (texts are never spooled, and this test reads one).
            "KINDLY_REDIS_TIMEOUT": 3.0,
        }
    )
    with app.app_context():
        svc = app_services()
        svc.teams.create_team("Acme Support", team_id="acme")
        svc.presets.seed("acme")
        _, lead = svc.teams.create_key("acme", role="team_admin", label="Acme lead")
        _, agent = svc.teams.create_key("acme", role="agent", label="<b>Ana</b> (agent)")
        svc.usage.set_settings("acme", True, 7)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {agent}"}
    for n in range(64):
        preset = "formal" if n % 8 == 0 else "warm"
        body = {"draft": DRAFT.format(n=1000 + n), "customer_name": "Dana", "preset": preset}
        rewrite = client.post("/v1/rewrite", json=body, headers=headers).json
        if n % 3 == 0:
            outcome = "accepted" if n % 2 else "rejected"
            client.post(
                f"/v1/rewrites/{rewrite['id']}/feedback", json={"outcome": outcome}, headers=headers
            )
    client.post(
        "/v1/rewrite",
        json={"draft": f"Hello, {SCRIPT_TEXT} your code is 42.", "preset": "warm"},
        headers=headers,
    )
    with app.app_context():
        seed_history(app_services(), "demo", days=21)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield AdminSite(f"http://127.0.0.1:{server.server_port}", app, lead, agent)
    server.shutdown()
    thread.join(timeout=10)
    redis_server.stop()


def seed_history(svc, team: str, days: int) -> None:
    """Three weeks of made-up traffic for a second team, so the charts have a shape."""
    svc.teams.create_team("Demo", team_id=team)
    rng = random.Random(7)
    now = time.time()
    for day in range(days, -1, -1):
        for n in range(rng.randint(25, 60) + (days - day) * 2):
            ts = now - day * 86_400 - rng.uniform(0, 80_000) if day else now - rng.uniform(0, 60)
            cached = rng.random() < 0.15 + 0.4 * (days - day) / days
            warmth = rng.uniform(0.1, 0.5)
            svc.usage.record(
                team,
                {
                    "ts": ts,
                    "request_id": f"rw_demo{day:02d}{n:03d}",
                    "kind": "rewrite",
                    "key_id": f"k{n % 4}",
                    "key_label": f"agent {n % 4}",
                    "preset": rng.choice(["warm", "warm", "formal", "concise"]),
                    "preset_version": 1,
                    "engine": "llm",
                    "model": "gpt-4o-mini",
                    "cached": cached,
                    "latency_ms": 4.0 if cached else rng.uniform(600, 2400),
                    "tokens_in": 0 if cached else rng.randint(300, 700),
                    "tokens_out": 0 if cached else rng.randint(80, 300),
                    "scores_before": {"warmth": warmth, "reading_grade": rng.uniform(8, 12)},
                    "scores_after": {
                        "warmth": warmth + rng.uniform(0.1, 0.5),
                        "reading_grade": rng.uniform(5, 8),
                    },
                    "outcome": "ok",
                },
            )
            if rng.random() < 0.5:
                outcome = rng.choices(["accepted", "edited", "rejected"], [6, 3, 1])[0]
                svc.usage.record(
                    team,
                    {
                        "ts": ts + 30,
                        "request_id": f"fb_demo{day:02d}{n:03d}",
                        "kind": "feedback",
                        "rewrite_id": f"rw_demo{day:02d}{n:03d}",
                        "key_id": f"k{n % 4}",
                        "outcome": outcome,
                    },
                )


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


def local_only(site: AdminSite):
    """Route handler: 127.0.0.1 goes through; anything else is recorded and aborted."""

    def handle(route: Route) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "data:")):
            route.continue_()
        else:
            site.outside_requests.append(url)
            route.abort()

    return handle


def console_problem(msg) -> bool:
    """Console errors other than the browser noting an HTTP error the page handled (401, 422)."""
    return msg.type == "error" and not msg.text.startswith("Failed to load resource")


@pytest.fixture()
def page(site: AdminSite, browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 860})
    context.route("**/*", local_only(site))
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda msg: errors.append(msg.text) if console_problem(msg) else None)
    yield page
    context.close()
    assert errors == [], errors  # no script errors, no CSP violations
    assert site.outside_requests == []


def sign_in(page: Page, site: AdminSite, key: str | None = None, team: str = "acme") -> None:
    page.goto(f"{site.url}/admin/")
    key_field = page.get_by_label("API key")
    expect(key_field).to_be_focused()  # keyboard users start typing at once
    key_field.type(key or site.lead_key)
    page.keyboard.press("Enter")
    expect(page.locator("#whoami-text")).to_contain_text(f"team {team}")


def test_sign_in_rejects_agent_and_wrong_keys(page: Page, site: AdminSite):
    page.goto(f"{site.url}/admin/")
    page.get_by_label("API key").fill("kly_wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signin-status")).to_contain_text("not valid")
    page.get_by_label("API key").fill(site.agent_key)
    page.keyboard.press("Enter")
    expect(page.locator("#signin-status")).to_contain_text("agent key")
    expect(page.locator("#app")).to_be_hidden()


def test_usage_table_filters_pages_and_shows_logged_markup_as_text(page: Page, site: AdminSite):
    sign_in(page, site)
    rows = page.locator("#usage-table tbody tr")
    expect(rows).to_have_count(50)
    expect(page.locator("#page-newer")).to_be_disabled()
    newest = rows.first.locator("td").nth(1)
    expect(newest).to_have_text("rewrite")  # the <script> draft was the last rewrite

    # The key's label is markup too: it must show as text.
    expect(rows.first.locator("td").nth(2)).to_have_text("<b>Ana</b> (agent)")
    rows.first.get_by_role("button").click()
    texts = page.locator("#entry-texts pre")
    expect(texts.first).to_contain_text(SCRIPT_TEXT)
    assert page.locator("#entry-detail script, #usage-table script").count() == 0
    assert page.evaluate("window.__pwned") is None
    expect(page.locator("#entry-detail")).to_be_focused()

    # Page through everything: 65 rewrites + 22 feedback entries = 87.
    page.get_by_role("button", name="Older").click()
    expect(page.locator("#page-number")).to_have_text("Page 2")
    expect(rows).to_have_count(37)
    expect(page.locator("#page-older")).to_be_disabled()
    page.get_by_role("button", name="Newer").click()
    expect(page.locator("#page-number")).to_have_text("Page 1")
    expect(rows).to_have_count(50)

    # Filter: formal preset only (8 rewrites and their feedback).
    filters = page.locator("#usage-filters")
    filters.get_by_label("Preset").fill("formal")
    filters.get_by_label("Kind").select_option("rewrite")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(8)
    for cell in rows.locator("td:nth-child(4)").all_text_contents():
        assert cell.startswith("formal v")
    filters.get_by_label("Outcome").select_option("rejected")
    filters.get_by_label("Kind").select_option("feedback")
    filters.get_by_label("Preset").fill("")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(11)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert re.fullmatch(r"kindly-usage-acme-\d{8}-\d{6}\.csv", download.suggested_filename)
    lines = Path(download.path()).read_text().splitlines()
    assert lines[0].startswith("id,time,request_id,kind") and len(lines) == 1 + 11
    page.get_by_role("button", name="Clear").click()
    expect(rows).to_have_count(50)


def test_charts_draw_from_stats(page: Page, site: AdminSite):
    sign_in(page, site)
    page.get_by_role("button", name="Charts").click()
    expect(page.locator("figure.chart")).to_have_count(4)
    expect(page.locator("figure.chart svg").first).to_have_attribute("role", "img")
    captions = page.locator("figure.chart figcaption").all_text_contents()
    assert captions == [
        "Requests per day",
        "Cache hit rate",
        "Acceptance rate",
        "Tone change per rewrite",
    ]
    totals = page.locator("#totals")
    expect(totals).to_contain_text("Rewrites")
    expect(totals.locator("dd").first).to_have_text("65")
    assert page.locator("figure.chart rect.bar").count() > 0
    assert page.locator("figure.chart circle.dot").count() > 0


def test_admins_pick_a_team_and_see_its_charts(page: Page, site: AdminSite):
    sign_in(page, site, ADMIN_KEY, team="default")
    team = page.get_by_label("Team", exact=True)
    team.fill("demo")
    team.press("Enter")
    expect(page.locator("#usage-table tbody")).to_contain_text("agent 1")  # demo's keys
    page.get_by_role("button", name="Charts").click()
    expect(page.locator("figure.chart")).to_have_count(4)
    expect(page.locator("#charts-status")).to_contain_text("UTC days")
    requests = page.locator("figure.chart").first.locator("rect.bar")
    expect(requests).to_have_count(60)  # 30 days x (rewrites, errors)
    # The other team's data never leaks into a team admin's view.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, site)
    page.get_by_role("button", name="Charts").click()
    expect(page.locator("#totals dd").first).to_have_text("65")
    if os.environ.get("KINDLY_ADMIN_SCREENSHOT"):
        page.get_by_role("button", name="Sign out").click()
        sign_in(page, site, ADMIN_KEY, team="default")
        page.get_by_label("Team", exact=True).fill("demo")
        page.get_by_label("Team", exact=True).press("Enter")
        page.get_by_role("button", name="Charts").click()
        expect(requests).to_have_count(60)
        page.set_viewport_size({"width": 1366, "height": 1180})
        page.screenshot(path=str(REPO / "docs" / "admin.png"))


def test_preset_editor_previews_live_and_saves(page: Page, site: AdminSite):
    sign_in(page, site)
    page.get_by_role("button", name="Presets").click()
    page.locator("#view-presets").get_by_label("Preset", exact=True).select_option("warm")
    output = page.locator("#preview-output")
    expect(output).to_contain_text("42.50")  # the first preview runs on opening
    signoff = page.get_by_label(re.compile("^Sign-off"))
    signoff.fill("Warm wishes from the test,\n{agent_name}")
    expect(output).to_contain_text("Warm wishes from the test,\nSam")
    expect(page.locator("#preset-version")).to_have_text("1")  # not saved by previewing

    page.get_by_label(re.compile("^Target reading grade")).fill("40")
    page.get_by_role("button", name="Save preset").click()
    expect(page.locator("#err-reading_grade")).not_to_be_empty()
    page.get_by_label(re.compile("^Target reading grade")).fill("6")
    page.get_by_role("button", name="Save preset").click()
    expect(page.locator("#preset-status")).to_contain_text("now version 2")
    expect(page.locator("#preset-version")).to_have_text("2")

    client = site.app.test_client()
    saved = client.get(
        "/v1/presets/warm", headers={"Authorization": f"Bearer {site.lead_key}"}
    ).json
    assert saved["version"] == 2 and saved["signoff"].startswith("Warm wishes from the test")
    assert saved["reading_grade"] == 6


def test_settings_and_sign_out_by_keyboard(page: Page, site: AdminSite):
    sign_in(page, site)
    settings_tab = page.get_by_role("button", name="Settings")
    settings_tab.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Store draft and rewrite texts")).to_be_checked()
    expect(page.get_by_label("Keep texts for (days)")).to_have_value("7")
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("API key")).to_be_focused()
    assert page.evaluate("sessionStorage.getItem('kindly.adminKey')") is None
