"""In a real browser, the Content-Security-Policy blocks nothing the site
needs: the main pages of each kind of reader, the admin and the card page
(Stripe.js from localstripe) load with no CSP violation reported, and the
appeal's progress bar still draws."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from fundmgr.demo import DEMO_PASSWORD
from tests.browser.test_card_pledge import live_localstripe  # noqa: F401 - fixture

#: Recorded in the page before any of its own scripts runs (CDP-injected, so
#: the page's CSP does not apply to it).
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


@pytest.fixture
def watched(page):
    """The page, with every CSP violation (event or console message) collected."""
    console = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )

    def violations() -> list[str]:
        return console + page.evaluate("window.__cspViolations || []")

    page.violations = violations
    return page


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()


def visit(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    assert page.violations() == [], (url, page.violations())


def test_the_public_pages_load_with_no_csp_violation(watched, demo):
    for url in ("/", "/appeals/bapa40-ldc-participation/", "/donor/sign-in/", "/accounts/login/"):
        visit(watched, url)
    watched.goto("/appeals/bapa40-ldc-participation/")
    bar = watched.locator("svg.progress rect.progress-received")
    assert float(bar.evaluate("rect => rect.getBBox().width")) > 0  # drawn without inline style


@pytest.mark.parametrize("username", ["finance", "auditor"])
def test_a_book_readers_main_pages_load_with_no_csp_violation(watched, demo, username):
    sign_in(watched, username)
    for url in (
        "/work/",
        "/funds/UNFSSC/",
        "/grants/BAPA40/",
        "/grants/BAPA40/nominations/",
        "/reports/UNFSSC/dashboard/",
        "/reports/UNFSSC/statement/",
        "/finance/UNFSSC/pledges/",
        "/rates/",
    ):
        visit(watched, url)


def test_the_admin_works_under_the_csp(watched, demo):
    sign_in(watched, "admin")
    visit(watched, "/admin/")
    visit(watched, "/admin/fundmgr/fund/")
    watched.get_by_role("link", name="UNFSSC", exact=True).click()
    watched.wait_for_load_state("load")
    expect(watched.get_by_role("button", name="Save", exact=True)).to_be_visible()
    assert watched.violations() == []
    # The admin's own scripts ran (its sidebar toggle exists only once nav_sidebar.js has run).
    expect(watched.locator("#toggle-nav-sidebar")).to_be_attached()


def test_the_card_page_loads_stripe_js_with_no_csp_violation(
    watched,
    live_localstripe,  # noqa: F811 - fixture
    fund,
):
    import datetime

    from django.utils import timezone

    from donors.models import Appeal
    from fundmgr.models import ExchangeRate
    from fundmgr.money import Money

    first = timezone.localdate().replace(day=1)
    for day in (first, (first + datetime.timedelta(days=32)).replace(day=1)):
        ExchangeRate.objects.create(currency="EUR", effective_date=day, units_per_usd="0.925")
    Appeal.objects.create(
        fund=fund,
        slug="ldc-travel",
        title="LDC delegates' travel",
        purpose="Pays for delegates of least developed countries.",
        target=Money("100000", "USD"),
    )
    stripe_js = []
    watched.on(
        "response",
        lambda response: (
            stripe_js.append(response.status) if "js.stripe.com" in response.url else None
        ),
    )
    watched.goto("/appeals/ldc-travel/pledge/")
    watched.get_by_label("Name of the donor").fill("Card Giver")
    watched.get_by_label("Kind of donor").select_option("individual")
    watched.get_by_label("E-mail").fill("card-giver@example.org")
    watched.get_by_label("Amount", exact=True).fill("250")
    watched.get_by_label("Currency").select_option("EUR")
    watched.get_by_label("Card, now").check()
    watched.get_by_role("button", name="Pledge", exact=True).click()
    expect(watched.get_by_role("heading", level=1)).to_have_text("Pay by card")
    watched.wait_for_load_state("load")
    assert stripe_js and stripe_js[0] == 200  # Stripe.js was allowed and loaded
    assert watched.evaluate("typeof Stripe") == "function"
    assert watched.violations() == []
