"""Each figure of the conference reconciliation has one source: delegates'
travel paid by the trust fund is the grants, counted once; a line typed in
says why it is not the ledger's; and a regular-budget amount is a finding as
soon as it is budgeted (resolution 71/318 paras 11-12)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from reports.models import BudgetLine
from reports.services import conference as svc
from tests.grants.test_workflow_support import funded, walk  # noqa: F401


@pytest.fixture
def travel(event, finance, rates):
    return svc.add_budget_line(
        event, category="delegates_travel", funding_source="trust_fund", budget="4000", by=finance
    )


def test_a_second_trust_fund_line_for_delegates_travel_is_refused(event, finance, travel):
    with pytest.raises(svc.ConferenceError) as refused:
        svc.add_budget_line(
            event,
            category="delegates_travel",
            funding_source="trust_fund",
            label="Second wave",
            budget="1000",
            by=finance,
        )
    assert "travel grants" in str(refused.value) and "Delegates' travel" in str(refused.value)
    assert BudgetLine.objects.filter(category="delegates_travel").count() == 1


def test_the_database_holds_one_grants_line_per_event(event, finance, travel):
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.create(
            event=event,
            category="delegates_travel",
            funding_source="trust_fund",
            label="Second wave",
            budget=Decimal(0),
        )


@pytest.mark.usefixtures("funded")
def test_the_grants_spending_is_counted_once_and_other_travel_money_is_typed_in(
    event,
    finance,
    travel,
    make_grant,
    walk,  # noqa: F811
):
    observers = svc.add_budget_line(
        event,
        category="delegates_travel",
        funding_source="other_extrabudgetary",
        label="Observers",
        budget="500",
        by=finance,
    )
    walk(make_grant(cost=Decimal("2000.00")), "settled", actual="1500.00")
    rec = svc.conference_reconciliation(event)
    rows = {row.line.pk: row for row in rec.rows}
    # 1,500 settled + 8% PSC.
    assert rows[travel.pk].actual == Decimal("1620.00") == rec.grants.spent
    assert rows[travel.pk].source == svc.ActualSource.GRANTS
    assert rows[observers.pk].actual is None
    assert rows[observers.pk].source == svc.ActualSource.ENTERED
    assert rec.total_actual == Decimal("1620.00")


def test_a_budgeted_regular_budget_cost_is_a_finding_before_anything_is_spent(
    event, finance, rates
):
    line = svc.add_budget_line(
        event, category="security", funding_source="regular_budget", budget="700", by=finance
    )
    rec = svc.conference_reconciliation(event)
    assert rec.regular_budget_impact == Decimal("700.00")
    [cause] = rec.causes
    assert cause.line == line and cause.amount == Decimal("700.00")
    assert "700.00 USD" in cause.why and "nothing spent" in cause.why
    assert "71/318" in cause.why


@pytest.mark.parametrize(
    ("budget", "actual", "impact"),
    [("1000", "700.00", "1000.00"), ("1000", "1200.00", "1200.00"), ("0", "300.00", "300.00")],
)
def test_a_regular_budget_line_weighs_the_larger_of_its_budget_and_its_actual(
    event, finance, rates, budget, actual, impact
):
    line = svc.add_budget_line(
        event, category="security", funding_source="regular_budget", budget=budget, by=finance
    )
    svc.set_line_figures(line, by=finance, actual=actual)
    rec = svc.conference_reconciliation(event)
    assert rec.regular_budget_impact == Decimal(impact)
    [cause] = rec.causes
    assert f"{Decimal(actual):,} USD" in cause.why


def test_a_regular_budget_line_of_nothing_is_no_finding(event, finance, rates):
    svc.add_budget_line(
        event, category="security", funding_source="regular_budget", budget="0", by=finance
    )
    rec = svc.conference_reconciliation(event)
    assert rec.regular_budget_impact == 0 and rec.causes == []


def test_the_page_shows_a_budgeted_regular_budget_cost_in_red_and_in_words(
    client, event, finance, rates
):
    svc.add_budget_line(
        event, category="security", funding_source="regular_budget", budget="700", by=finance
    )
    client.force_login(finance)
    body = client.get(reverse("reports-conference", args=[event.code])).content.decode()
    assert 'class="error-summary" role="alert"' in body
    assert "$700.00" in body and "nothing spent yet" in body
    # Not colour alone: the cause and its line carry the word.
    assert body.count('<span class="status status-bad">') == 2
    assert "Finding: regular-budget impact" in body


def test_a_trust_fund_line_other_than_travel_says_why_it_is_typed_in(client, event, finance, rates):
    staff = svc.add_budget_line(
        event, category="staff_travel", funding_source="trust_fund", budget="900", by=finance
    )
    svc.set_line_figures(staff, by=finance, actual="950.00")
    [row] = svc.conference_reconciliation(event).rows
    assert row.source == svc.ActualSource.ENTERED
    assert "no account" in row.source_note and "not from the ledger" in row.source_note
    client.force_login(finance)
    body = client.get(reverse("reports-conference", args=[event.code])).content.decode()
    assert "has no account for conference costs" in body
