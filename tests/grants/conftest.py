"""An event like BAPA+40 on the test fund, its travel policy and reference
rates, and a factory for grants in any state with a known entitlement."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from fundmgr.models import Country, Event
from fundmgr.roles import Role
from grants.models import DsaRate, Grant, GrantState, TerminalExpense, TravelPolicy

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def event(fund):
    event = Event.objects.create(
        code="CONF19",
        name="Test conference",
        fund=fund,
        starts_on=datetime.date(2019, 3, 20),
        ends_on=datetime.date(2019, 3, 22),
        city="Buenos Aires",
        country=Country.objects.get(iso2="AR"),
        eligibility_date=datetime.date(2019, 3, 20),
        max_funded_per_country=2,
        nomination_deadline=datetime.date(2019, 2, 28),
    )
    TravelPolicy.objects.create(event=event)
    DsaRate.objects.create(
        country=event.country,
        city="Buenos Aires",
        amount=Decimal("250.00"),
        effective_from=datetime.date(2019, 1, 1),
        illustrative=True,
    )
    TerminalExpense.objects.create(
        country=None, amount=Decimal("76.00"), effective_from=datetime.date(2018, 1, 1)
    )
    return event


@pytest.fixture
def officer(make_user):
    return make_user("officer", Role.FUND_OFFICER)


@pytest.fixture
def approver(make_user):
    return make_user("approver", Role.APPROVING_OFFICER)


@pytest.fixture
def finance(make_user):
    return make_user("finance", Role.FINANCE_OFFICER)


@pytest.fixture
def make_grant(event, officer):
    """A nomination written straight to the table (no service), with a cost of
    ``cost`` USD and PSC at the test fund's 8%; the services under test move it on."""
    counter = iter(range(1, 1_000_000))

    def make(
        *,
        state: str = GrantState.SUBMITTED,
        country: str = "NP",
        name: str | None = None,
        cost: Decimal = Decimal("2000.00"),
        gender: str = "female",
        event: Event = event,
    ) -> Grant:
        number = next(counter)
        name = name or f"Delegate {number}"
        grant = Grant(
            event=event,
            reference=f"{event.code}-T{number:05d}",
            state=state,
            nominee_name=name,
            nominee_title="Minister",
            gender=gender,
            person_key=name.casefold(),
            country=Country.objects.get(iso2=country),
            nominated_by=officer,
            departure_city="Kathmandu",
            departure_airport="KTM",
            depart_on=datetime.date(2019, 3, 18),
            return_on=datetime.date(2019, 3, 23),
            priority=1,
            ldc_on_eligibility_date=True,
            airfare=cost - Decimal("1076.00"),
            airfare_route="KTM-DOH-EZE-DOH-KTM",
            dsa_rate=Decimal("250.00"),
            dsa_nights=4,
            dsa_amount=Decimal("1000.00"),
            terminal_amount=Decimal("76.00"),
            psc_pct=Decimal("8"),
            psc_amount=(cost * Decimal("0.08")).quantize(Decimal("0.01")),
            cost=cost,
        )
        grant.note_verbale.save(f"note-{number}.pdf", ContentFile(PDF), save=False)
        grant.save()
        return grant

    return make
