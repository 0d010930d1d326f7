"""The product's rule for its IATI files: over any period, each transaction
type sums to the books' figure for it; a gap is named with both figures."""

# ruff: noqa: F401, F811

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from donors.services.pledges import cancel_pledge
from fundmgr.chart import AccountKey
from fundmgr.money import Money
from fundmgr.services.ledger import credit, debit, post_entry
from iati.checks import check_transactions, transaction_checks
from iati.selectors import all_flows
from reports.services.statement import fund_statement
from tests.iati.conftest import books

pytestmark = pytest.mark.django_db


def test_every_transaction_type_sums_to_the_books_figure_for_the_whole_life(books, fund):
    checks = {check.type: check for check in transaction_checks(fund, timezone.localdate())}
    assert all(check.holds for check in checks.values())
    statement = fund_statement(fund, timezone.localdate())
    assert checks["1"].reported == statement.cash_received
    assert checks["4"].reported == statement.expenditure == Money("3600.00", "USD")
    assert checks["2"].reported == Money("7500.00", "USD")
    assert checks["3"].reported == Money("4000.00", "USD")
    # EUR 10,000 at 0.880 per dollar, booked at the pledge date's rate.
    assert checks["11"].reported == Money("11363.64", "USD")
    assert check_transactions(fund, timezone.localdate()) == []


def test_the_rule_holds_over_a_period_that_cuts_through_the_books(books, fund):
    march = (datetime.date(2019, 3, 6), datetime.date(2019, 3, 31))
    checks = {c.type: c for c in transaction_checks(fund, march[1], march[0])}
    assert all(check.holds for check in checks.values())
    assert checks["11"].reported == Money("0.00", "USD")  # the pledge is dated 5 March
    assert checks["1"].reported.amount > 0  # the receipts of 11 and 12 March


def test_the_rule_holds_after_a_pledge_is_cancelled(books, fund, admin_user):
    cancel_pledge(books.pledge, admin_user, reason="donor withdrew", on=datetime.date(2019, 6, 1))
    assert check_transactions(fund, timezone.localdate()) == []
    assert check_transactions(fund, datetime.date(2019, 6, 30), datetime.date(2019, 6, 1)) == []


def test_expenditure_posted_outside_a_grant_is_reported_with_both_figures(books, fund, admin_user):
    money = Money(Decimal("125.00"), "USD")
    post_entry(
        fund,
        timezone.localdate(),
        "Travel booked by hand (test)",
        [debit(AccountKey.TRAVEL_EXPENDITURE, money), credit(AccountKey.BANK, money)],
        admin_user,
    )
    assert check_transactions(fund, timezone.localdate()) == [
        "Transaction type 4 (Expenditure): the file reports 3600.00 USD, "
        "the statement's travel expenditure is 3725.00 USD."
    ]


@pytest.mark.parametrize("start", [None, datetime.date(2019, 3, 6)])
def test_the_rule_reads_the_day_totals_and_the_receipts_never_the_legs_again(books, fund, start):
    """With the flows the file was made of, the figures they must equal are
    three queries: the statement's lines and the accounts' debits from the
    ledger's day totals, the cash received and what receipts cleared. The
    rule drew up the whole statement (every contribution leg traced to its
    donor, every receivable leg to its pledge) and summed the legs twice."""
    end = timezone.localdate()
    flows = all_flows(fund, end, start)
    with CaptureQueriesContext(connection) as queries:
        assert check_transactions(fund, end, start, flows=flows) == []
    assert len(queries) == 3
    assert [q["sql"] for q in queries if '"fundmgr_leg"' in q["sql"]] == []
