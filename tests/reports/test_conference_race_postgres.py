"""Two finance officers paying costs from the host's cash at the same moment
never spend more pesos than are held.

Real concurrency needs PostgreSQL: each thread has its own connection and
transaction, and ``SELECT ... FOR UPDATE`` on the event's row makes the
second cost wait until the first is committed, then re-read what is held.
SQLite takes one writer at a time for the whole database (and ignores FOR
UPDATE), so there is no race to test there.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection, connections

from fundmgr.chart import AccountKey as K
from fundmgr.models import Leg
from fundmgr.money import Money
from reports.models import HostCost
from reports.services import conference as svc
from tests.grants.test_commit_race_postgres import run_at_once

SKIP_REASON = (
    "needs PostgreSQL: SQLite serialises every writer and has no row locks, "
    "so concurrent host costs cannot race there"
)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason=SKIP_REASON),
]

MARCH = datetime.date(2019, 3, 10)


def test_two_costs_at_once_never_spend_more_pesos_than_are_held(event, finance, rates):
    venue = svc.add_budget_line(
        event, category="venue", funding_source="host_cash", budget="10000.00", by=finance
    )
    svc.record_host_cash_received(
        event,
        amount=Money("39000", "ARS"),
        date=MARCH,
        reference="TR-1",
        description="Transfer",
        by=finance,
    )
    connections.close_all()

    def pay(reference):
        return svc.record_host_cost(
            event,
            budget_line=venue,
            amount=Money("30000", "ARS"),
            date=MARCH,
            reference=reference,
            description="Hall",
            by=finance,
        )

    results, failures = run_at_once([lambda n=n: pay(f"INV-{n}") for n in range(4)])

    assert sum(r is not None for r in results) == 1
    refused = [f for f in failures if f is not None]
    assert len(refused) == 3
    assert all(isinstance(f, svc.ConferenceError) for f in refused), refused
    assert all("9,000.00 ARS" in str(f) for f in refused)
    assert HostCost.objects.count() == 1
    legs = Leg.objects.filter(account__key=K.HOST_CASH, original_currency="ARS")
    held = sum((leg.original.amount * (1 if leg.debit else -1) for leg in legs), Decimal(0))
    assert held == Decimal("9000")
