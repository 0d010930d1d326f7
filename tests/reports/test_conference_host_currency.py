"""The host country's cash is held in its own currency: a cost is checked
against what is held in that currency, and the balances are revalued at the
reporting date's rate with the unrealised difference (figures worked by hand)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundmgr.chart import AccountKey as K
from fundmgr.models import AuditRecord, ExchangeRate, JournalEntry, Leg
from fundmgr.money import Money
from fundmgr.services.ledger import reverse_entry
from reports.models import HostCost
from reports.services import conference as svc

MARCH = datetime.date(2019, 3, 10)  # ARS 39.500 per USD (tests/conftest.py rates)
APRIL = datetime.date(2019, 4, 15)  # ARS 44.000 per USD (below)


@pytest.fixture
def april_pesos(rates):
    return ExchangeRate.objects.create(
        currency="ARS", effective_date=datetime.date(2019, 4, 1), units_per_usd=Decimal("44.000")
    )


@pytest.fixture
def venue(event, finance, rates):
    return svc.add_budget_line(
        event, category="venue", funding_source="host_cash", budget="10000.00", by=finance
    )


def receive(event, finance, amount, currency="ARS", day=MARCH, reference="TR-1"):
    return svc.record_host_cash_received(
        event,
        amount=Money(amount, currency),
        date=day,
        reference=reference,
        description="Transfer",
        by=finance,
    )


def pay(event, finance, line, amount, currency="ARS", day=MARCH, reference="INV-1"):
    return svc.record_host_cost(
        event,
        budget_line=line,
        amount=Money(amount, currency),
        date=day,
        reference=reference,
        description="Hall",
        by=finance,
    )


def pesos_on_host_cash(event) -> Decimal:
    legs = Leg.objects.filter(
        entry__fund=event.fund, account__key=K.HOST_CASH, original_currency="ARS"
    )
    return sum((leg.original.amount * (1 if leg.debit else -1) for leg in legs), Decimal(0))


def test_a_cost_above_the_pesos_held_is_refused_though_its_dollar_value_fits(
    event, finance, venue, april_pesos
):
    # ARS 39,000 received in March is booked at 987.34 USD; ARS 43,300 paid in
    # April is worth 984.09 USD: fewer dollars, but 4,300 pesos more than held.
    receive(event, finance, "39000")
    before = (JournalEntry.objects.count(), AuditRecord.objects.count())
    with pytest.raises(svc.ConferenceError) as refused:
        pay(event, finance, venue, "43300", day=APRIL)
    message = str(refused.value)
    assert "43,300.00 ARS" in message and "39,000.00 ARS" in message
    assert not HostCost.objects.exists()
    assert (JournalEntry.objects.count(), AuditRecord.objects.count()) == before
    assert pesos_on_host_cash(event) == Decimal("39000")


def test_a_cost_of_exactly_the_pesos_held_is_accepted_whatever_the_rates(
    event, finance, venue, april_pesos
):
    receive(event, finance, "39000")
    # Worth 886.36 USD in April against 987.34 booked: the pesos, not the dollars, decide.
    pay(event, finance, venue, "39000", day=APRIL)
    assert pesos_on_host_cash(event) == 0
    with pytest.raises(svc.ConferenceError, match="0.00 ARS"):
        pay(event, finance, venue, "0.01", day=APRIL, reference="INV-2")


def test_a_cost_in_a_currency_the_host_cash_is_not_held_in_is_refused_by_name(
    event, finance, venue
):
    receive(event, finance, "395000")  # 10,000 USD worth of pesos
    with pytest.raises(svc.ConferenceError) as refused:
        pay(event, finance, venue, "100.00", currency="USD")
    message = str(refused.value)
    assert "USD" in message and "ARS" in message and "not held" in message
    assert not HostCost.objects.exists()


def test_a_cost_with_no_host_cash_at_all_is_refused(event, finance, venue):
    with pytest.raises(svc.ConferenceError, match="No host country cash is held"):
        pay(event, finance, venue, "100.00", currency="USD")
    assert not HostCost.objects.exists()


def test_a_cost_worth_nothing_in_the_funds_currency_is_refused_not_a_crash(event, finance, venue):
    receive(event, finance, "39000")
    with pytest.raises(svc.ConferenceError, match="worth nothing in USD"):
        pay(event, finance, venue, "0.01")
    assert not HostCost.objects.exists()


def test_a_reversed_receipt_no_longer_counts_as_held(event, finance, venue):
    received = receive(event, finance, "39000")
    reverse_entry(received.entry, finance, "Transfer returned by the bank", date=MARCH)
    with pytest.raises(svc.ConferenceError, match="0.00 ARS"):
        pay(event, finance, venue, "1000")


def test_host_cash_balances_are_revalued_at_the_reporting_dates_rate(
    event, finance, venue, april_pesos
):
    receive(event, finance, "79000")  # 2,000.00 USD at 39.5
    pay(event, finance, venue, "39500")  # 1,000.00 USD at 39.5
    receive(event, finance, "500.00", currency="USD", reference="TR-2")

    rec = svc.conference_reconciliation(event, as_of=APRIL)
    assert rec.revaluation_error == ""
    balances = {b.currency: b for b in rec.host_balances}
    pesos = balances["ARS"]
    assert (pesos.paid_in, pesos.paid_out, pesos.held) == (
        Decimal("79000.00"),
        Decimal("39500.00"),
        Decimal("39500.00"),
    )
    # Book 1,000.00 USD; 39,500 / 44 = 897.73 on 15 April: an unrealised loss of 102.27.
    assert (pesos.book, pesos.value, pesos.difference) == (
        Decimal("1000.00"),
        Decimal("897.73"),
        Decimal("-102.27"),
    )
    dollars = balances["USD"]
    assert (dollars.held, dollars.book, dollars.value, dollars.difference) == (
        Decimal("500.00"),
        Decimal("500.00"),
        Decimal("500.00"),
        Decimal("0.00"),
    )
    assert rec.unrealised_difference == Decimal("-102.27")
    # Nothing is posted: the revaluation is shown, not booked.
    assert not JournalEntry.objects.filter(date=APRIL).exists()


def test_balances_on_a_reporting_date_leave_out_later_movements(event, finance, venue):
    receive(event, finance, "79000")
    rec = svc.conference_reconciliation(event, as_of=datetime.date(2019, 3, 9))
    assert rec.host_balances == []


def test_a_missing_rate_on_the_reporting_date_is_an_error_not_a_guess(event, finance, venue):
    receive(event, finance, "79000")
    rec = svc.conference_reconciliation(event, as_of=datetime.date(2019, 6, 1))
    assert "ARS" in rec.revaluation_error and "2019-06-01" in rec.revaluation_error
    [pesos] = rec.host_balances
    assert pesos.book == Decimal("2000.00") and pesos.value is None and pesos.difference is None
    assert rec.unrealised_difference is None


class RolledBack(Exception):
    pass


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# From one peso: less is worth no cent in dollars, refused on its own (below).
@given(
    received=st.integers(min_value=100, max_value=10**9),
    costs=st.lists(
        st.tuples(st.integers(min_value=100, max_value=10**9), st.sampled_from([MARCH, APRIL])),
        max_size=5,
    ),
)
def test_costs_are_accepted_exactly_while_the_pesos_held_cover_them_whatever_the_rates(
    event, finance, venue, april_pesos, received, costs
):
    cents = Decimal("0.01")
    try:
        with transaction.atomic():
            receive(event, finance, received * cents)
            held = received
            for number, (cost, day) in enumerate(costs):
                if cost <= held:
                    pay(event, finance, venue, cost * cents, day=day, reference=f"INV-{number}")
                    held -= cost
                else:
                    with pytest.raises(svc.ConferenceError):
                        pay(event, finance, venue, cost * cents, day=day, reference=f"INV-{number}")
            assert pesos_on_host_cash(event) == held * cents >= 0
            [pesos] = svc.conference_reconciliation(event, as_of=APRIL).host_balances
            assert pesos.held == held * cents
            raise RolledBack  # each example starts again from the same empty event
    except RolledBack:
        pass
