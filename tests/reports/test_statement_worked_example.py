"""The fund's financial statement on a worked example whose every line is
computed by hand in the comments (docs/reports.md, "Financial statement").

Rates (units per USD): EUR 0.880 in March 2019 and 0.890 in April; JPY 111
in March and (added here) 110 in April. Conversions round half up to the cent.
The grants move today (the workflow dates its entries today), so the
statement is drawn up as of today."""

# The shared fixtures are imported from test_workflow_support; pytest's
# arguments of the same name are them, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from donors.models import Receipt
from donors.services.pledges import (
    InstalmentSpec,
    cancel_pledge,
    find_or_create_donor,
    record_pledge,
)
from donors.services.receipts import Fee, record_receipt
from fundmgr.chart import AccountKey as K
from fundmgr.models import ExchangeRate
from fundmgr.money import Money
from fundmgr.services.funds import positions
from fundmgr.services.ledger import account_balances, credit, debit, post_entry
from grants.services import workflow
from reports.services.statement import StatementError, fund_statement
from tests.grants.test_workflow_support import quick_password_hashing, walk  # noqa: F401

pytestmark = pytest.mark.django_db

D = Decimal


def usd(value: str) -> Money:
    return Money(D(value), "USD")


@pytest.fixture
def scenario(fund, rates, admin_user, make_grant, walk, finance):
    """Pledges in EUR, JPY and USD, receipts at other rates, a card payment
    with a fee and a refund, interest, a bank charge, and grants committed,
    advanced, and settled with the unused advance paid back."""
    ExchangeRate.objects.create(
        currency="JPY", effective_date=datetime.date(2019, 4, 1), units_per_usd=D("110.000")
    )
    today = timezone.localdate()
    testland = find_or_create_donor(
        name="Republic of Testland", kind="member_state", email="mission@testland.example"
    )
    nippon = find_or_create_donor(
        name="Nippon Foundation", kind="philanthropic", email="grants@nippon.example"
    )
    acme = find_or_create_donor(name="Acme Corp", kind="private_sector", email="csr@acme.example")
    jane = find_or_create_donor(name="Jane Giver", kind="individual", email="jane@example.org")

    # Testland: EUR 100,000, binding, in three instalments, 5 March 2019.
    # Booked at 0.880: 100,000 / 0.88 = 113,636.3636 -> 113,636.36.
    testland_pledge = record_pledge(
        fund=fund,
        donor=testland,
        amount=Money("100000", "EUR"),
        pledge_date=datetime.date(2019, 3, 5),
        method="schedule",
        agreement_signed=True,
        schedule=[
            InstalmentSpec(Money("40000", "EUR"), datetime.date(2019, 3, 31)),
            InstalmentSpec(Money("30000", "EUR"), today - datetime.timedelta(days=100)),
            InstalmentSpec(Money("30000", "EUR"), today + datetime.timedelta(days=200)),
        ],
        by=admin_user,
    )
    # EUR 40,000 received 10 April at 0.890: 44,943.8202 -> 44,943.82 cash; clears
    # 113,636.36 x 40,000 / 100,000 = 45,454.544 -> 45,454.54 of the receivable;
    # exchange loss 45,454.54 - 44,943.82 = 510.72.
    record_receipt(
        fund=fund,
        donor=testland,
        amount=Money("40000", "EUR"),
        value_date=datetime.date(2019, 4, 10),
        pledge=testland_pledge,
        by=admin_user,
        notify=False,
    )

    # Nippon: JPY 5,000,000, binding, one instalment due on 8 March 2019.
    # Booked at 111: 45,045.045 -> 45,045.05.
    nippon_pledge = record_pledge(
        fund=fund,
        donor=nippon,
        amount=Money("5000000", "JPY"),
        pledge_date=datetime.date(2019, 3, 8),
        method="bank_transfer",
        agreement_signed=True,
        by=admin_user,
    )
    # JPY 2,000,000 received 15 April at 110: 18,181.818 -> 18,181.82 cash; clears
    # 45,045.05 x 2/5 = 18,018.02; exchange gain 18,181.82 - 18,018.02 = 163.80.
    record_receipt(
        fund=fund,
        donor=nippon,
        amount=Money("2000000", "JPY"),
        value_date=datetime.date(2019, 4, 15),
        pledge=nippon_pledge,
        by=admin_user,
        notify=False,
    )

    # Acme: USD 10,000, binding, 10 March; USD 4,000 paid 20 March; the rest
    # (6,000) cancelled 20 April: written down out of revenue (Dr contributions).
    acme_pledge = record_pledge(
        fund=fund,
        donor=acme,
        amount=usd("10000"),
        pledge_date=datetime.date(2019, 3, 10),
        method="schedule",
        agreement_signed=True,
        schedule=[
            InstalmentSpec(usd("5000"), datetime.date(2019, 3, 10)),
            InstalmentSpec(usd("5000"), datetime.date(2019, 4, 10)),
        ],
        by=admin_user,
    )
    record_receipt(
        fund=fund,
        donor=acme,
        amount=usd("4000"),
        value_date=datetime.date(2019, 3, 20),
        pledge=acme_pledge,
        by=admin_user,
        notify=False,
    )
    cancel_pledge(acme_pledge, admin_user, reason="budget cut", on=datetime.date(2019, 4, 20))

    # Jane: EUR 500 by card on 2 April (not binding: revenue on receipt), as the
    # card code records it (record_receipt, method card, the processor's fee):
    # 500 / 0.89 = 561.7977 -> 561.80 revenue; fee 16.54; card clearing 545.26.
    jane_pledge = record_pledge(
        fund=fund,
        donor=jane,
        amount=Money("500", "EUR"),
        pledge_date=datetime.date(2019, 4, 2),
        method="card",
        by=admin_user,
    )
    record_receipt(
        fund=fund,
        donor=jane,
        amount=Money("500", "EUR"),
        value_date=datetime.date(2019, 4, 2),
        pledge=jane_pledge,
        method=Receipt.Method.CARD,
        fees=(Fee(usd("16.54")),),
        by=admin_user,
        notify=False,
    )
    # EUR 100 refunded on 5 April, at the receipt's rate as the card code's
    # _apply_refunds posts it: 561.80 x 100 / 500 = 112.36.
    post_entry(
        fund,
        datetime.date(2019, 4, 5),
        "Card refund re_test of ch_test",
        [
            debit(K.DONOR_REFUNDS, Money("100", "EUR"), usd("112.36")),
            credit(K.CARD_CLEARING, Money("100", "EUR"), usd("112.36")),
        ],
        admin_user,
        kind="card-refund",
    )
    # Interest 123.45 and a bank charge of 25.00 on 30 April.
    post_entry(
        fund,
        datetime.date(2019, 4, 30),
        "Interest April",
        [debit(K.BANK, usd("123.45")), credit(K.INTEREST, usd("123.45"))],
        admin_user,
    )
    post_entry(
        fund,
        datetime.date(2019, 4, 30),
        "Bank charges April",
        [debit(K.BANK_FEES, usd("25.00")), credit(K.BANK, usd("25.00"))],
        admin_user,
    )

    # Grants of 2,000.00 each (PSC 8%): one committed; one with its 80% advance
    # (1,600.00) paid, 400.00 still committed; one settled at 1,500.00 after a
    # 1,600.00 advance (PSC 120.00), the unused 100.00 paid back by the traveller.
    walk(make_grant(cost=D("2000.00"), country="NP"), "committed")
    walk(make_grant(cost=D("2000.00"), country="BD"), "advance_paid")
    settled = walk(make_grant(cost=D("2000.00"), country="ET"), "settled", actual="1500.00")
    workflow.record_traveller_refund(settled, finance, "100.00")
    return fund


def test_every_line_since_inception_matches_the_hand_computation(scenario):
    today = timezone.localdate()
    s = fund_statement(scenario, today)

    assert s.period_start == datetime.date(2019, 3, 5)  # the first entry
    assert s.opening == usd("0.00")
    # 113,636.36 + 45,045.05 + (10,000.00 - 6,000.00) + 561.80 = 163,243.21
    assert s.contributions == usd("163243.21")
    assert s.interest == usd("123.45")
    assert s.fx_gains == usd("163.80")
    assert s.fx_losses == usd("510.72")
    assert s.expenditure == usd("1500.00")
    assert s.psc == usd("120.00")
    assert s.donor_refunds == usd("112.36")
    assert s.bank_fees == usd("25.00")
    assert s.card_fees == usd("16.54")
    assert s.other_income == usd("0") and s.other_expenses == usd("0")
    # 163,243.21 + 123.45 + 163.80 - 510.72 - 1,500 - 120 - 112.36 - 25 - 16.54
    # = 161,245.84; and from the assets: bank 64,004.09 + card clearing 432.90
    # + receivable 95,208.85 + advances 1,600.00 = 161,245.84.
    assert s.closing == usd("161245.84")
    assert s.computed_closing == usd("161245.84")
    assert s.balances and s.difference == usd("0")

    # Cash received: 44,943.82 + 18,181.82 + 4,000.00 + 561.80 = 67,687.44.
    assert s.cash_received == usd("67687.44")


def test_contributions_by_donor_show_the_original_currencies(scenario):
    s = fund_statement(scenario, timezone.localdate())
    lines = [(c.name, c.kind, c.amount, c.originals) for c in s.contributions_by_donor]
    assert lines == [
        ("Acme Corp", "Private sector", usd("4000.00"), (usd("4000.00"),)),
        ("Jane Giver", "Individual", usd("561.80"), (Money("500.00", "EUR"),)),
        (
            "Nippon Foundation",
            "Philanthropic organization",
            usd("45045.05"),
            (Money("5000000", "JPY"),),
        ),
        ("Republic of Testland", "Member State", usd("113636.36"), (Money("100000.00", "EUR"),)),
    ]
    assert sum((c.amount.amount for c in s.contributions_by_donor), D(0)) == D("163243.21")


def test_the_position_equals_the_fund_page(scenario):
    today = timezone.localdate()
    s = fund_statement(scenario, today)
    # Cash 64,004.09 + 432.90 = 64,436.99; commitments 2,000 + 400 = 2,400.00,
    # PSC on them 192.00; advances 1,600.00, PSC on them 128.00; reserve 10%
    # of cash = 6,443.699 -> 6,443.70; available 64,436.99 - 2,400 - 192 - 128
    # - 6,443.70 = 55,273.29.
    p = s.position
    assert (p.cash, p.travel_advances, p.open_commitments) == (
        usd("64436.99"),
        usd("1600.00"),
        usd("2400.00"),
    )
    assert (p.psc_on_commitments, p.psc_on_advances, p.operating_reserve) == (
        usd("192.00"),
        usd("128.00"),
        usd("6443.70"),
    )
    assert p.available_to_commit == usd("55273.29")
    assert p == positions([scenario], today)[0]


def test_pledges_receivable_split_into_due_and_not_yet_due_with_ageing(scenario):
    s = fund_statement(scenario, timezone.localdate())
    # Testland: 113,636.36 - 45,454.54 = 68,181.82 open for EUR 60,000; the EUR
    # 40,000 paid the first instalment; 30,000 due 100 days ago (91-180 band)
    # and 30,000 due in 200 days, each 68,181.82 x 30/60 = 34,090.91.
    # Nippon: 45,045.05 - 18,018.02 = 27,027.03 for JPY 3,000,000 due 8 March 2019.
    # Acme: written down, nothing open.
    assert s.receivable == usd("95208.85")
    assert s.receivable_due == usd("61117.94")  # 34,090.91 + 27,027.03
    assert s.receivable_not_due == usd("34090.91")
    assert s.receivable_unallocated == usd("0")
    assert [(str(b.label), b.amount) for b in s.ageing] == [
        ("0-30 days", usd("0")),
        ("31-90 days", usd("0")),
        ("91-180 days", usd("34090.91")),
        ("181-365 days", usd("0")),
        ("over 365 days", usd("27027.03")),
    ]


def test_a_period_opens_with_the_net_assets_of_the_day_before(scenario):
    s = fund_statement(scenario, timezone.localdate(), datetime.date(2019, 4, 1))
    # Up to 31 March: receivables booked 113,636.36 + 45,045.05 + 10,000.00;
    # Acme's 4,000 moved from receivable to bank. Net assets 168,681.41.
    assert s.opening == usd("168681.41")
    # In April: Jane 561.80, Acme's write-down -6,000.00 -> -5,438.20.
    assert s.contributions == usd("-5438.20")
    assert [(c.name, c.amount, c.originals) for c in s.contributions_by_donor] == [
        ("Acme Corp", usd("-6000.00"), (usd("-6000.00"),)),
        ("Jane Giver", usd("561.80"), (Money("500.00", "EUR"),)),
    ]
    assert (s.fx_gains, s.fx_losses) == (usd("163.80"), usd("510.72"))
    # 168,681.41 - 5,438.20 + 123.45 + 163.80 - 510.72 - 1,500 - 120 - 112.36
    # - 25 - 16.54 = 161,245.84, the same closing as since inception.
    assert s.closing == usd("161245.84") and s.balances
    # Cash received in April: 44,943.82 + 18,181.82 + 561.80 = 63,687.44.
    assert s.cash_received == usd("63687.44")


def test_a_statement_before_the_grants_shows_no_expenditure(scenario):
    s = fund_statement(scenario, datetime.date(2019, 3, 31))
    # To 31 March: contributions 113,636.36 + 45,045.05 + 10,000.00 = 168,681.41.
    assert s.contributions == usd("168681.41")
    assert s.expenditure == usd("0") and s.closing == usd("168681.41") and s.balances
    # Receivable 168,681.41 - 4,000 = 164,681.41: Testland's first instalment
    # due that day (0 days past due), Nippon's 23 days past due, Acme's second
    # instalment (10 April) not yet due; the 4,000 paid Acme's first.
    assert s.receivable == usd("164681.41")
    # Testland: 113,636.36 x 40/100 = 45,454.54 due, the rest 68,181.82 not due;
    # Nippon 45,045.05 due; Acme 1,000 of the first instalment due, 5,000 not.
    assert s.receivable_due == usd("91499.59")  # 45,454.54 + 45,045.05 + 1,000
    assert s.receivable_not_due == usd("73181.82")  # 68,181.82 + 5,000
    assert s.ageing[0].amount == usd("91499.59")


def test_balances_brought_forward_are_part_of_the_opening_balance(fund, admin_user):
    post_entry(
        fund,
        datetime.date(2019, 3, 1),
        "Balance brought forward from the previous fund",
        [debit(K.BANK, usd("1000.00")), credit(K.FUND_BALANCE, usd("1000.00"))],
        admin_user,
    )
    s = fund_statement(fund, datetime.date(2019, 3, 31))
    assert s.opening == usd("1000.00") and s.closing == usd("1000.00") and s.balances
    assert s.contributions == usd("0") and s.contributions_by_donor == ()


def test_host_country_and_commitment_accounts_stay_out_of_the_statement(fund, admin_user):
    post_entry(
        fund,
        datetime.date(2019, 3, 1),
        "Host country cash",
        [debit(K.HOST_CASH, usd("500.00")), credit(K.HOST_CASH_CONTRIBUTIONS, usd("500.00"))],
        admin_user,
    )
    post_entry(
        fund,
        datetime.date(2019, 3, 1),
        "A commitment",
        [debit(K.COMMITMENTS, usd("70.00")), credit(K.COMMITMENTS_CONTROL, usd("70.00"))],
        admin_user,
    )
    s = fund_statement(fund, datetime.date(2019, 3, 31))
    assert (s.opening, s.contributions, s.other_income, s.closing) == (usd("0"),) * 4
    assert s.position.open_commitments == usd("70.00")


def test_an_untraced_contribution_goes_on_the_other_line(fund, admin_user):
    post_entry(
        fund,
        datetime.date(2019, 3, 1),
        "Contribution received (no receipt recorded)",
        [debit(K.BANK, usd("250.00")), credit(K.CONTRIBUTIONS, usd("250.00"))],
        admin_user,
    )
    s = fund_statement(fund, datetime.date(2019, 3, 31))
    [line] = s.contributions_by_donor
    assert (line.donor_id, line.amount) == (None, usd("250.00"))


def test_an_untraced_receivable_is_shown_unallocated(fund, admin_user):
    post_entry(
        fund,
        datetime.date(2019, 3, 1),
        "Receivable booked by hand",
        [debit(K.PLEDGES_RECEIVABLE, usd("80.00")), credit(K.CONTRIBUTIONS, usd("80.00"))],
        admin_user,
    )
    s = fund_statement(fund, datetime.date(2019, 3, 31))
    assert s.receivable == s.receivable_unallocated == usd("80.00")
    assert s.receivable_due == s.receivable_not_due == usd("0")


def test_a_period_starting_after_the_statement_date_is_refused(fund):
    with pytest.raises(StatementError, match="cannot start"):
        fund_statement(fund, datetime.date(2019, 3, 1), datetime.date(2019, 4, 1))


def test_the_closing_balance_is_the_ledgers_net_assets(scenario):
    today = timezone.localdate()
    rows = account_balances(scenario, today, segregated=False)
    assets = sum((r.balance for r in rows.values() if r.kind == "asset"), D(0))
    liabilities = sum((r.balance for r in rows.values() if r.kind == "liability"), D(0))
    assert fund_statement(scenario, today).closing == usd(str(assets - liabilities))
