"""The public contributions figures (reports/open_data.py) on hand-made books
(tests/open_data/conftest.py), worked out by hand from the test rates
(EUR 0.880, JPY 111, KWD 0.303 per USD in March 2019): they match the books
to the cent and tie to the statement and the ledger read another way."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from donors.models import Donor, PaymentMethod
from donors.services.pledges import record_pledge
from donors.services.receipts import record_receipt
from fundmgr.money import Money
from iati import selectors as s
from iati.checks import transaction_checks
from reports.open_data import CountryTransfers, DonorBalance, DonorYear, open_data
from reports.services.statement import fund_statement
from tests.open_data.conftest import FORMULA_NAME

pytestmark = pytest.mark.django_db

#: The grants' entries are dated the day they are made.
AS_OF = timezone.localdate()
NL = "Kingdom of the Netherlands (test)"
OTHERS = "Other donors"
D = Decimal


def test_contributions_by_donor_and_year_match_the_books_to_the_cent(open_books):
    data = open_data(open_books.books.pledge.fund, AS_OF)

    assert data.by_year == [
        # 1,000,000 JPY / 111 = 9009.009...
        DonorYear(FORMULA_NAME, 2019, D("9009.01"), D("0.00")),
        # 10,000 EUR / 0.88; 6,000 EUR received / 0.88.
        DonorYear(NL, 2019, D("11363.64"), D("6818.18")),
        # 1,000 KWD / 0.303; 400 KWD / 0.303 = 1320.13, plus 500 USD.
        DonorYear(OTHERS, 2019, D("3300.33"), D("1820.13")),
        DonorYear(NL, 2020, D("2500.00"), D("2500.00")),
    ]
    assert (data.committed, data.deposited) == (D("26172.98"), D("11138.31"))


def test_deposits_against_commitments_show_what_each_donor_still_owes(open_books):
    data = open_data(open_books.books.pledge.fund, AS_OF)

    assert data.by_donor == [
        DonorBalance(FORMULA_NAME, D("9009.01"), D("0.00"), D("9009.01")),
        DonorBalance(NL, D("13863.64"), D("9318.18"), D("4545.46")),
        # The gift of 500 USD came with no pledge: deposited, owed by no one.
        DonorBalance(OTHERS, D("3300.33"), D("1820.13"), D("1980.20")),
    ]
    assert data.outstanding == D("15534.67")


def test_transfers_are_the_travel_grants_summed_by_recipient_country(open_books):
    data = open_data(open_books.books.pledge.fund, AS_OF)

    # Nepal: grants of 2,000 and 3,000, advances of 80%, claims settled at 1,800 each.
    assert data.transfers == [
        CountryTransfers("BT", "Bhutan", D("2500.00"), D("0.00"), D("0.00")),
        CountryTransfers("NP", "Nepal", D("5000.00"), D("4000.00"), D("3600.00")),
    ]
    assert (data.transferred, data.advanced, data.settled) == (
        D("7500.00"),
        D("4000.00"),
        D("3600.00"),
    )


def test_the_totals_equal_the_statement_and_the_ledger_accounts(open_books):
    fund = open_books.books.pledge.fund
    data = open_data(fund, AS_OF)
    statement = fund_statement(fund, AS_OF)
    books = {check.type: check.expected.amount for check in transaction_checks(fund, AS_OF)}

    assert data.deposited == statement.cash_received.amount
    assert data.settled == statement.expenditure.amount
    assert data.committed == books[s.INCOMING_COMMITMENT]
    assert data.transferred == books[s.OUTGOING_COMMITMENT]
    assert data.advanced == books[s.DISBURSEMENT]
    # What is still owed is the ledger's pledges receivable.
    assert data.outstanding == statement.receivable.amount


def test_donors_who_did_not_choose_to_be_listed_are_only_other_donors(open_books):
    data = open_data(open_books.books.pledge.fund, AS_OF)
    names = {row.donor for row in data.by_year} | {row.donor for row in data.by_donor}

    assert names == {FORMULA_NAME, NL, OTHERS}


def test_a_listed_donor_nobody_vouched_for_is_counted_among_other_donors(open_books, admin_user):
    fund = open_books.books.pledge.fund
    claimed = Donor.objects.create(
        name="Someone's typed government", kind="member_state", email="x@example.org",
        listed_publicly=True,
    )  # fmt: skip
    pledge = record_pledge(
        fund=fund, donor=claimed, amount=Money("100", "USD"),
        pledge_date=datetime.date(2019, 3, 26), method=PaymentMethod.BANK_TRANSFER,
        by=admin_user, confirmed=False,
    )  # fmt: skip
    record_receipt(
        fund=fund, donor=claimed, pledge=pledge, amount=Money("100", "USD"),
        value_date=datetime.date(2019, 3, 27), by=admin_user, notify=False,
    )  # fmt: skip

    data = open_data(fund, AS_OF)

    assert "Someone's typed government" not in {row.donor for row in data.by_donor}
    assert data.by_donor[-1] == DonorBalance(OTHERS, D("3300.33"), D("1920.13"), D("1980.20"))


def test_a_fund_without_books_has_empty_tables_and_zero_totals(fund):
    data = open_data(fund, AS_OF)

    assert (data.by_year, data.by_donor, data.transfers) == ([], [], [])
    assert (data.committed, data.deposited, data.outstanding, data.transferred) == (
        D("0.00"),
        D("0.00"),
        D("0.00"),
        D("0.00"),
    )


def test_a_pledge_cancelled_after_part_payment_is_a_negative_commitment_in_its_year(
    open_books, admin_user
):
    from donors.models import Pledge
    from donors.services.pledges import cancel_pledge

    fund = open_books.books.pledge.fund
    kwd = Pledge.objects.get(donor=open_books.quiet)
    cancel_pledge(kwd, admin_user, reason="Budget cut", on=datetime.date(2020, 6, 30))

    data = open_data(fund, AS_OF)

    # 600 KWD unpaid of 1,000, at the booked 0.303: 1980.20 taken back in 2020.
    assert DonorYear(OTHERS, 2020, D("-1980.20"), D("0.00")) in data.by_year
    assert data.by_donor[-1] == DonorBalance(OTHERS, D("1320.13"), D("1820.13"), D("0.00"))
    assert data.outstanding == fund_statement(fund, AS_OF).receivable.amount


def test_donors_are_listed_in_the_readers_alphabetical_order(open_books):
    """Named donors in the order a reader of the language expects (Unicode
    collation: "É" with the "E"s), not by code point, which put an accented
    name after "Z"."""
    Donor.objects.filter(name=FORMULA_NAME).update(name="Zakat Fund (test)")
    Donor.objects.filter(name=NL).update(name="Émirats arabes unis (test)")

    data = open_data(open_books.books.pledge.fund, AS_OF)

    assert [row.donor for row in data.by_donor] == [
        "Émirats arabes unis (test)",
        "Zakat Fund (test)",
        OTHERS,
    ]
