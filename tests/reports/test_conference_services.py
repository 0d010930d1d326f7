"""Recording the host country's contribution and costs, and the conference
reconciliation computed from them (figures worked by hand)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundmgr.chart import AccountKey as K
from fundmgr.models import AuditRecord, JournalEntry, Leg
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services.ledger import LedgerError, account_balances, credit, debit, post_entry
from reports.models import BudgetLine, HostContribution, HostCost
from reports.services import conference as svc
from tests.grants.test_workflow_support import funded, walk  # noqa: F401

MARCH = datetime.date(2019, 3, 10)  # ARS 39.500 per USD in the test rates


@pytest.fixture
def lines(event, finance, rates):
    def add(category, source, budget, label=""):
        return svc.add_budget_line(
            event, category=category, funding_source=source, budget=budget, by=finance, label=label
        )

    return {
        "venue": add("venue", "host_cash", "10000.00"),
        "interpretation": add("interpretation", "host_in_kind", "5000.00"),
        "travel": add("delegates_travel", "trust_fund", "4000.00"),
        "staff": add("staff_travel", "other_extrabudgetary", "1500.00"),
    }


def test_a_pledge_posts_nothing_and_shows_as_pledged(event, finance, rates):
    pledge = svc.record_host_pledge(
        event,
        kind="cash",
        amount=Money("395000", "ARS"),
        date=MARCH,
        reference="NV-1",
        description="Host country agreement",
        by=finance,
    )
    assert pledge.entry is None and pledge.status == "pledged"
    assert pledge.base_amount == Decimal("10000.00")  # 395,000 / 39.5
    assert not JournalEntry.objects.exists()
    assert svc.conference_reconciliation(event).host.pledged_cash == Decimal("10000.00")


def test_cash_received_posts_host_cash_against_host_contributions_at_the_dates_rate(
    event, finance, rates
):
    received = svc.record_host_cash_received(
        event,
        amount=Money("79000", "ARS"),
        date=MARCH,
        reference="TR-1",
        description="First transfer",
        by=finance,
    )
    balances = account_balances(event.fund)
    assert balances[K.HOST_CASH].balance == Decimal("2000.00")
    assert balances[K.HOST_CASH_CONTRIBUTIONS].balance == Decimal("2000.00")
    assert set(balances) == {K.HOST_CASH, K.HOST_CASH_CONTRIBUTIONS}
    assert received.entry.legs.get(account__key=K.HOST_CASH).original == Money("79000", "ARS")
    assert AuditRecord.objects.filter(action="conference:host_cash_received").count() == 1


def test_recording_the_same_reference_twice_records_once_and_other_figures_are_refused(
    event, finance, rates
):
    def receive(amount):
        return svc.record_host_cash_received(
            event,
            amount=Money(amount, "USD"),
            date=MARCH,
            reference="TR-1",
            description="Transfer",
            by=finance,
        )

    first = receive("1000.00")
    assert receive("1000.00") == first
    with pytest.raises(svc.ConferenceError, match="TR-1"):
        receive("1200.00")
    assert HostContribution.objects.count() == 1 and JournalEntry.objects.count() == 1


def test_services_in_kind_post_to_the_in_kind_accounts_against_an_in_kind_line(
    event, finance, lines
):
    svc.record_in_kind_provided(
        event,
        budget_line=lines["interpretation"],
        amount=Money("3000.00", "USD"),
        date=MARCH,
        reference="IK-1",
        description="Interpreters",
        by=finance,
    )
    balances = account_balances(event.fund)
    assert balances[K.HOST_IN_KIND_COSTS].balance == Decimal("3000.00")
    assert balances[K.HOST_IN_KIND_CONTRIBUTIONS].balance == Decimal("3000.00")
    with pytest.raises(svc.ConferenceError, match="in kind"):
        svc.record_in_kind_provided(
            event,
            budget_line=lines["venue"],
            amount=Money("1.00", "USD"),
            date=MARCH,
            reference="IK-2",
            description="Wrong line",
            by=finance,
        )


def test_a_host_cost_above_the_host_cash_held_is_refused_with_the_figures_and_records_nothing(
    event, finance, lines
):
    svc.record_host_cash_received(
        event,
        amount=Money("1000.00", "USD"),
        date=MARCH,
        reference="TR-1",
        description="Transfer",
        by=finance,
    )
    svc.record_host_cost(
        event,
        budget_line=lines["venue"],
        amount=Money("600.00", "USD"),
        date=MARCH,
        reference="INV-1",
        description="Hall deposit",
        by=finance,
    )
    before = (JournalEntry.objects.count(), Leg.objects.count(), AuditRecord.objects.count())
    with pytest.raises(svc.ConferenceError) as refused:
        svc.record_host_cost(
            event,
            budget_line=lines["venue"],
            amount=Money("500.00", "USD"),
            date=MARCH,
            reference="INV-2",
            description="Hall balance",
            by=finance,
        )
    message = str(refused.value)
    # Held = 1,000 - 600 = 400 USD, in the currency the cash was received in.
    assert "500.00 USD" in message and "400.00 USD" in message
    assert "1,000.00 USD" in message and "600.00 USD" in message
    assert HostCost.objects.count() == 1
    after = (JournalEntry.objects.count(), Leg.objects.count(), AuditRecord.objects.count())
    assert after == before


def test_a_host_cost_posts_conference_costs_against_host_cash(event, finance, lines):
    svc.record_host_cash_received(
        event,
        amount=Money("1000.00", "USD"),
        date=MARCH,
        reference="TR-1",
        description="Transfer",
        by=finance,
    )
    svc.record_host_cost(
        event,
        budget_line=lines["venue"],
        amount=Money("1000.00", "USD"),
        date=MARCH,
        reference="INV-1",
        description="Hall",
        by=finance,
    )
    balances = account_balances(event.fund)
    assert balances[K.HOST_CONFERENCE_COSTS].balance == Decimal("1000.00")
    assert balances[K.HOST_CASH].balance == Decimal("0.00")


def test_nothing_of_the_hosts_ever_touches_a_trust_fund_account(event, finance, lines):
    svc.record_host_cash_received(
        event,
        amount=Money("1000.00", "USD"),
        date=MARCH,
        reference="TR-1",
        description="Transfer",
        by=finance,
    )
    svc.record_host_cost(
        event,
        budget_line=lines["venue"],
        amount=Money("400.00", "USD"),
        date=MARCH,
        reference="INV-1",
        description="Hall",
        by=finance,
    )
    svc.record_in_kind_provided(
        event,
        budget_line=lines["interpretation"],
        amount=Money("300.00", "USD"),
        date=MARCH,
        reference="IK-1",
        description="Interpreters",
        by=finance,
    )
    assert account_balances(event.fund, segregated=False) == {}
    # And a service that tried to pay a host cost from the trust fund's bank is refused,
    # by the ledger in Python and by the database's trigger underneath it.
    value = Money("10.00", "USD")
    with pytest.raises(LedgerError, match="Host-country"):
        post_entry(
            event.fund,
            MARCH,
            "mixed",
            [debit(K.HOST_CONFERENCE_COSTS, value), credit(K.BANK, value)],
            finance,
        )
    accounts = {a.key: a for a in event.fund.accounts.all()}
    entry = JournalEntry.objects.create(
        fund=event.fund, date=MARCH, memo="mixed", created_by=finance
    )
    Leg.objects.create(
        entry=entry, account=accounts[K.HOST_CONFERENCE_COSTS], debit=10, original=value, rate=1
    )
    Leg.objects.create(entry=entry, account=accounts[K.BANK], credit=10, original=value, rate=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(status=JournalEntry.Status.POSTED)


def test_only_finance_officers_record(event, make_user, rates):
    officer = make_user("someone", Role.FUND_OFFICER)
    with pytest.raises(PermissionDenied):
        svc.record_host_cash_received(
            event,
            amount=Money("1.00", "USD"),
            date=MARCH,
            reference="X",
            description="x",
            by=officer,
        )
    with pytest.raises(PermissionDenied):
        svc.add_budget_line(
            event, category="venue", funding_source="host_cash", budget="1", by=officer
        )
    assert not HostContribution.objects.exists() and not BudgetLine.objects.exists()


def test_a_missing_exchange_rate_is_an_error_and_nothing_is_saved(event, finance, rates):
    with pytest.raises(svc.ConferenceError, match="ARS"):
        svc.record_host_cash_received(
            event,
            amount=Money("1000", "ARS"),
            date=datetime.date(2019, 6, 1),
            reference="TR-9",
            description="June",
            by=finance,
        )
    assert not HostContribution.objects.exists() and not JournalEntry.objects.exists()


def test_an_other_line_needs_a_label_and_grants_actuals_are_never_entered(event, finance, lines):
    with pytest.raises(svc.ConferenceError, match="label"):
        svc.add_budget_line(
            event, category="other", funding_source="trust_fund", budget="1", by=finance
        )
    with pytest.raises(svc.ConferenceError, match="travel grants"):
        svc.set_line_figures(lines["travel"], by=finance, actual="100.00")
    with pytest.raises(svc.ConferenceError, match="decimals"):
        svc.set_line_figures(lines["staff"], by=finance, actual="1.001")


@pytest.mark.usefixtures("funded")
def test_worked_example_variances_host_summary_and_zero_regular_budget_impact(
    event,
    finance,
    lines,
    make_grant,
    walk,  # noqa: F811
):
    svc.record_host_pledge(
        event,
        kind="cash",
        amount=Money("474000", "ARS"),
        date=MARCH,
        reference="NV-1",
        description="Cash pledge",
        by=finance,
    )
    svc.record_host_pledge(
        event,
        kind="in_kind",
        amount=Money("5000.00", "USD"),
        date=MARCH,
        reference="NV-2",
        description="Interpreters pledge",
        by=finance,
    )
    svc.record_host_cash_received(
        event,
        amount=Money("395000", "ARS"),
        date=MARCH,
        reference="TR-1",
        description="Transfer",
        by=finance,
    )
    svc.record_host_cost(
        event,
        budget_line=lines["venue"],
        amount=Money("355500", "ARS"),
        date=MARCH,
        reference="INV-1",
        description="Hall",
        by=finance,
    )
    svc.record_in_kind_provided(
        event,
        budget_line=lines["interpretation"],
        amount=Money("5200.00", "USD"),
        date=MARCH,
        reference="IK-1",
        description="Interpreters",
        by=finance,
    )
    svc.set_line_figures(lines["staff"], by=finance, actual="1400.00")
    settled = make_grant(cost=Decimal("2000.00"))
    walk(settled, "settled", actual="1500.00")
    committed = make_grant(cost=Decimal("2500.00"))
    walk(committed, "committed")

    rec = svc.conference_reconciliation(event)
    rows = {row.line.pk: row for row in rec.rows}
    venue, interp = rows[lines["venue"].pk], rows[lines["interpretation"].pk]
    travel, staff = rows[lines["travel"].pk], rows[lines["staff"].pk]
    # Venue: 355,500 ARS / 39.5 = 9,000 USD against 10,000: -1,000, -10.0%.
    assert (venue.actual, venue.variance, venue.variance_pct) == (
        Decimal("9000.00"),
        Decimal("-1000.00"),
        Decimal("-10.0"),
    )
    # Interpretation in kind: 5,200 against 5,000: +200, +4.0%.
    assert (interp.actual, interp.variance, interp.variance_pct) == (
        Decimal("5200.00"),
        Decimal("200.00"),
        Decimal("4.0"),
    )
    # Delegates' travel: 1,500 settled + 8% PSC 120 = 1,620 against 4,000; 2,500 still committed.
    assert (travel.actual, travel.variance, travel.open_commitments) == (
        Decimal("1620.00"),
        Decimal("-2380.00"),
        Decimal("2500.00"),
    )
    assert (staff.actual, staff.variance_pct) == (Decimal("1400.00"), Decimal("-6.7"))
    assert rec.total_budget == Decimal("20500.00")
    assert rec.total_actual == Decimal("17220.00")
    # Host: pledged 12,000 cash (474,000 / 39.5) + 5,000 in kind; received 10,000;
    # provided 5,200; spent 9,000; held 1,000.
    host = rec.host
    assert (
        host.pledged,
        host.received_cash,
        host.provided_in_kind,
        host.spent,
        host.cash_held,
    ) == (
        Decimal("17000.00"),
        Decimal("10000.00"),
        Decimal("5200.00"),
        Decimal("9000.00"),
        Decimal("1000.00"),
    )
    assert rec.regular_budget_impact == Decimal(0) and rec.causes == []


def test_the_regular_budget_impact_names_each_cause(event, finance, lines):
    rb = svc.add_budget_line(
        event, category="security", funding_source="regular_budget", budget="0", by=finance
    )
    svc.set_line_figures(rb, by=finance, actual="700.00")
    svc.record_in_kind_provided(
        event,
        budget_line=lines["interpretation"],
        amount=Money("3000.00", "USD"),
        date=MARCH,
        reference="IK-1",
        description="Interpreters",
        by=finance,
    )
    # The interpretation actually cost 3,250: 250 the host's services do not cover.
    svc.set_line_figures(lines["interpretation"], by=finance, actual="3250.00")
    with pytest.raises(svc.ConferenceError, match="3,000.00 USD"):
        svc.set_line_figures(lines["interpretation"], by=finance, actual="2999.99")

    rec = svc.conference_reconciliation(event)
    assert rec.regular_budget_impact == Decimal("950.00")
    causes = {cause.line.pk: cause for cause in rec.causes}
    assert causes[rb.pk].amount == Decimal("700.00") and "regular budget" in causes[rb.pk].why
    gap = causes[lines["interpretation"].pk]
    assert gap.amount == Decimal("250.00")
    assert "3,000.00 USD" in gap.why and "3,250.00 USD" in gap.why


class RolledBack(Exception):
    pass


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    received=st.integers(min_value=1, max_value=10**9),
    costs=st.lists(st.integers(min_value=1, max_value=10**9), max_size=4),
)
def test_host_costs_are_accepted_exactly_while_the_host_cash_covers_them(
    event, finance, lines, received, costs
):
    cents = Decimal("0.01")

    def pay(cost, number):
        return svc.record_host_cost(
            event,
            budget_line=lines["venue"],
            amount=Money(cost * cents, "USD"),
            date=MARCH,
            reference=f"INV-{number}",
            description="Cost",
            by=finance,
        )

    try:
        with transaction.atomic():
            svc.record_host_cash_received(
                event,
                amount=Money(received * cents, "USD"),
                date=MARCH,
                reference="TR",
                description="Transfer",
                by=finance,
            )
            held = received
            for number, cost in enumerate(costs):
                if cost <= held:
                    pay(cost, number)
                    held -= cost
                else:
                    with pytest.raises(svc.ConferenceError):
                        pay(cost, number)
            rec = svc.conference_reconciliation(event)
            assert rec.host.cash_held == held * cents
            assert account_balances(event.fund)[K.HOST_CASH].balance == held * cents
            assert rec.regular_budget_impact == 0
            raise RolledBack  # each example starts again from the same empty event
    except RolledBack:
        pass
