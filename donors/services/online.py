"""A pledge made on the public page: the donor, the pledge, the e-mail."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from donors.models import Appeal, Pledge
from donors.services.notifications import send_pledge_acknowledgement
from donors.services.pledges import InstalmentSpec, find_or_create_donor, record_pledge
from fundmgr.models import Country
from fundmgr.money import Money

ONLINE_ACTOR = "public pledge form"


def pledge_online(
    *,
    appeal: Appeal,
    name: str,
    kind: str,
    email: str,
    country: Country | None,
    amount: Money,
    method: str,
    listed_publicly: bool,
    schedule: Sequence[InstalmentSpec] = (),
    letter=None,
    today: datetime.date | None = None,
) -> Pledge:
    with transaction.atomic():
        donor = find_or_create_donor(
            name=name, kind=kind, email=email, country=country, listed=listed_publicly
        )
        if listed_publicly and not donor.listed_publicly:
            donor.listed_publicly = True
            donor.save(update_fields=["listed_publicly"])
        pledge = record_pledge(
            fund=appeal.fund,
            donor=donor,
            appeal=appeal,
            amount=amount,
            pledge_date=today or timezone.localdate(),
            method=method,
            by=ONLINE_ACTOR,
            schedule=schedule,
            letter=letter,
        )
        transaction.on_commit(lambda: send_pledge_acknowledgement(pledge))
    return pledge
