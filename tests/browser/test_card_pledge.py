"""Journey: a donor pledges 250 EUR by card, pays with localstripe's development
card, waits on "processing", and sees the confirmation once Stripe's webhook
(sent by localstripe to the live server, really signed) has recorded the receipt."""

from __future__ import annotations

import datetime
import os
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from donors.models import Appeal, Receipt
from donors.payments import localstripe_server
from fundmgr.chart import AccountKey
from fundmgr.models import ExchangeRate
from fundmgr.money import Money
from fundmgr.services.ledger import account_balances
from tests.browser.conftest import in_arabic

WEBHOOK_SECRET = "whsec_browser_test_only"


@pytest.fixture
def live_localstripe(live_server, settings):
    try:
        server = localstripe_server.start(
            webhook_url=f"{live_server.url}/stripe/webhook/", webhook_secret=WEBHOOK_SECRET
        )
    except (localstripe_server.LocalStripeError, OSError) as error:
        message = f"localstripe could not start: {error}"
        if os.environ.get("FUNDMGR_REQUIRE_STRIPE") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_local"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = server.api_base
    settings.STRIPE_JS_URL = server.js_url
    yield server
    server.stop()


def test_a_donor_pledges_250_eur_by_card_and_sees_the_receipt_once_stripe_confirms(
    page, live_localstripe, fund
):
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

    in_arabic(page, "/appeals/ldc-travel/pledge/")
    page.goto("/appeals/ldc-travel/pledge/")
    page.get_by_label("Name of the donor").fill("Card Giver")
    page.get_by_label("Kind of donor").select_option("individual")
    page.get_by_label("E-mail").fill("card-giver@example.org")
    page.get_by_label("Amount", exact=True).fill("250")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("Card, now").check()
    page.get_by_role("button", name="Pledge", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Pay by card")
    expect(page.get_by_text("Development card", exact=True)).to_be_visible()
    page.get_by_label("Development card: Visa, paid").check()
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your payment is processing")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you: your payment is received", timeout=20_000
    )
    receipt = Receipt.objects.get()
    expect(page.get_by_role("status")).to_contain_text(receipt.number)
    assert receipt.amount == Money("250", "EUR") and receipt.base_amount == Decimal("270.27")
    balances = account_balances(fund)
    assert balances[AccountKey.CARD_CLEARING].balance == Decimal("270.27")
    assert balances[AccountKey.CONTRIBUTIONS].balance == Decimal("270.27")
