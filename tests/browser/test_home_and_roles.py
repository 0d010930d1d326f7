"""Journeys in a real browser: the home page in each language, the keyboard
path to the content, and every demo role signing in to see the fund."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from playwright.sync_api import expect

from fundmgr.demo import DEMO_LOGINS, DEMO_PASSWORD
from fundmgr.models import Fund
from fundmgr.services.funds import positions
from tests.browser.conftest import in_arabic

FUND_NAME = "United Nations Fund for South-South Cooperation"


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


def translated(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


@pytest.mark.parametrize("language", ["ar", "zh-hans", "en", "fr", "ru", "es"])
def test_home_page_switches_to_each_language_with_the_language_form(page, demo, language):
    page.goto("/")
    page.get_by_label(translated("en", "Language")).select_option(language)
    page.locator("form.language-form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    heading = translated(language, "Voluntary trust funds")
    if language != "en":
        assert heading != "Voluntary trust funds", f"no {language} translation of the heading"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("heading", name=FUND_NAME)).to_be_visible()
    # Money in the language's own notation. Demo cash: 250,000.00 brought forward
    # plus EUR 60,000 received at 0.878 (February 2019) = 68,337.13, less what
    # the demo's travel grants paid out (advances, a settled claim, its PSC).
    held = positions(list(Fund.objects.filter(code="UNFSSC")), timezone.localdate())[0].cash
    assert held.amount < Decimal("318337.13")  # the grants did pay out
    units, cents = f"{held.amount:.2f}".split(".")
    thousands, rest = units[:-3], units[-3:]
    separator = {"en": ",", "fr": r"\s", "es": r"\.", "ru": r"\s"}.get(language, ",")
    decimal_mark = {"fr": ",", "es": ",", "ru": ","}.get(language, r"\.")
    pattern = f"{thousands}{separator}{rest}{decimal_mark}{cents}"
    cash = page.locator(".figure dd").first.inner_text()
    assert re.search(pattern, cash), (pattern, cash)


def _text_edges(locator) -> tuple[float, float]:
    """Where a heading's text begins and ends on the screen (its box spans the
    whole column whichever way it runs)."""
    return tuple(
        locator.evaluate(
            "h => { const r = document.createRange(); r.selectNodeContents(h);"
            " const b = r.getBoundingClientRect(); return [b.left, b.right]; }"
        )
    )


def test_arabic_pages_run_right_to_left_and_english_left_to_right(page, demo):
    page.goto("/")
    heading = page.get_by_role("heading", level=1)
    column = page.locator("main#main").bounding_box()
    left, right = _text_edges(heading)
    assert left - column["x"] < 40 < column["x"] + column["width"] - right
    page.get_by_label(translated("en", "Language")).select_option("ar")
    page.locator("form.language-form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(heading).to_have_text(translated("ar", "Voluntary trust funds"))
    column = page.locator("main#main").bounding_box()
    left, right = _text_edges(heading)
    # Mirrored: the text starts at the right edge of the column.
    assert column["x"] + column["width"] - right < 40 < left - column["x"]
    # And so does the site's header: the fund's name before the menu, on the right.
    brand = page.locator("header a").first.bounding_box()
    assert brand["x"] > page.viewport_size["width"] / 2


def test_keyboard_user_skips_straight_to_the_main_content(page, demo):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


@pytest.mark.parametrize("login", DEMO_LOGINS, ids=[login.username for login in DEMO_LOGINS])
def test_each_demo_role_signs_in_and_sees_the_fund(page, demo, login):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(login.username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {login.username}")).to_be_visible()
    # Everyone lands on their work (fundmgr/work.py); the funds are a link away.
    expect(page.get_by_role("heading", level=1, name="My work")).to_be_visible()
    in_arabic(page)  # each role's "My work", checked by axe in Arabic too
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Funds").click()
    expect(page.get_by_role("heading", name=FUND_NAME)).to_be_visible()
    page.get_by_role("link", name=f"Details of {FUND_NAME}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(FUND_NAME)
    trial_balance = page.get_by_role("table", name=re.compile("Trial balance"))
    if login.username in ("donor", "focal"):  # neither reads the books
        expect(trial_balance).to_have_count(0)
    else:
        expect(trial_balance).to_be_visible()
        expect(page.get_by_text("Debits equal credits")).to_be_visible()
