"""The BAPA+40 demo: the UNFSSC, the conference of GA resolution 71/318,
illustrative exchange rates for the months concerned, and a demo user for
every role. Loading it twice changes nothing (get-or-create and idempotency
keys throughout)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from fundmgr.chart import AccountKey
from fundmgr.models import Country, EntryKind, Event, EventSession, ExchangeRate, Fund
from fundmgr.money import Money
from fundmgr.reference import DATA, ensure_reference_data
from fundmgr.roles import Role
from fundmgr.services.audit import log_action
from fundmgr.services.funds import open_fund
from fundmgr.services.ledger import credit, debit, post_entry
from fundmgr.services.rate_import import import_exchange_rates

DEMO_PASSWORD = "bapa40-demo"  # noqa: S105 - development demo only; load_demo refuses production
DEMO_ACTOR = "load_demo command"
DEMO_RATES = DATA / "demo" / "rates_2019_illustrative.csv"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    roles: tuple[str, ...]
    what: str


DEMO_LOGINS = (
    DemoLogin("donor", (Role.DONOR,), "gives to the fund; sees only their own pledges"),
    DemoLogin("officer", (Role.FUND_OFFICER,), "takes nominations, certifies grants"),
    DemoLogin("approver", (Role.APPROVING_OFFICER,), "approves grants another officer certified"),
    DemoLogin(
        "dual",
        (Role.FUND_OFFICER, Role.APPROVING_OFFICER),
        "holds both officer roles: may still never sign both levels of one grant",
    ),
    DemoLogin("finance", (Role.FINANCE_OFFICER,), "records receipts, reconciles, exports"),
    DemoLogin("auditor", (Role.AUDITOR,), "reads everything, changes nothing"),
    DemoLogin("admin", (Role.ADMINISTRATOR,), "manages funds, events, rates and users"),
    DemoLogin("focal", (Role.FOCAL_POINT,), "Nepal's focal point: nominates its delegates"),
)

#: Programme of resolution 71/318, para 1 c.
BAPA40_PROGRAMME = (
    ("2019-03-20", "10:00", "13:00", EventSession.Kind.PLENARY, "Opening plenary"),
    ("2019-03-20", "15:00", "18:00", EventSession.Kind.PLENARY, "Plenary"),
    ("2019-03-21", "10:00", "13:00", EventSession.Kind.PLENARY, "Plenary"),
    ("2019-03-21", "10:00", "13:00", EventSession.Kind.ROUND_TABLE, "Round tables (in parallel)"),
    ("2019-03-21", "15:00", "18:00", EventSession.Kind.ROUND_TABLE, "Round tables"),
    ("2019-03-22", "10:00", "13:00", EventSession.Kind.CLOSING, "Closing plenary"),
)


def _users() -> None:
    User = get_user_model()
    for login in DEMO_LOGINS:
        user, created = User.objects.get_or_create(
            username=login.username,
            defaults={"email": f"{login.username}@demo.fundmgr.invalid"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            if Role.ADMINISTRATOR in login.roles:
                user.is_staff = user.is_superuser = True
            user.save()
        user.groups.add(*Group.objects.filter(name__in=login.roles))


def _fund() -> Fund:
    return open_fund(
        code="UNFSSC",
        name="United Nations Fund for South-South Cooperation",
        by=DEMO_ACTOR,
        psc_rate_pct=Decimal("8.00"),
        psc_from=datetime.date(2017, 1, 1),
        psc_note="Illustrative: UNDP general management support on non-core funds; "
        "the rate the UNFSSC charges is not confirmed.",
        operating_reserve_pct=Decimal("10.00"),
        description="Voluntary trust fund managed by the UN Office for South-South "
        "Cooperation; GA resolution 71/318 para 10 urges contributions to it to finance "
        "the participation of developing countries, in particular LDCs, in BAPA+40.",
    )


def _event(fund: Fund) -> Event:
    event, created = Event.objects.get_or_create(
        code="BAPA40",
        defaults={
            "name": "Second High-level United Nations Conference on South-South Cooperation "
            "(BAPA+40)",
            "fund": fund,
            "starts_on": datetime.date(2019, 3, 20),
            "ends_on": datetime.date(2019, 3, 22),
            "venue": "Venue provided by the host country (Argentina)",
            "city": "Buenos Aires",
            "country": Country.objects.get(iso2="AR"),
            "eligibility_date": datetime.date(2019, 3, 20),
            "max_funded_per_country": 2,
            "nomination_deadline": datetime.date(2019, 2, 20),
            "funds_other_developing": False,
            "mandate": "GA resolution 71/318 (28 August 2017); costs met from "
            "extrabudgetary resources (para 11); hosted by Argentina (para 12).",
        },
    )
    for day, start, end, kind, title in BAPA40_PROGRAMME:
        EventSession.objects.get_or_create(
            event=event,
            date=datetime.date.fromisoformat(day),
            starts_at=datetime.time.fromisoformat(start),
            kind=kind,
            defaults={"ends_at": datetime.time.fromisoformat(end), "title": title},
        )
    if created:
        log_action(event, "event:created", DEMO_ACTOR, "BAPA+40 demo scenario")
    return event


def _current_month_rates() -> None:
    """So the demo can be tried today: April 2019's illustrative rates again,
    effective from the first of the current month, marked illustrative."""
    first = timezone.localdate().replace(day=1)
    april = ExchangeRate.objects.current().filter(effective_date=datetime.date(2019, 4, 1))
    present = set(
        ExchangeRate.objects.current()
        .filter(effective_date=first)
        .values_list("currency", flat=True)
    )
    ExchangeRate.objects.bulk_create(
        [
            ExchangeRate(
                currency=rate.currency,
                effective_date=first,
                units_per_usd=rate.units_per_usd,
                illustrative=True,
                source="illustrative demo rate for the current month (April 2019 figure)",
            )
            for rate in april
            if rate.currency not in present
        ]
    )


def _opening_balance(fund: Fund) -> None:
    post_entry(
        fund,
        datetime.date(2019, 1, 1),
        "Balance brought forward at 1 January 2019 (illustrative demo figure)",
        [
            debit(AccountKey.BANK, Money("250000.00", "USD")),
            credit(AccountKey.FUND_BALANCE, Money("250000.00", "USD")),
        ],
        DEMO_ACTOR,
        kind=EntryKind.OPENING,
        idempotency_key="demo:opening-balance-2019",
    )


@transaction.atomic
def load_demo() -> Fund:
    ensure_reference_data()
    _users()
    with DEMO_RATES.open("rb") as rates:
        import_exchange_rates(rates, DEMO_ACTOR, name=DEMO_RATES.name, illustrative=True)
    _current_month_rates()
    fund = _fund()
    _event(fund)
    _opening_balance(fund)
    return fund
