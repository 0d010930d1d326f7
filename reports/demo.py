"""The conference part of the BAPA+40 demo: a budget for the conference,
Argentina's hosting contribution (pledged, partly received in pesos, services
in kind) and the costs met from it. Every figure is illustrative: the real
budget and the host country agreement's amounts are not public. Loading it
twice changes nothing (lines and records are found by their keys and
references). The regular-budget impact is zero, as resolution 71/318 para 11
requires."""

from __future__ import annotations

import datetime

from django.db import transaction

from fundmgr.demo import DEMO_ACTOR
from fundmgr.models import Event, Fund
from fundmgr.money import Money
from reports.services import conference as svc

NOTE = "illustrative demo figure"

#: category, funding source, budget in USD.
LINES = (
    ("venue", "host_cash", "450000.00"),
    ("interpretation", "host_in_kind", "180000.00"),
    ("documentation", "host_cash", "60000.00"),
    ("conference_services", "host_in_kind", "120000.00"),
    ("security", "host_in_kind", "90000.00"),
    ("delegates_travel", "trust_fund", "100000.00"),
)

PLEDGED = datetime.date(2019, 2, 15)  # ARS 37.100 per USD (illustrative)
MARCH = datetime.date(2019, 3, 5)  # ARS 39.000 per USD (illustrative)
AFTER = datetime.date(2019, 3, 25)


@transaction.atomic
def load_conference_demo(fund: Fund) -> None:
    event = Event.objects.select_related("fund").get(code="BAPA40", fund=fund)
    by = DEMO_ACTOR
    lines = {
        category: svc.add_budget_line(
            event, category=category, funding_source=source, budget=budget, by=by, note=NOTE
        )
        for category, source, budget in LINES
    }
    svc.record_host_pledge(
        event,
        kind="cash",
        amount=Money("19500000", "ARS"),
        date=PLEDGED,
        reference="AR-HCA-CASH",
        description=f"Host country agreement: cash contribution ({NOTE})",
        by=by,
    )
    svc.record_host_pledge(
        event,
        kind="in_kind",
        amount=Money("390000.00", "USD"),
        date=PLEDGED,
        reference="AR-HCA-KIND",
        description=f"Host country agreement: interpretation, services, security ({NOTE})",
        by=by,
    )
    svc.record_host_cash_received(
        event,
        amount=Money("15600000", "ARS"),
        date=MARCH,
        reference="AR-TR-001",
        description=f"First transfer from the Argentine Ministry of Foreign Affairs ({NOTE})",
        by=by,
    )
    for category, amount, reference, what in (
        ("venue", "14040000", "INV-VENUE-01", "Conference centre hire, 18-22 March"),
        ("documentation", "1521000", "INV-DOC-01", "Printing and documents distribution"),
    ):
        svc.record_host_cost(
            event,
            budget_line=lines[category],
            amount=Money(amount, "ARS"),
            date=MARCH,
            reference=reference,
            description=f"{what} ({NOTE})",
            by=by,
        )
    for category, amount, reference, what in (
        ("interpretation", "175000.00", "AR-IK-INT", "Interpreters in the six languages"),
        ("conference_services", "118500.00", "AR-IK-SVC", "Conference services and staff"),
        ("security", "92000.00", "AR-IK-SEC", "Security of the venue and delegations"),
    ):
        svc.record_in_kind_provided(
            event,
            budget_line=lines[category],
            amount=Money(amount, "USD"),
            date=AFTER,
            reference=reference,
            description=f"{what} ({NOTE})",
            by=by,
        )
