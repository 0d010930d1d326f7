"""Journey: the conference costs and the host country's contribution, in
Chromium, on the BAPA+40 demo. A finance officer opens the event's
reconciliation from the fund page, sees a regular-budget impact of zero,
records cash Argentina paid in, and sees it in the host's summary and
records; the trust fund's cash is untouched (the host's money is kept apart)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from fundmgr.demo import DEMO_PASSWORD
from fundmgr.models import Fund
from fundmgr.services.funds import positions
from reports.models import HostContribution
from tests.browser.conftest import in_arabic

FUND_NAME = "United Nations Fund for South-South Cooperation"


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


def trust_fund_cash():
    fund = Fund.objects.get(code="UNFSSC")
    return positions([fund], timezone.localdate())[0].cash


def test_finance_records_the_hosts_cash_which_stays_apart_from_the_trust_fund(page, demo):
    cash_before = trust_fund_cash()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("finance")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Funds").click()
    page.get_by_role("link", name=f"Details of {FUND_NAME}").click()
    page.get_by_role("link", name="Conference costs and the host country's contribution").click()

    in_arabic(page)
    impact = page.get_by_role("region", name="Regular-budget impact")
    expect(impact).to_contain_text("no regular-budget money")
    received = page.get_by_role("row", name="Received in cash")
    before = received.inner_text()

    form = page.locator("form", has=page.get_by_role("button", name="Record the contribution"))
    form.get_by_label("What").select_option("cash_received")
    form.get_by_label("Amount").fill("39500")
    form.get_by_label("Currency").fill("ARS")
    form.get_by_label("Date").fill("2019-03-15")
    form.get_by_label("Reference").fill("AR-TRANSFER-BROWSER-1")
    form.get_by_label("Description").fill("Second transfer from Argentina (browser test)")
    form.get_by_role("button", name="Record the contribution").click()

    expect(page.get_by_role("cell", name="AR-TRANSFER-BROWSER-1")).to_be_visible()
    expect(page.get_by_role("row", name="Received in cash")).not_to_have_text(before)
    expect(page.get_by_role("region", name="Regular-budget impact")).to_contain_text(
        "no regular-budget money"
    )
    recorded = HostContribution.objects.get(reference="AR-TRANSFER-BROWSER-1")
    assert recorded.entry is not None
    assert recorded.entry.legs.filter(account__segregated=True).count() == 2
    assert not recorded.entry.legs.filter(account__segregated=False).exists()
    assert trust_fund_cash() == cash_before


def test_a_cost_beyond_the_hosts_cash_is_refused_focused_with_error_in_the_title(page, demo):
    """The refusal is said at the top of the page shown again: it takes the
    focus and the title starts with "Error: ", in English and in Arabic."""
    import re

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("finance")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for language in ("en", "ar"):
        if language == "ar":
            page.context.add_cookies(
                [{"name": "django_language", "value": "ar", "url": page.base_url}]
            )
        page.goto("/reports/events/BAPA40/conference/")
        form = page.locator("form", has=page.locator("[name=reference]")).nth(1)
        form.locator("[name=budget_line]").select_option(index=1)
        form.locator("[name=amount]").fill("999999999")
        form.locator("[name=currency]").fill("ARS")
        form.locator("[name=date]").fill("2019-03-15")
        form.locator("[name=reference]").fill("TOO-MUCH-1")
        form.locator("[name=description]").fill("More than the host ever paid in")
        form.locator("button[type=submit]").click()

        refusal = page.get_by_role("alert").filter(has=page.locator("#refusal-title"))
        expect(refusal).to_be_focused()
        if language == "en":
            expect(refusal).to_contain_text("Not done: nothing was changed")
            expect(page).to_have_title(re.compile(r"^Error: Conference costs "))
        else:
            expect(page.locator("html")).to_have_attribute("dir", "rtl")
            expect(page).to_have_title(re.compile(r"^\S+ "))
        page.axe_watch.check_pending()
