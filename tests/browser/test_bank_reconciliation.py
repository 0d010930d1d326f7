"""Journey: every bank line ends matched or explicitly left unreconciled, in
Chromium, on the BAPA+40 demo. Finance imports a statement whose only line is
the bank's monthly charge (money leaving: no pledge can match it), finds it
still open on the bank reconciliation page, leaves it unreconciled as a bank
charge and books it; the line is no longer open and the charge is in the
ledger once. Then she reopens it with a reason: its entry is reversed, the
line is open again, and she books it again: the charge is in the ledger once
more, through a new entry."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from donors.models import BankLine
from fundmgr.chart import AccountKey
from fundmgr.demo import DEMO_PASSWORD
from fundmgr.models import Fund, JournalEntry
from fundmgr.services.ledger import account_balances
from tests.browser.conftest import in_arabic


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


def test_finance_leaves_the_banks_charge_unreconciled_books_it_reopens_it_and_books_it_again(
    page, demo, tmp_path
):
    statement = tmp_path / "statement.csv"
    statement.write_text(
        "value_date,amount,currency,reference,counterparty,bank_ref\n"
        f"{timezone.localdate().isoformat()},-25.00,USD,MONTHLY FEE,The Bank,BK-FEE-1\n"
    )
    fund = Fund.objects.get(code="UNFSSC")
    fees_before = account_balances(fund).get(AccountKey.BANK_FEES)
    assert fees_before is None or fees_before.balance == 0

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

    page.goto("/funds/UNFSSC/")
    page.get_by_role("link", name="Card payouts and bank").click()
    line = BankLine.objects.get(bank_ref="BK-FEE-1")
    row = page.locator(f'#open-lines tr[data-line="{line.pk}"]')
    expect(row).to_contain_text("MONTHLY FEE")
    in_arabic(page)
    row.get_by_label("Because").select_option("bank_charge")
    row.get_by_label("Book it (bank charge or interest)").check()
    row.get_by_role("button", name="Leave unreconciled").click()

    expect(page.locator(f'#open-lines tr[data-line="{line.pk}"]')).to_have_count(0)
    line.refresh_from_db()
    assert line.unreconciled_reason == "bank_charge" and line.unreconciled_entry_id
    assert line.unreconciled_by.username == "finance"
    assert account_balances(fund)[AccountKey.BANK_FEES].balance == 25

    # Reopened with a reason: the entry is reversed, the line is open again.
    first = line.unreconciled_entry
    left = page.locator(f'#left-lines tr[data-line="{line.pk}"]')
    left.get_by_label("Why reopen it").fill("Booked against the wrong month")
    left.get_by_role("button", name="Reopen and reverse its entry").click()
    row = page.locator(f'#open-lines tr[data-line="{line.pk}"]')
    expect(row).to_contain_text("MONTHLY FEE")
    expect(page.locator(f'#left-lines tr[data-line="{line.pk}"]')).to_have_count(0)
    reversal = JournalEntry.objects.get(reverses=first)
    assert "Booked against the wrong month" in reversal.memo
    assert account_balances(fund)[AccountKey.BANK_FEES].balance == 0

    # Booked again: a new entry, the charge once in the ledger.
    row.get_by_label("Because").select_option("bank_charge")
    row.get_by_label("Book it (bank charge or interest)").check()
    row.get_by_role("button", name="Leave unreconciled").click()
    expect(page.locator(f'#open-lines tr[data-line="{line.pk}"]')).to_have_count(0)
    line.refresh_from_db()
    assert line.unreconciled_entry_id not in (None, first.pk, reversal.pk)
    assert account_balances(fund)[AccountKey.BANK_FEES].balance == 25
