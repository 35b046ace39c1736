"""The options page, the keyboard shortcut, "Try another preset" and the popup."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import GENERIC_ORIGIN, ExtensionBrowser
from tests.e2e.steps import panel, soften_button, wait_for_editor, watch_api

DRAFT = "Ticket 3381: the charge of $9.99 on 1 May is correct and will not be refunded."


def open_textarea(page: Page, draft: str) -> None:
    page.goto(f"{GENERIC_ORIGIN}/textarea.html")
    wait_for_editor(page)
    page.evaluate("text => window.editorApi.setText(text)", draft)
    expect(soften_button(page)).to_have_count(1)


def test_options_page_round_trips_settings_and_checks_the_key(page: Page,
                                                               kindly: ExtensionBrowser):
    kindly.save_settings(apiUrl="http://127.0.0.1:1", apiKey="", agentName="", preset="warm")
    page.goto(kindly.options_url())
    page.get_by_label("API URL").fill(kindly.api.url + "/")
    page.get_by_label("API key").fill(kindly.api.agent_key)
    page.get_by_label("Agent name").fill("Robin")
    page.get_by_label("Default channel").select_option("chat")
    page.get_by_role("button", name="Save").click()
    status = page.get_by_role("status")
    expect(status).to_have_text("Saved. The key works for team Acme Support as agent.")
    # The default preset list now comes from the API.
    presets = page.get_by_label("Default preset")
    expect(presets.locator("option")).not_to_have_count(1)
    slugs = presets.locator("option").evaluate_all("options => options.map(o => o.value)")
    other = next(slug for slug in slugs if slug != "warm")
    presets.select_option(other)
    page.get_by_role("button", name="Save").click()
    expect(status).to_contain_text("The key works")

    page.reload()
    expect(page.get_by_label("API URL")).to_have_value(kindly.api.url)
    expect(page.get_by_label("API key")).to_have_value(kindly.api.agent_key)
    expect(page.get_by_label("Agent name")).to_have_value("Robin")
    expect(page.get_by_label("Default channel")).to_have_value("chat")
    expect(page.get_by_label("Default preset")).to_have_value(other)

    page.get_by_label("API key").fill("kly_wrong_key")
    page.get_by_role("button", name="Save").click()
    expect(status).to_have_text(
        "Saved, but the API refused this key (401). Check it and save again."
    )

    page.get_by_label("API URL").fill("ftp://example.com")
    page.get_by_role("button", name="Save").click()
    expect(status).to_contain_text("must be a full address")


def test_keyboard_shortcut_softens_the_focused_editor(page: Page, kindly: ExtensionBrowser):
    shortcut = kindly.worker.evaluate(
        "chrome.commands.getAll().then(c => c.find(x => x.name === 'soften-reply').shortcut)"
    )
    assert shortcut == "Alt+Shift+K"
    open_textarea(page, DRAFT)
    page.get_by_role("textbox", name="Reply").focus()
    # Headless Chromium has no browser-level shortcut handling: the key reaches the page.
    page.keyboard.press("Alt+Shift+K")
    expect(panel(page).get_by_role("button", name="Accept")).to_be_visible(timeout=15000)
    panel(page).get_by_role("button", name="Cancel").click()
    expect(panel(page)).to_be_hidden()

    # The path a desktop browser takes: the command reaches the worker, which tells the tab.
    page.get_by_role("textbox", name="Reply").focus()
    kindly.worker.evaluate(
        """async () => {
             const [tab] = await chrome.tabs.query({ url: 'http://localhost/*' });
             kindlyWorker.runCommand('soften-reply', tab);
           }"""
    )
    expect(panel(page).get_by_role("button", name="Accept")).to_be_visible(timeout=15000)


def test_try_another_preset(page: Page, kindly: ExtensionBrowser):
    open_textarea(page, DRAFT)
    with watch_api(kindly.context, kindly.api.url) as calls:
        soften_button(page).click()
        preview = panel(page)
        expect(preview.get_by_role("button", name="Accept")).to_be_visible(timeout=15000)
        picker = preview.get_by_label("Preset")
        other = picker.locator("option").evaluate_all(
            "options => options.map(o => o.value).find(v => v !== 'warm')"
        )
        picker.select_option(other)
        preview.get_by_role("button", name="Try another preset").click()
        expect(preview.get_by_label("Preset")).to_have_value(other, timeout=15000)
    assert [c["preset"] for c in calls.rewrites] == ["warm", other]


def test_popup_shows_the_site_state(page: Page, kindly: ExtensionBrowser):
    page.goto(f"chrome-extension://{kindly.extension_id}/popup/popup.html")
    expect(page.get_by_role("heading", name="Kindly")).to_be_visible()
    expect(page.get_by_role("button", name="Options")).to_be_visible()
    status = kindly.worker.evaluate("u => kindlyWorker.siteStatus(u)", f"{GENERIC_ORIGIN}/x")
    assert status == {"origin": GENERIC_ORIGIN, "builtIn": False, "enabled": True}
    gmail = kindly.worker.evaluate("u => kindlyWorker.siteStatus(u)", "https://mail.google.com/")
    assert gmail["builtIn"] is True
