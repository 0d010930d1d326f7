"""The BAPA+40 conference demo: Argentina's contribution, illustrative, loaded once."""

from decimal import Decimal

from django.core.management import call_command

from fundmgr.models import Event
from reports.models import BudgetLine, HostContribution, HostCost
from reports.services.conference import conference_reconciliation


def test_conference_demo_loads_once_with_a_zero_regular_budget_impact(db):
    call_command("load_demo", verbosity=0)
    counts = (
        BudgetLine.objects.count(),
        HostContribution.objects.count(),
        HostCost.objects.count(),
    )
    call_command("load_demo", verbosity=0)
    assert (
        (
            BudgetLine.objects.count(),
            HostContribution.objects.count(),
            HostCost.objects.count(),
        )
        == counts
        == (6, 6, 2)
    )
    event = Event.objects.select_related("fund").get(code="BAPA40")
    rec = conference_reconciliation(event)
    assert rec.regular_budget_impact == 0 and rec.causes == []
    # 19,500,000 ARS at 37.1 (February); 15,600,000 ARS at 39.0 (March) = 400,000;
    # costs 14,040,000 + 1,521,000 ARS at 39.0 = 360,000 + 39,000.
    assert rec.host.pledged_cash == Decimal("525606.47")
    assert rec.host.received_cash == Decimal("400000.00")
    assert rec.host.spent == Decimal("399000.00") and rec.host.cash_held == Decimal("1000.00")
    assert rec.host.provided_in_kind == Decimal("385500.00")
    # The pesos held, revalued at today's rate (the demo gives the current month one).
    [pesos] = rec.host_balances
    assert (pesos.currency, pesos.held, pesos.book) == ("ARS", Decimal("39000.00"), 1000)
    assert rec.revaluation_error == "" and pesos.difference is not None
    assert all("illustrative" in c.description for c in HostContribution.objects.all())
    assert all("illustrative" in c.description for c in HostCost.objects.all())
