"""A cancelled pledge takes no more money and stays cancelled: refused by the
service that records receipts (with a message the finance page shows, nothing
saved) and by the database (donors migration 0010), whatever code writes."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from donors.models import Pledge, Receipt
from donors.services.pledges import cancel_pledge, find_or_create_donor, record_pledge
from donors.services.receipts import ReceiptError, record_receipt
from fundmgr.chart import AccountKey
from fundmgr.models import JournalEntry
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services.ledger import balance
from tests.once import post_form

PLEDGE_DAY = datetime.date(2019, 3, 1)
APRIL = datetime.date(2019, 4, 10)


@pytest.fixture
def finance(make_user):
    return make_user("finance", Role.FINANCE_OFFICER)


@pytest.fixture
def cancelled(fund, rates, admin_user, finance) -> Pledge:
    """A binding pledge of EUR 1000, EUR 400 paid, the rest cancelled."""
    donor = find_or_create_donor(name="Giver", kind="member_state", email="giver@example.org")
    pledge = record_pledge(
        fund=fund,
        donor=donor,
        amount=Money("1000", "EUR"),
        pledge_date=PLEDGE_DAY,
        method="bank_transfer",
        agreement_signed=True,
        by=admin_user,
    )
    record_receipt(
        fund=fund,
        donor=donor,
        pledge=pledge,
        amount=Money("400", "EUR"),
        value_date=APRIL,
        by=finance,
        notify=False,
    )
    cancel_pledge(pledge, finance, reason="Rest withdrawn", on=APRIL)
    pledge.refresh_from_db()
    return pledge


def receivable(fund):
    return balance(fund, AccountKey.PLEDGES_RECEIVABLE).amount


def test_a_receipt_for_a_cancelled_pledge_is_refused_and_nothing_is_recorded(
    fund, cancelled, finance
):
    entries = JournalEntry.objects.count()
    with pytest.raises(ReceiptError, match=re.escape(f"{cancelled.reference} is cancelled")):
        record_receipt(
            fund=fund,
            donor=cancelled.donor,
            pledge=cancelled,
            amount=Money("600", "EUR"),
            value_date=APRIL,
            by=finance,
            notify=False,
        )
    cancelled.refresh_from_db()
    assert cancelled.status == Pledge.Status.CANCELLED
    assert cancelled.receipts.count() == 1
    assert JournalEntry.objects.count() == entries
    assert receivable(fund) == 0


def test_the_money_of_a_cancelled_pledge_can_still_be_recorded_for_its_donor(
    fund, cancelled, finance
):
    receipt = record_receipt(
        fund=fund,
        donor=cancelled.donor,
        amount=Money("600", "EUR"),
        value_date=APRIL,
        by=finance,
        notify=False,
    )
    assert receipt.pledge is None
    assert receivable(fund) == 0


def test_the_receipt_form_shows_the_refusal_for_a_cancelled_pledge_and_saves_nothing(
    client, fund, cancelled, finance
):
    client.force_login(finance)
    response = post_form(
        client,
        reverse("finance-new-receipt", args=[fund.code]),
        {
            "pledge_reference": cancelled.reference,
            "amount": "600",
            "currency": "EUR",
            "value_date": "2019-04-10",
            "bank_reference": "MANUAL-9",
        },
    )
    assert response.status_code == 200
    assert f"Pledge {cancelled.reference} is cancelled" in response.content.decode()
    assert not Receipt.objects.filter(external_reference="MANUAL-9").exists()
    assert Pledge.objects.get(pk=cancelled.pk).status == Pledge.Status.CANCELLED
    assert receivable(fund) == 0


# -- the database holds it too, around the Python code --------------------------------


def refused(message: str):
    return pytest.raises(IntegrityError, match=re.escape(message))


def test_the_database_keeps_a_cancelled_pledge_cancelled(cancelled):
    for status in (Pledge.Status.PAID, Pledge.Status.PARTLY_PAID, Pledge.Status.AWAITING_PAYMENT):
        with transaction.atomic(), refused("a cancelled pledge stays cancelled"):
            Pledge.objects.filter(pk=cancelled.pk).update(status=status)
    # its other fields may still change (the confirmation, for instance)
    Pledge.objects.filter(pk=cancelled.pk).update(status=Pledge.Status.CANCELLED)
    assert Pledge.objects.get(pk=cancelled.pk).status == Pledge.Status.CANCELLED


def test_the_database_refuses_a_receipt_for_a_cancelled_pledge(fund, cancelled, finance):
    earlier = cancelled.receipts.get()
    fields = {
        f.attname: getattr(earlier, f.attname)
        for f in Receipt._meta.concrete_fields
        if not f.primary_key and f.attname not in ("number", "entry_id")
    }
    other = JournalEntry.objects.exclude(pk__in=Receipt.objects.values("entry_id")).first()
    with transaction.atomic(), refused("a cancelled pledge takes no receipt"):
        Receipt.objects.create(**{**fields, "number": "TESTF-2019-999999", "entry_id": other.pk})


def test_the_database_refuses_moving_a_receipt_onto_a_cancelled_pledge(
    fund, cancelled, finance, admin_user
):
    open_pledge = record_pledge(
        fund=fund,
        donor=cancelled.donor,
        amount=Money("100", "EUR"),
        pledge_date=PLEDGE_DAY,
        method="bank_transfer",
        agreement_signed=False,
        by=admin_user,
    )
    receipt = record_receipt(
        fund=fund,
        donor=cancelled.donor,
        pledge=open_pledge,
        amount=Money("100", "EUR"),
        value_date=APRIL,
        by=finance,
        notify=False,
    )
    with transaction.atomic(), refused("a cancelled pledge takes no receipt"):
        Receipt.objects.filter(pk=receipt.pk).update(pledge=cancelled)
