"""Fixtures for the extension's browser tests: the real Kindly API, Chromium with the unpacked
extension, and fixture pages served at the real Gmail, Zendesk and help-desk URLs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Route, Worker, sync_playwright

from tests.support.live_server import KINDLY, LiveServer
from tests.support.redis_server import RedisServer, free_port

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXTENSION = REPO / "extension"
EDITORS = HERE / "editors"
BUNDLES = EDITORS / "build"
FIXTURES = HERE / "fixtures"
CHROMIUM = "/usr/bin/chromium"
ADMIN_KEY = "e2e-admin-key-not-secret"

GMAIL_URL = "https://mail.google.com/mail/u/0/#inbox/FMfcgzQbfLXkWTrGRpNmvKbHsXJhqRzC"
ZENDESK_URL = "https://acme.zendesk.com/agent/tickets/123"
# Sites "turned on from the popup": localhost is inside the extension's granted hosts, so the
# test needs no permission prompt (which headless Chromium can't answer).
GENERIC_ORIGIN = "http://localhost:8765"
EDITOR_BUNDLES = ("prosemirror", "tiptap", "lexical", "ckeditor", "quill", "draftjs", "slate",
                  "tinymce", "plain", "textarea", "react_textarea")
# Pages that mount a bundle with options: a Gmail-like contenteditable whose lines are <div>s.
EDITOR_PAGES = {"gmail_like": ("plain", {"divLines": True})}

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


# The shipped panel lives in a closed shadow root, which Playwright's locators can't enter. The
# browser tests load a copy whose only difference is an open root (checked: exactly that line);
# test_panel.py checks the shipped panel itself: closed, and styled only by itself.
CLOSED_ROOT = "this.host.attachShadow({ mode: 'closed' })"


def extension_under_test(folder: Path) -> Path:
    """A copy of extension/ whose panel's shadow root is open, for Playwright's locators."""
    copy = folder / "extension"
    shutil.copytree(EXTENSION, copy)
    panel = copy / "content" / "panel.js"
    source = panel.read_text()
    assert source.count(CLOSED_ROOT) == 1, "panel.js no longer opens one closed shadow root"
    panel.write_text(source.replace(CLOSED_ROOT, CLOSED_ROOT.replace("closed", "open")))
    return copy


def build_editor_bundles() -> Path:
    """Bundles the real editor libraries with esbuild unless already built (npm ci first)."""
    wanted = [BUNDLES / f"{name}.js" for name in EDITOR_BUNDLES]
    sources = list((EDITORS / "src").glob("*.js")) + [EDITORS / "build.mjs"]
    newest_source = max(p.stat().st_mtime for p in sources)
    if all(p.exists() and p.stat().st_mtime >= newest_source for p in wanted):
        return BUNDLES
    if not (EDITORS / "node_modules").is_dir():
        if not shutil.which("npm"):
            pytest.fail("npm is missing: run `make e2e-deps` (installs nodejs, npm ci, bundles)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=EDITORS, check=True)
    subprocess.run(["node", "build.mjs"], cwd=EDITORS, check=True)
    return BUNDLES


@dataclass
class KindlyApi:
    """The real Kindly API under test and an agent key for one team (made in the background
    while the server and the browser start, because each CLI run takes seconds)."""

    server: LiveServer
    pending_key: Future[str]

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def agent_key(self) -> str:
        return self.pending_key.result(timeout=120)


def _make_agent_key(server: LiveServer) -> str:
    # Through the CLI an operator would use, not the app's internals.
    team = _kindly_cli(server, "teams", "create", "Acme Support")
    return _kindly_cli(server, "keys", "create", "--team", team, "--role", "agent",
                       "--label", "extension e2e")


def _warm_up(api: KindlyApi) -> None:
    """One rewrite, so the server's lazy loading is not counted in the first measured miss."""
    request = urllib.request.Request(
        f"{api.url}/v1/rewrite", data=json.dumps({"draft": "Warm-up for order 1."}).encode(),
        headers={"Authorization": f"Bearer {api.agent_key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()


@pytest.fixture(scope="session")
def kindly_server(single_redis: RedisServer, tmp_path_factory) -> Iterator[KindlyApi]:
    # A database of its own, so other tests' flushes and this session's cache don't meet.
    redis_url = single_redis.url.rsplit("/", 1)[0] + "/7"
    spool = tmp_path_factory.mktemp("kindly-e2e") / "spool"
    server = LiveServer(redis_url, ADMIN_KEY, spool)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending_key = pool.submit(_make_agent_key, server)
        server.start(workers=1, threads=4)
        api = KindlyApi(server, pending_key)
        _warm_up(api)
        yield api
    server.stop()


def _kindly_cli(server: LiveServer, *args: str) -> str:
    """Runs `kindly ARGS` against the server's Redis; returns the last line it printed."""
    done = subprocess.run([str(KINDLY), *args], env=server.env, cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout.strip().splitlines()[-1]


def _fulfil_file(route: Route, path: Path) -> None:
    if not path.is_file():
        route.fulfill(status=404, body="not found")
        return
    types = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}
    route.fulfill(body=path.read_bytes(), content_type=types.get(path.suffix, "text/plain"))


def site_handler(page_html: Callable[[str], str | None]) -> Callable[[Route], None]:
    """A route handler: /fixture-assets/* from the editor bundles, pages from page_html(path)."""

    def handle(route: Route) -> None:
        path = route.request.url.split("://", 1)[1].split("/", 1)[1].split("?")[0].split("#")[0]
        if path.startswith("fixture-assets/"):
            _fulfil_file(route, BUNDLES / path.removeprefix("fixture-assets/"))
            return
        html = page_html("/" + path)
        if html is None:
            route.fulfill(status=404, body="not found")
        else:
            route.fulfill(body=html, content_type="text/html")

    return handle


def _fixed_page(name: str) -> Callable[[str], str]:
    return lambda _path: (FIXTURES / name).read_text()


def _editor_page(path: str) -> str | None:
    name = path.strip("/").removesuffix(".html")
    bundle, options = EDITOR_PAGES.get(name, (name, {}))
    if bundle not in EDITOR_BUNDLES:
        return None
    page = (FIXTURES / "editor_page.html").read_text()
    return page.replace("{{EDITOR}}", bundle).replace("{{OPTIONS}}", json.dumps(options))


# Every request but the local API's and the extension's own: matched in the browser driver, so
# the API calls being measured never wait for a round trip through this Python process.
NOT_LOCAL = re.compile(r"^(?!http://127\.0\.0\.1[:/]|chrome-extension://)")


def _only_local(route: Route) -> None:
    """Anything NOT_LOCAL matches and no later route answers never leaves the machine."""
    route.abort()


@dataclass
class ExtensionBrowser:
    """Chromium with the unpacked extension loaded, its id and its service worker."""

    context: BrowserContext
    extension_id: str
    api: KindlyApi
    pages: list[Page] = field(default_factory=list)

    @property
    def worker(self) -> Worker:
        workers = [w for w in self.context.service_workers if self.extension_id in w.url]
        return workers[0] if workers else self.context.wait_for_event("serviceworker")

    def save_settings(self, **settings: object) -> dict:
        return self.worker.evaluate("s => kindlyWorker.saveSettings(s)", settings)

    def configure(self, **overrides: object) -> None:
        settings = {"apiUrl": self.api.url, "apiKey": self.api.agent_key, "agentName": "Alex",
                    "preset": "warm", "channel": "email", "stream": True, "liveTone": True}
        self.save_settings(**{**settings, **overrides})

    def enable_site(self, origin: str) -> dict:
        return self.worker.evaluate("o => kindlyWorker.enableSite(o)", origin)

    def options_url(self) -> str:
        return f"chrome-extension://{self.extension_id}/options/options.html"


@pytest.fixture(scope="session")
def extension_browser(kindly_server: KindlyApi, tmp_path_factory) -> Iterator[ExtensionBrowser]:
    build_editor_bundles()
    profile = tmp_path_factory.mktemp("chromium-profile")
    (profile / "Default").mkdir()
    # No speculative pre-connects to the routed hosts: they would bypass routing.
    (profile / "Default" / "Preferences").write_text(
        json.dumps({"net": {"network_prediction_options": 2}})
    )
    refusing_proxy = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    loaded = extension_under_test(tmp_path_factory.mktemp("extension"))
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=[f"--disable-extensions-except={loaded}", f"--load-extension={loaded}"],
            proxy={"server": refusing_proxy, "bypass": "127.0.0.1"},
            viewport={"width": 1280, "height": 900},
        )
        # Registered first, so consulted last: anything not routed below never leaves.
        context.route(NOT_LOCAL, _only_local)
        context.route("https://mail.google.com/**", site_handler(_fixed_page("gmail_thread.html")))
        context.route("https://acme.zendesk.com/**",
                      site_handler(_fixed_page("zendesk_ticket.html")))
        context.route(f"{GENERIC_ORIGIN}/**", site_handler(_editor_page))
        worker = context.service_workers[0] if context.service_workers else context.wait_for_event(
            "serviceworker"
        )
        extension_id = worker.url.split("/")[2]
        browser = ExtensionBrowser(context, extension_id, kindly_server)
        browser.configure()
        browser.enable_site(GENERIC_ORIGIN)
        yield browser
        context.close()


@pytest.fixture()
def kindly(extension_browser: ExtensionBrowser) -> Iterator[ExtensionBrowser]:
    """The shared browser, configured for the real API again after each test's changes."""
    extension_browser.configure()
    yield extension_browser
    for page in extension_browser.context.pages:
        if not page.is_closed() and page.url != "about:blank":
            page.close()


@pytest.fixture()
def page(kindly: ExtensionBrowser) -> Iterator[Page]:
    page = kindly.context.new_page()
    yield page
    if not page.is_closed():
        page.close()
