"""Browser tests: Playwright for Python driving Debian's Chromium.

Playwright never downloads a browser here; it launches /usr/bin/chromium
(Debian packages `chromium` and `chromium-driver`, which `.ci/run` installs).
Where no Chromium exists the tests are skipped with a message saying so,
except when FUNDMGR_REQUIRE_BROWSER=1 (CI), where that is a failure.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

CHROMIUM = os.environ.get("FUNDMGR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Playwright's sync API runs an event loop in this thread; the Django ORM
# calls the tests make between page actions are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = (
            f"no Chromium at {CHROMIUM}: install Debian's chromium and chromium-driver "
            "(apt-get install chromium chromium-driver) to run the browser tests"
        )
        if os.environ.get("FUNDMGR_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Opens pages, each in a new browser context (a person of its own), whose
    every document is checked by axe (``AxeWatch``): a test fails on any
    accessibility violation it meets."""
    opened = []

    def open_page():
        context = browser.new_context(locale="en-GB", base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base_url = live_server.url
        opened.append(AxeWatch(page))
        return page

    yield open_page
    try:
        for watch in opened:
            if not watch.page.is_closed():
                watch.check_pending()
    finally:
        for watch in opened:
            watch.page.context.close()


@pytest.fixture
def page(new_page):
    return new_page()


# Accessibility: axe-core on every page a browser test visits.
#
# axe-playwright-python bundles axe.min.js (nothing from a CDN) and puts it in
# the page through the DevTools protocol, which the page's CSP does not govern.
# A document is checked once it has loaded, when the test next turns to the
# page (its next step there, or the end of the test): the page's own methods
# are wrapped, so every journey checks what it visits without a line of its
# own. Not checked, for the reasons in docs/decisions.md: what is not an HTML
# page (a file, JSON) and the pages whose HTML is not ours (Django's admin,
# the API's Swagger UI and Redoc).

NOT_OURS = re.compile(r"/admin/|/api/v1/(docs|redoc|schema)/")
#: The page's methods by which a test turns to the page again.
TURNS = (
    "goto reload go_back go_forward click fill check uncheck select_option set_input_files"
    " press type locator get_by_role get_by_label get_by_text get_by_placeholder"
    " get_by_title get_by_alt_text get_by_test_id inner_text text_content evaluate"
).split()
IS_HTML = (
    "() => document.contentType === 'text/html' && document.documentElement.hasAttribute('lang')"
)


def axe_report(url: str, violations: list[dict]) -> str:
    """Each violation: its rule, impact, help, and the elements it names."""
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            why = " / ".join(
                check["message"] for kind in ("any", "all", "none") for check in node[kind]
            )
            lines.append(f"    {target}: {why}")
    return "\n".join(lines)


def check_accessibility(page) -> str | None:
    """Fail, with a readable list, if axe finds any violation on the page now
    shown; answer the URL checked (None when it is not one of our pages)."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error

    for attempt in range(3):
        page.wait_for_load_state("load")
        url = page.url
        if NOT_OURS.search(url):
            return None
        try:
            if not page.evaluate(IS_HTML):
                return None
            results = Axe().run(page)
            break
        except Error as error:  # the page moved on under axe: check the new one
            if attempt == 2 or "context was destroyed" not in str(error):
                raise
    violations = results.response["violations"]
    assert not violations, axe_report(url, violations)
    return url


class AxeWatch:
    """Checks each document the page loads, when the test next turns to it."""

    def __init__(self, page):
        self.page = page
        self.pending = False
        self.checked: list[str] = []
        page.on("load", self._loaded)
        for name in TURNS:
            setattr(page, name, self._turn(getattr(page, name)))
        page.axe_watch = self

    def _loaded(self, _page) -> None:
        self.pending = True

    def _turn(self, method):
        def turned(*args, **kwargs):
            self.check_pending()
            return method(*args, **kwargs)

        return turned

    def check_pending(self) -> None:
        if self.pending:
            self.pending = False
            url = check_accessibility(self.page)
            if url:
                self.checked.append(url)


def in_arabic(page, path: str | None = None) -> None:
    """Show ``path`` in Arabic, right to left, and check it with axe; without
    a path, the page now shown, which is then shown again in English."""
    from playwright.sync_api import expect

    page.axe_watch.check_pending()
    url = path or page.url
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": page.base_url}])
    try:
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("html")).to_have_attribute("lang", "ar")
        page.axe_watch.check_pending()
    finally:
        page.context.clear_cookies(name="django_language")
    if not path:
        page.goto(url)
