"""The panel the page can't restyle or reach, where it sits, how the keyboard gets to it, and
which feedback each ending of a rewrite sends."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import EXTENSION, GENERIC_ORIGIN, ExtensionBrowser
from tests.e2e.steps import (
    accept,
    boxes_overlap,
    panel,
    soften_and_wait,
    soften_button,
    wait_for_editor,
    watch_api,
)

# A help desk with hostile global CSS, right-to-left.
HOSTILE_PAGE = """<!doctype html><html dir="rtl"><head><style>
  * { text-transform: uppercase !important; letter-spacing: 6px !important;
      text-align: center !important; font-size: 30px !important; line-height: 4 !important;
      direction: rtl !important; word-spacing: 20px !important; }
  button { display: none !important; }
</style></head><body><p>help desk</p></body></html>"""
RESULT = {"rewrite": "Hi Sam, order 4512 ships on 3 May.", "checks": {"passed": True,
          "facts": ["4512", "3 May"]}, "changes": ["Added a greeting"], "scores": None}


def test_shipped_panel_is_closed_and_keeps_its_own_style(page: Page, kindly: ExtensionBrowser):
    page.set_content(HOSTILE_PAGE)
    for name in ("text_diff.js", "editor_text.js", "layout.js", "panel.js"):
        page.add_script_tag(path=str(EXTENSION / "content" / name))
    styles = page.evaluate(
        """result => {
            const overlay = new kindly.Overlay();
            const button = overlay.addButton(() => {});
            overlay.open({});
            overlay.showResult('Order 4512 ships on 3 May.', result.rewrite, [], 'warm', result);
            const pick = (el) => {
                const s = getComputedStyle(el);
                return { direction: s.direction, transform: s.textTransform,
                         spacing: s.letterSpacing, align: s.textAlign, size: s.fontSize,
                         display: s.display };
            };
            return {
                pageSeesRoot: document.querySelector('kindly-overlay').shadowRoot !== null,
                panel: pick(overlay.panel),
                status: pick(overlay.root.querySelector('.status')),
                accept: pick(overlay.root.querySelector('button.primary')),
                button: pick(button),
            };
        }""",
        RESULT,
    )
    assert styles.pop("pageSeesRoot") is False
    for part, style in styles.items():
        assert style["direction"] == "ltr", part
        assert style["transform"] == "none", part
        assert style["spacing"] == "normal", part
        assert style["size"] != "30px", part
        assert style["display"] != "none", part
    assert styles["status"]["align"] in ("left", "start")


def open_editor(page: Page, name: str, text: str) -> None:
    page.goto(f"{GENERIC_ORIGIN}/{name}.html")
    wait_for_editor(page)
    page.evaluate("t => window.editorApi.setText(t)", text)
    wait_for_editor(page)
    expect(soften_button(page)).to_have_count(1)


def test_panel_and_button_leave_a_full_textarea_readable(page: Page, kindly: ExtensionBrowser):
    """A fixed-height textarea filled to the bottom: the button and the panel cover none of it."""
    lines = "\n".join(f"Line {n} of the reply about order {4400 + n}." for n in range(12))
    open_editor(page, "textarea", lines)
    area = page.get_by_role("textbox", name="Reply")
    area.evaluate("el => { el.style.height = '200px'; el.style.overflow = 'hidden'; }")
    page.evaluate("window.dispatchEvent(new Event('resize'))")
    page.wait_for_timeout(100)
    editor_box = area.bounding_box()
    button_box = soften_button(page).bounding_box()
    assert not boxes_overlap(editor_box, button_box)
    soften_and_wait(page)
    panel_box = panel(page).bounding_box()
    assert not boxes_overlap(panel_box, editor_box)
    assert not boxes_overlap(panel_box, soften_button(page).bounding_box())


@pytest.mark.parametrize("editor", ["quill", "tinymce"])
def test_keyboard_reaches_kindly(page: Page, kindly: ExtensionBrowser, editor: str):
    """In Quill, Tab types a tab; TinyMCE's text is in an iframe. The shortcut opens Kindly from
    inside the editor, focus lands on Accept, Escape gives the editor its focus back, and the
    button itself takes focus."""
    open_editor(page, editor, "Order 4512 ships on 3 May. Read the email.")
    if editor == "tinymce":
        text = page.frame_locator("iframe.tox-edit-area__iframe").locator("body")
    else:
        text = page.locator(".ql-editor")
    text.click()
    page.keyboard.press("Alt+Shift+K")
    expect(panel(page).get_by_role("button", name="Accept")).to_be_focused(timeout=15000)
    page.keyboard.press("Escape")
    expect(panel(page)).to_be_hidden()
    expect(text).to_be_focused()
    soften_button(page).focus()
    expect(soften_button(page)).to_be_focused()


def outcomes_after(page: Page, kindly: ExtensionBrowser, steps) -> list[tuple[str, dict]]:
    """Softens and accepts in the plain editor, runs `steps`, "sends" the reply (the help
    desk empties the editor) and returns the feedback the API got."""
    with watch_api(kindly.context, kindly.api.url) as calls:
        soften_and_wait(page)
        accept(page)
        steps()
        page.evaluate("window.editorApi.setText('')")  # the reply is sent and the editor cleared
        page.wait_for_timeout(800)
    return [(body["outcome"], body) for _, body, _ in calls.feedback]


def test_feedback_says_only_what_happened(page: Page, kindly: ExtensionBrowser):
    draft = "Order 4512 ships on 3 May. Read the email."
    open_editor(page, "plain", draft)
    # Sent exactly as rewritten: accepted.
    assert [o for o, _ in outcomes_after(page, kindly, lambda: None)] == ["accepted"]

    # Escape on "Your reply was updated", then sent as is: accepted, never rejected.
    open_editor(page, "plain", draft + " Thanks.")
    got = outcomes_after(page, kindly, lambda: page.keyboard.press("Escape"))
    assert [o for o, _ in got] == ["accepted"]

    # The editor's own undo puts the draft back, then it is sent: nothing to report.
    open_editor(page, "plain", draft + " Bye.")

    def editor_undo() -> None:
        panel(page).get_by_role("button", name="Close").click()
        page.keyboard.press("Control+z")
        page.wait_for_function("d => window.editorApi.getText() === d", arg=draft + " Bye.")

    assert outcomes_after(page, kindly, editor_undo) == []

    # Changed before sending: edited, with the text sent.
    open_editor(page, "plain", draft + " Cheers.")

    def edit() -> None:
        panel(page).get_by_role("button", name="Close").click()
        page.locator(".plain-editor").click()
        page.keyboard.press("Control+End")
        page.keyboard.type(" PS: it is insured.")

    got = outcomes_after(page, kindly, edit)
    assert [o for o, _ in got] == ["edited"]
    assert "PS: it is insured." in got[0][1]["sent_text"]
