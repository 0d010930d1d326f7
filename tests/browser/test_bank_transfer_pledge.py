"""Journey: a donor pledges by bank transfer on the appeal page; finance
imports the bank statement whose line quotes the reference; the pledge is paid
and the receipt is in the ledger at the value date's rate."""

import re
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from donors.models import Pledge, Receipt
from fundmgr.demo import DEMO_PASSWORD
from tests.browser.conftest import in_arabic


def test_donor_pledges_by_transfer_and_finance_imports_the_matching_line(
    page, transactional_db, tmp_path
):
    call_command("load_demo", verbosity=0)
    page.goto("/")
    page.get_by_role("link", name=re.compile("Support the participation")).click()
    page.get_by_role("link", name="Make a pledge").click()
    in_arabic(page)
    page.get_by_label("Name of the donor").fill("Fondation Exemple")
    page.get_by_label("Kind of donor").select_option("philanthropic")
    page.get_by_label("E-mail", exact=True).fill("dons@fondation-exemple.org")
    page.get_by_label("List my name among the donors").check()
    page.get_by_label("Amount", exact=True).fill("5000")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("Bank transfer").check()
    page.get_by_role("button", name="Pledge", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your pledge")
    reference = page.locator(".reference").inner_text()
    pledge = Pledge.objects.get(reference=reference)
    assert pledge.amount.amount == Decimal("5000") and str(pledge.amount.currency) == "EUR"

    today = timezone.localdate().isoformat()
    statement = tmp_path / "statement.csv"
    statement.write_text(
        "value_date,amount,currency,reference,counterparty,bank_ref\n"
        f"{today},5000.00,EUR,{reference.lower().replace('-', ' ')},Fondation Exemple,BK-7781\n"
    )
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("finance")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/funds/UNFSSC/")
    page.get_by_role("link", name="Pledge register").click()
    page.get_by_role("link", name="Import a bank statement").click()
    page.get_by_label("Bank statement: CSV, XLSX, CAMT.053 (XML) or MT940 file").set_input_files(
        str(statement)
    )
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text("1 matched")

    receipt = Receipt.objects.get(pledge=pledge)
    # The demo's current-month EUR rate is April 2019's: 0.890 per USD.
    assert receipt.base_amount == (Decimal("5000") / Decimal("0.890")).quantize(Decimal("0.01"))
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PAID
