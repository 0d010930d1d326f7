"""A fund with hand-made books for the IATI files: donors (one listed with
an IATI identifier, one private individual), a binding pledge in euros and
its part payment, a gift in dollars, and travel grants to delegates of
Nepal and Bhutan walked through commitment, advance and settlement."""

# The grants' fixtures are imported; pytest's arguments of the same name are them.
# ruff: noqa: F401, F811

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from donors.models import Donor, PaymentMethod, Pledge
from donors.services.pledges import record_pledge
from donors.services.receipts import record_receipt
from fundmgr.money import Money
from tests.grants.conftest import approver, event, finance, make_grant, officer
from tests.grants.test_workflow_support import funded, quick_password_hashing, walk

#: What must never reach a file: the delegates' and the private donor's data.
DELEGATES = [
    ("Amrita Secretname", "Joint Secretary of Mystery", "amrita.secret@example.np"),
    ("Bikash Hiddenname", "Under-Secretary Unseen", "bikash.hidden@example.np"),
    ("Choden Privatename", "Director Nobodyknows", "choden.private@example.bt"),
]
PRIVATE_DONOR = ("Jane Quietgiver", "jane.quiet@example.org")


@dataclass
class Books:
    listed: Donor
    private: Donor
    pledge: Pledge
    grants: list


@pytest.fixture
def books(funded, rates, admin_user, make_grant, walk) -> Books:
    fund = funded
    listed = Donor.objects.create(
        name="Kingdom of the Netherlands (test)",
        kind="member_state",
        email="nl@example.org",
        listed_publicly=True,
        iati_identifier="XM-DAC-7",
    )
    private = Donor.objects.create(
        name=PRIVATE_DONOR[0], kind="individual", email=PRIVATE_DONOR[1], listed_publicly=False
    )
    pledge = record_pledge(
        fund=fund,
        donor=listed,
        amount=Money("10000", "EUR"),
        pledge_date=datetime.date(2019, 3, 5),
        method=PaymentMethod.BANK_TRANSFER,
        by=admin_user,
        agreement_signed=True,
    )
    record_receipt(
        fund=fund,
        donor=listed,
        pledge=pledge,
        amount=Money("6000", "EUR"),
        value_date=datetime.date(2019, 3, 11),
        by=admin_user,
        notify=False,
    )
    record_receipt(
        fund=fund,
        donor=private,
        amount=Money("500", "USD"),
        value_date=datetime.date(2019, 3, 12),
        by=admin_user,
        notify=False,
    )
    grants = []
    for (name, title, email), country, cost, state in zip(
        DELEGATES,
        ["NP", "NP", "BT"],
        [Decimal("2000.00"), Decimal("3000.00"), Decimal("2500.00")],
        ["settled", "settled", "committed"],
        strict=True,
    ):
        grant = make_grant(name=name, country=country, cost=cost)
        grant.nominee_title, grant.nominee_email = title, email
        grant.save()
        grants.append(walk(grant, state, actual="1800.00"))
    return Books(listed, private, pledge, grants)
