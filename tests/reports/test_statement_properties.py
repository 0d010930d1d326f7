"""Property: the statement balances, to the cent, for any history of pledges,
receipts, cancellations, interest, fees, refunds and settled grants, whatever
the period; its breakdowns always sum to their lines."""

# The shared fixtures are imported from test_workflow_support; pytest's
# arguments of the same name are them, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from donors.models import Pledge, Receipt
from donors.services.pledges import (
    InstalmentSpec,
    cancel_pledge,
    find_or_create_donor,
    record_pledge,
)
from donors.services.receipts import Fee, outstanding, record_receipt
from fundmgr.chart import AccountKey as K
from fundmgr.models import EntryKind, Event, ExchangeRate, JournalEntry, Leg
from fundmgr.money import Money, quantum, round_amount
from fundmgr.services.funds import open_fund
from fundmgr.services.ledger import (
    account_balances,
    credit,
    day_totals_drift,
    debit,
    post_entry,
    reverse_entry,
)
from fundmgr.services.rates import convert
from grants.models import TravelPolicy
from reports.services.statement import fund_statement
from tests.grants.test_workflow_support import quick_password_hashing, walk  # noqa: F401

pytestmark = pytest.mark.django_db

D = Decimal
CURRENCIES = ("EUR", "JPY", "USD")
LDCS = ("NP", "BD", "ET", "HT", "MW", "NE", "SN", "TZ", "UG", "ZM")
FUND_CODES = (f"P{n:04d}" for n in itertools.count())

days = st.dates(datetime.date(2019, 3, 1), datetime.date(2019, 4, 30))
percent = st.integers(1, 120)
cents = st.integers(1, 500_000)

operation = st.one_of(
    st.tuples(
        st.just("pledge"),
        st.sampled_from(CURRENCIES),
        st.integers(1, 2_000_000),
        days,
        st.booleans(),
        st.integers(1, 3),
    ),
    st.tuples(st.just("receipt"), st.integers(0, 9), percent, days),
    st.tuples(st.just("gift"), st.sampled_from(CURRENCIES), st.integers(1, 500_000), days, cents),
    st.tuples(st.just("interest"), cents, days),
    st.tuples(st.just("bank_fee"), cents, days),
    st.tuples(st.just("refund"), st.integers(0, 9), st.integers(1, 100)),
    st.tuples(st.just("cancel"), st.integers(0, 9), days),
    st.tuples(st.just("grant"), st.integers(10_000, 300_000), st.integers(1, 100)),
)


def usd(value: Decimal) -> Money:
    return Money(value, "USD")


def minor(amount: int, currency: str) -> Money:
    return Money(D(amount) * quantum(currency), currency)


@pytest.fixture
def april_yen(rates):
    ExchangeRate.objects.create(
        currency="JPY", effective_date=datetime.date(2019, 4, 1), units_per_usd=D("110.000")
    )


def play(history, admin_user, event_template, make_grant, walk, finance):
    """Carry out ``history`` on a fund of its own, through the services."""
    fund = open_fund(
        code=next(FUND_CODES),
        name="Property fund",
        by=admin_user,
        psc_rate_pct=D("8"),
        psc_from=datetime.date(2018, 1, 1),
        operating_reserve_pct=D("10"),
    )
    event = Event.objects.create(
        code=fund.code,
        name="Conference",
        fund=fund,
        starts_on=event_template.starts_on,
        ends_on=event_template.ends_on,
        city=event_template.city,
        country=event_template.country,
        eligibility_date=event_template.eligibility_date,
        max_funded_per_country=2,
        nomination_deadline=event_template.nomination_deadline,
    )
    TravelPolicy.objects.create(event=event)
    donor = find_or_create_donor(name="Donor", kind="member_state", email=f"{fund.code}@ex.org")
    pledges: list[Pledge] = []
    gifts: list[Receipt] = []
    refunded: set[int] = set()
    countries = itertools.cycle(LDCS)
    for op in history:
        kind = op[0]
        if kind == "pledge":
            _k, currency, amount, day, binding, parts = op
            total = minor(amount * parts, currency)
            part = minor(amount, currency)
            schedule = [
                InstalmentSpec(part, day + datetime.timedelta(days=40 * i)) for i in range(parts)
            ]
            pledges.append(
                record_pledge(
                    fund=fund,
                    donor=donor,
                    amount=total,
                    pledge_date=day,
                    method="schedule",
                    agreement_signed=binding,
                    schedule=schedule,
                    by=admin_user,
                )
            )
        elif kind == "receipt" and pledges:
            _k, index, pct, day = op
            pledge = Pledge.objects.get(pk=pledges[index % len(pledges)].pk)
            owed = outstanding(pledge)
            currency = pledge.amount.currency.code
            amount = (max(owed, pledge.amount.amount) * pct / 100).quantize(quantum(currency))
            if pledge.status == Pledge.Status.CANCELLED or amount <= 0:
                continue
            record_receipt(
                fund=fund,
                donor=donor,
                amount=Money(amount, currency),
                value_date=max(day, pledge.pledge_date),  # money comes after the promise
                pledge=pledge,
                by=admin_user,
                notify=False,
            )
        elif kind == "gift":
            _k, currency, amount, day, fee = op
            value = minor(amount, currency)
            # A card fee of 0-4.9% of what arrives (a fee is never all of it).
            cash = convert(value, "USD", day).result.amount
            fee_usd = (cash * (fee % 50) / 1000).quantize(D("0.01"))
            fees = (Fee(usd(fee_usd)),) if 0 < fee_usd < cash else ()
            gifts.append(
                record_receipt(
                    fund=fund,
                    donor=donor,
                    amount=value,
                    value_date=day,
                    method=Receipt.Method.CARD,
                    fees=fees,
                    by=admin_user,
                    notify=False,
                )
            )
        elif kind in ("interest", "bank_fee"):
            _k, amount, day = op
            value = usd(D(amount) / 100)
            legs = (
                [debit(K.BANK, value), credit(K.INTEREST, value)]
                if kind == "interest"
                else [debit(K.BANK_FEES, value), credit(K.BANK, value)]
            )
            post_entry(fund, day, kind, legs, admin_user)
        elif kind == "refund" and gifts:
            _k, index, pct = op
            gift = gifts[index % len(gifts)]
            if gift.pk in refunded:
                continue
            refunded.add(gift.pk)
            currency = gift.amount.currency.code
            amount = (gift.amount.amount * pct / 100).quantize(quantum(currency))
            base = (gift.base_amount * pct / 100).quantize(D("0.01"))
            if amount <= 0 or base <= 0:
                continue
            # As the card code's _apply_refunds posts it: at the receipt's rate.
            post_entry(
                fund,
                gift.value_date,
                "Card refund",
                [
                    debit(K.DONOR_REFUNDS, Money(amount, currency), usd(base)),
                    credit(K.CARD_CLEARING, Money(amount, currency), usd(base)),
                ],
                admin_user,
                kind="card-refund",
            )
        elif kind == "cancel" and pledges:
            _k, index, day = op
            pledge = Pledge.objects.get(pk=pledges[index % len(pledges)].pk)
            if pledge.status != Pledge.Status.CANCELLED and outstanding(pledge) > 0:
                cancel_pledge(pledge, admin_user, reason="withdrawn", on=day)
        elif kind == "reverse":
            _k, index, day = op
            open_entries = list(
                JournalEntry.objects.posted()
                .filter(fund=fund, reversed_by__isnull=True)
                # A pledge's receivable is reversed by its own service (cancel, redate).
                .exclude(kind=EntryKind.PLEDGE)
                .order_by("pk")
            )
            if open_entries:
                entry = open_entries[index % len(open_entries)]
                reverse_entry(entry, admin_user, "property", date=max(day, entry.date))
        elif kind == "transfer":
            # A manual entry, back-dated or not, between two of the fund's accounts.
            _k, amount, day, source, target = op
            value = usd(D(amount) / 100)
            if source != target:
                post_entry(
                    fund,
                    day,
                    "transfer",
                    [debit(target, value), credit(source, value)],
                    by=admin_user,
                )
        elif kind == "grant":
            _k, cost, used = op
            cost_d = D(cost) / 100 + D("1076.00")  # the entitlement's fixed part
            # Cash for it first, today, so the commitment is always possible
            # (bank charges and refunds may have left the cash below zero).
            rows = account_balances(fund)
            cash = sum((rows[k].balance for k in (K.BANK, K.CARD_CLEARING) if k in rows), D(0))
            record_receipt(
                fund=fund,
                donor=donor,
                amount=usd(cost_d * 3 + max(-cash, D(0))),
                value_date=timezone.localdate(),
                by=admin_user,
                notify=False,
            )
            actual = (cost_d * used / 100).quantize(D("0.01"))
            grant = make_grant(cost=cost_d, country=next(countries), event=event)
            walk(grant, "settled", actual=str(actual))
    return fund


def net_assets(fund, as_of) -> Decimal:
    rows = account_balances(fund, as_of, segregated=False).values()
    return sum((r.balance for r in rows if r.kind == "asset"), D(0)) - sum(
        (r.balance for r in rows if r.kind == "liability"), D(0)
    )


def check(statement) -> None:
    assert statement.balances, (statement.closing, statement.computed_closing)
    assert statement.closing.amount == net_assets(statement.fund, statement.as_of)
    assert (
        sum((line.amount for line in statement.contributions_by_donor), usd(D(0)))
        == statement.contributions
    )
    assert (
        statement.receivable_due + statement.receivable_not_due + statement.receivable_unallocated
        == statement.receivable
    )
    assert statement.receivable_unallocated == usd(D(0))  # every leg came from a service
    assert sum((band.amount for band in statement.ageing), usd(D(0))) == statement.receivable_due


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(operation, max_size=10), start=days, mid=days)
def test_the_statement_balances_for_any_history(
    history, start, mid, admin_user, april_yen, event, make_grant, walk, finance
):
    fund = play(history, admin_user, event, make_grant, walk, finance)
    today = timezone.localdate()
    check(fund_statement(fund, today))
    check(fund_statement(fund, today, start))
    check(fund_statement(fund, max(start, mid), min(start, mid)))


#: The accounts a manual transfer may use (the trust fund's, none segregated).
TRANSFER_ACCOUNTS = (K.BANK, K.INTEREST, K.BANK_FEES, K.CONTRIBUTIONS, K.PLEDGES_RECEIVABLE)

ledger_operation = st.one_of(
    operation,
    st.tuples(st.just("reverse"), st.integers(0, 20), days),
    st.tuples(
        st.just("transfer"),
        cents,
        days,
        st.sampled_from(TRANSFER_ACCOUNTS),
        st.sampled_from(TRANSFER_ACCOUNTS),
    ),
)

LINES = {
    "contributions": K.CONTRIBUTIONS,
    "interest": K.INTEREST,
    "fx_gains": K.FX_GAINS,
    "fx_losses": K.FX_LOSSES,
    "expenditure": K.TRAVEL_EXPENDITURE,
    "psc": K.PSC,
    "donor_refunds": K.DONOR_REFUNDS,
    "bank_fees": K.BANK_FEES,
    "card_fees": K.CARD_FEES,
}


def from_raw_legs(fund, as_of, start):
    """Each trust-fund account's balance before ``start`` and within
    [start, as_of], added up leg by leg in Python: what the statement must show."""
    before: dict[str, Decimal] = {}
    within: dict[str, Decimal] = {}
    kinds: dict[str, str] = {}
    legs = Leg.objects.filter(
        entry__fund=fund,
        entry__status=JournalEntry.Status.POSTED,
        entry__date__lte=as_of,
        account__segregated=False,
    ).select_related("entry", "account")
    for leg in legs:
        kind = leg.account.kind
        sign = 1 if kind in ("asset", "expense", "memo_debit") else -1
        amount = sign * (leg.debit - leg.credit)
        side = before if leg.entry.date < start else within
        side[leg.account.key] = side.get(leg.account.key, D(0)) + amount
        kinds[leg.account.key] = kind
    return before, within, kinds


def m(value: Decimal) -> Money:
    return usd(round_amount(value, "USD"))


def assert_statement_is_the_legs(statement) -> None:
    before, within, kinds = from_raw_legs(statement.fund, statement.as_of, statement.period_start)

    def net(balances):
        return sum((a for k, a in balances.items() if kinds[k] == "asset"), D(0)) - sum(
            (a for k, a in balances.items() if kinds[k] == "liability"), D(0)
        )

    at_as_of = {k: before.get(k, D(0)) + within.get(k, D(0)) for k in kinds}
    brought_forward = sum((a for k, a in within.items() if kinds[k] == "net_assets"), D(0))
    assert statement.closing == m(net(at_as_of))
    assert statement.opening == m(net(before) + brought_forward)
    for attribute, key in LINES.items():
        assert getattr(statement, attribute) == m(within.get(key, D(0))), attribute
    assert statement.receivable == m(at_as_of.get(K.PLEDGES_RECEIVABLE, D(0)))
    assert statement.balances


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(ledger_operation, max_size=12), start=days, mid=days)
def test_the_statement_is_the_legs_after_any_postings_back_dated_ones_and_reversals(
    history, start, mid, admin_user, april_yen, event, make_grant, walk, finance
):
    """The statement reads the ledger's day totals, not the legs: after any
    sequence of postings, back-dated ones and reversals they are the legs'
    sums, and every figure is what the legs add up to."""
    fund = play(history, admin_user, event, make_grant, walk, finance)
    today = timezone.localdate()

    assert day_totals_drift(fund) == []
    assert_statement_is_the_legs(fund_statement(fund, today))
    assert_statement_is_the_legs(fund_statement(fund, today, start))
    assert_statement_is_the_legs(fund_statement(fund, max(start, mid), min(start, mid)))
