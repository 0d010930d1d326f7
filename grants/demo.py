"""The travel-grant part of the BAPA+40 demo: the event's travel policy,
illustrative DSA and terminal-expense rates, a focal point for Nepal and a
dozen submitted nominations from LDCs with airfare quotes and computed
entitlements. Loading it twice changes nothing.

Every figure here is illustrative: the Buenos Aires DSA of March 2019 and
the terminal-expense amounts are not confirmed (docs/grants-nominations.md),
and the delegates are invented."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction

from fundmgr.models import Country, Event, Fund
from fundmgr.money import Money
from grants.models import DsaRate, FocalPoint, Grant, TerminalExpense, TravelPolicy
from grants.services.entitlement import add_quote, apply_entitlement
from grants.services.nominations import nominate

ILLUSTRATIVE = "illustrative demo value, not an ICSC-published rate"
#: The day the demo's nominations are taken: before the BAPA40 deadline (20 February 2019).
NOMINATED_ON = datetime.date(2019, 2, 15)
#: The days each later step of the demo's grants took effect, in 2019 as the
#: conference did (the books of 2019 hold its commitments and payments): the
#: certificate and the approval signed after the deadline, the advances paid
#: before departure on 18 March, the claim settled within 14 days of the
#: return on 23 March.
CERTIFIED_ON = datetime.date(2019, 2, 21)
APPROVED_ON = datetime.date(2019, 2, 27)
ADVANCE_PAID_ON = datetime.date(2019, 3, 8)
SETTLED_ON = datetime.date(2019, 4, 5)
DEMO_NOTE = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

#: name, title, gender, country, city, airport, by (officer or focal), quotes
#: (route, fare, currency, hours). Departure 18 March, return 23 March 2019.
NOMINATIONS = (
    ("Sita Sharma", "Joint Secretary, Ministry of Foreign Affairs", "female", "NP",
     "Kathmandu", "KTM", "focal",
     [("KTM-DOH-GRU-EZE-GRU-DOH-KTM", "1890.00", "USD", "31.5")]),
    ("Bishnu Prasad Adhikari", "Under-Secretary, National Planning Commission", "male", "NP",
     "Kathmandu", "KTM", "officer",
     [("KTM-DXB-EZE-DXB-KTM", "2050.00", "USD", "29.0"),
      ("KTM-DEL-FRA-EZE-FRA-DEL-KTM", "1620.00", "USD", "38.5")]),
    ("Farida Yasmin", "Director-General, Economic Relations Division", "female", "BD",
     "Dhaka", "DAC", "officer",
     [("DAC-DOH-EZE-DOH-DAC", "1780.00", "USD", "30.0"),
      ("DAC-IST-GRU-EZE-GRU-IST-DAC", "1710.00", "USD", "32.5")]),
    ("Tashi Wangmo", "Chief Planning Officer, Gross National Happiness Commission", "female",
     "BT", "Paro", "PBH", "officer",
     [("PBH-DEL-FRA-EZE-FRA-DEL-PBH", "1860.00", "EUR", "36.0")]),
    ("Abebe Tesfaye", "Director, Ministry of Finance", "male", "ET",
     "Addis Ababa", "ADD", "officer",
     [("ADD-GRU-EZE-GRU-ADD", "1320.00", "USD", "24.0")]),
    ("Marie-Claude Joseph", "Counsellor, Ministry of Planning", "female", "HT",
     "Port-au-Prince", "PAP", "officer",
     [("PAP-PTY-EZE-PTY-PAP", "980.00", "USD", "18.5")]),
    ("Chikondi Banda", "Principal Economist, Ministry of Finance", "male", "MW",
     "Lilongwe", "LLW", "officer",
     [("LLW-JNB-GRU-EZE-GRU-JNB-LLW", "1450.00", "USD", "26.0")]),
    ("Aminata Diop", "Conseillère technique, Ministère de l'Économie", "female", "SN",
     "Dakar", "DSS", "officer",
     [("DSS-GRU-EZE-GRU-DSS", "1105.00", "EUR", "19.0")]),
    ("Grace Nakato", "Commissioner, Ministry of Foreign Affairs", "female", "UG",
     "Entebbe", "EBB", "officer",
     [("EBB-ADD-GRU-EZE-GRU-ADD-EBB", "1540.00", "USD", "27.0")]),
    ("Sokha Chan", "Deputy Director, Ministry of Economy and Finance", "male", "KH",
     "Phnom Penh", "PNH", "officer",
     [("PNH-DOH-EZE-DOH-PNH", "2240.00", "USD", "33.5"),
      ("PNH-ICN-LAX-EZE-LAX-ICN-PNH", "1990.00", "USD", "41.0")]),
    ("Jean-Paul Uwimana", "Senior Economist, Ministry of Finance", "male", "RW",
     "Kigali", "KGL", "officer",
     [("KGL-ADD-GRU-EZE-GRU-ADD-KGL", "1495.00", "USD", "26.5")]),
    ("Halima Mohamed", "Director of External Finance", "female", "TZ",
     "Dar es Salaam", "DAR", "officer",
     [("DAR-JNB-GRU-EZE-GRU-JNB-DAR", "1510.00", "USD", "27.5")]),
)  # fmt: skip


def _reference_data(event: Event) -> None:
    TravelPolicy.objects.get_or_create(event=event)
    DsaRate.objects.get_or_create(
        country=event.country,
        city=event.city,
        effective_from=datetime.date(2019, 3, 1),
        defaults={"amount": Decimal("236.00"), "illustrative": True, "source": ILLUSTRATIVE},
    )
    TerminalExpense.objects.get_or_create(
        country=None,
        effective_from=datetime.date(2018, 1, 1),
        defaults={"amount": Decimal("152.00"), "illustrative": True},
    )


def _focal_point() -> None:
    user = get_user_model().objects.filter(username="focal").first()
    if user is not None:
        FocalPoint.objects.get_or_create(user=user, country=Country.objects.get(iso2="NP"))


def _nominations(event: Event) -> None:
    users = {user.username: user for user in get_user_model().objects.filter(
        username__in=["officer", "focal"]
    )}  # fmt: skip
    if "officer" not in users or Grant.objects.filter(event=event).exists():
        return
    for name, title, gender, iso2, city, airport, by, quotes in NOMINATIONS:
        grant = nominate(
            event,
            users.get(by, users["officer"]),
            nominee_name=name,
            nominee_title=title,
            gender=gender,
            country=Country.objects.get(iso2=iso2),
            note_verbale=ContentFile(DEMO_NOTE, name=f"note-{iso2.lower()}.pdf"),
            departure_city=city,
            departure_airport=airport,
            depart_on=datetime.date(2019, 3, 18),
            return_on=datetime.date(2019, 3, 23),
            today=NOMINATED_ON,
        )
        for route, fare, currency, hours in quotes:
            add_quote(
                grant,
                users["officer"],
                route=route,
                fare=Money(fare, currency),
                travel_hours=Decimal(hours),
                quoted_on=NOMINATED_ON,
            )
        apply_entitlement(grant, users["officer"])


#: How far each demo nomination goes, by delegate, through the real workflow
#: (the rest stay submitted, for the officer to certify).
PROGRESS = {
    "Sita Sharma": "settled",
    "Bishnu Prasad Adhikari": "advance_paid",
    "Farida Yasmin": "advance_paid",
    "Tashi Wangmo": "committed",
    "Abebe Tesfaye": "committed",
    "Marie-Claude Joseph": "certified",
    "Chikondi Banda": "certified",
    "Aminata Diop": "rejected",
}
STEPS = ("certified", "committed", "advance_paid", "travelled", "settled")


def _progress(event: Event) -> None:
    """Move some nominations on, each step by the person whose role it is: the
    officer certifies, a different approver approves (and commits), finance
    pays the advance and settles the claim, each on its 2019 day. Only
    nominations still submitted move, so loading again changes nothing."""
    from grants.services import workflow

    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["officer", "approver", "finance"]
    )}  # fmt: skip
    if len(users) < 3:
        return
    grants = Grant.objects.filter(event=event, nominee_name__in=PROGRESS, state="submitted")
    for grant in grants.order_by("id"):
        goal = PROGRESS[grant.nominee_name]
        if goal == "rejected":
            workflow.reject(
                grant, users["officer"], "The note verbale names another delegate (demo)."
            )
            continue
        for step in STEPS[: STEPS.index(goal) + 1]:
            if step == "certified":
                workflow.certify(grant, users["officer"], on=CERTIFIED_ON)
            elif step == "committed":
                workflow.approve(grant, users["approver"], on=APPROVED_ON)
            elif step == "advance_paid":
                workflow.pay_advance(grant, users["finance"], on=ADVANCE_PAID_ON)
            elif step == "travelled":
                workflow.confirm_attendance(grant, users["officer"], "Signed the attendance list.")
            elif step == "settled":
                grant.refresh_from_db()
                workflow.settle(
                    grant,
                    users["finance"],
                    actual_cost=grant.approved_amount - Decimal("120.00"),
                    boarding_passes=ContentFile(DEMO_NOTE, name="boarding-passes.pdf"),
                    on=SETTLED_ON,
                )
            grant.refresh_from_db()


@transaction.atomic
def load_grant_demo(fund: Fund) -> None:
    event = Event.objects.get(code="BAPA40", fund=fund)
    _reference_data(event)
    _focal_point()
    _nominations(event)
    _progress(event)
