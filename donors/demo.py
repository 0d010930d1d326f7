"""The donor side of the BAPA+40 demo: the appeal and the fund's bank details
(illustrative), a binding Member State pledge partly received, and an
anonymous individual's pledge awaiting transfer. Idempotent."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model

from donors.models import Appeal, Pledge
from donors.services.pledges import InstalmentSpec, find_or_create_donor, record_pledge
from donors.services.receipts import record_receipt
from fundmgr.models import Country, Event, Fund
from fundmgr.money import Money

DEMO_ACTOR = "load_demo command"
BANK_INSTRUCTIONS = (
    "Illustrative demo details - do not pay:\n"
    "Account name: UNDP - UN Fund for South-South Cooperation\n"
    "Bank: Example Bank, New York\n"
    "Account: 000-000000-0 - SWIFT/BIC: EXAMPLUS33"
)


def load_donor_demo(fund: Fund) -> Appeal:
    if not fund.bank_instructions:
        fund.bank_instructions = BANK_INSTRUCTIONS
        fund.save(update_fields=["bank_instructions"])
    appeal, _created = Appeal.objects.get_or_create(
        slug="bapa40-ldc-participation",
        defaults={
            "fund": fund,
            "title": "Support the participation of least developed countries in BAPA+40",
            "purpose": "Your contribution pays the economy-class travel and daily subsistence "
            "allowance of delegates of the least developed countries to the Second High-level "
            "United Nations Conference on South-South Cooperation, Buenos Aires, 20-22 March "
            "2019 (GA resolution 71/318, para 10). The target is illustrative.",
            "target": Money("500000", fund.base_currency),
            "event": Event.objects.filter(code="BAPA40").first(),
        },
    )
    if not Pledge.objects.filter(fund=fund, source_reference="DEMO-1").exists():
        state = find_or_create_donor(
            name="Republic of Examplia (illustrative)",
            kind="member_state",
            email="mission@examplia.demo.fundmgr.invalid",
            country=None,
            listed=True,
        )
        pledge = record_pledge(
            fund=fund,
            donor=state,
            appeal=appeal,
            amount=Money("100000", "EUR"),
            pledge_date=datetime.date(2019, 1, 15),
            method="schedule",
            agreement_signed=True,
            schedule=[
                InstalmentSpec(Money("60000", "EUR"), datetime.date(2019, 2, 28)),
                InstalmentSpec(Money("40000", "EUR"), datetime.date(2020, 2, 28)),
            ],
            by=DEMO_ACTOR,
            source_reference="DEMO-1",
        )
        record_receipt(
            fund=fund,
            donor=state,
            pledge=pledge,
            amount=Money("60000", "EUR"),
            value_date=datetime.date(2019, 2, 26),
            by=DEMO_ACTOR,
            external_reference="DEMO-BANK-0001",
            idempotency_key="demo:receipt-1",
            notify=False,
        )
    if not Pledge.objects.filter(fund=fund, source_reference="DEMO-2").exists():
        person = find_or_create_donor(
            name="A. Donor",
            kind="individual",
            email="donor@demo.fundmgr.invalid",
            country=Country.objects.filter(iso2="AR").first(),
        )
        demo_user = get_user_model().objects.filter(username="donor").first()
        if demo_user is not None and person.user_id is None:
            person.user = demo_user
            person.save(update_fields=["user"])
        record_pledge(
            fund=fund,
            donor=person,
            appeal=appeal,
            amount=Money("250", "USD"),
            pledge_date=datetime.date(2019, 3, 1),
            method="bank_transfer",
            by=DEMO_ACTOR,
            source_reference="DEMO-2",
        )
    return appeal
