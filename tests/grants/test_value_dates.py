"""Money movements of a grant are booked on the day the money moved (the
bank's value date), which finance may record days later: the advance, the
settlement and a traveller's refund take ``on``; never a future date, never
before the grant's latest entry; nothing saved when refused."""

# The shared fixtures are imported from test_workflow_support; pytest's
# arguments of the same name are them, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fundmgr.chart import AccountKey
from fundmgr.models import JournalEntry, PscRate
from fundmgr.money import Money
from fundmgr.services.ledger import credit, debit, post_entry
from grants.models import GrantState, GrantTransition
from grants.services import workflow
from grants.services.workflow import TransitionRefused
from tests.grants.test_workflow_support import (  # noqa: F401
    boarding_passes,
    quick_password_hashing,
)
from tests.once import post_form

pytestmark = pytest.mark.django_db

APPROVED_ON = datetime.date(2019, 3, 1)


@pytest.fixture
def clock(monkeypatch):
    """Sets what "today" is for the code under test (``timezone.localdate()``
    without arguments); ``clock(None)`` gives the real day back."""
    real = timezone.localdate
    today: list[datetime.date | None] = [None]

    def localdate(value=None, timezone=None):
        if value is None and timezone is None and today[0] is not None:
            return today[0]
        return real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)

    def set_today(day):
        today[0] = day

    return set_today


@pytest.fixture
def committed(make_grant, officer, approver, fund, admin_user, clock):
    """A 2,000 USD grant approved and committed on 1 March 2019, the fund
    having received 100,000 USD on 2 January 2019; the clock then back to
    the real today."""
    cash = Money(Decimal("100000"), fund.base_currency)
    clock(datetime.date(2019, 1, 2))
    post_entry(
        fund,
        datetime.date(2019, 1, 2),
        "Contribution received (test)",
        [debit(AccountKey.BANK, cash), credit(AccountKey.CONTRIBUTIONS, cash)],
        admin_user,
    )
    clock(APPROVED_ON)
    grant = make_grant(cost=Decimal("2000.00"))
    workflow.certify(grant, officer)
    workflow.approve(grant, approver)
    clock(None)
    return grant


def dates(grant) -> dict[str, datetime.date]:
    prefix = f"grant:{grant.pk}:"
    return {
        entry.idempotency_key.removeprefix(prefix): entry.date
        for entry in JournalEntry.objects.posted().filter(idempotency_key__startswith=prefix)
    }


def test_an_advance_recorded_later_is_booked_on_the_day_it_was_paid(committed, finance):
    workflow.pay_advance(committed, finance, on=datetime.date(2019, 3, 5))

    assert dates(committed) == {
        "commitment": APPROVED_ON,
        "advance": datetime.date(2019, 3, 5),
        "liquidation": datetime.date(2019, 3, 5),
    }
    moved = GrantTransition.objects.get(grant=committed, action="pay_advance")
    assert moved.at.date() == timezone.localdate()  # recorded today, dated as paid


def test_a_future_value_date_is_refused_and_nothing_is_saved(committed, finance):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(TransitionRefused, match="is in the future"):
        workflow.pay_advance(committed, finance, on=tomorrow)

    committed.refresh_from_db()
    assert committed.state == GrantState.COMMITTED and committed.advance_amount == 0
    assert set(dates(committed)) == {"commitment"}


def test_a_value_date_before_the_grants_latest_entry_is_refused(committed, finance):
    with pytest.raises(TransitionRefused, match="latest entry is dated 2019-03-01"):
        workflow.pay_advance(committed, finance, on=datetime.date(2019, 2, 28))

    committed.refresh_from_db()
    assert committed.state == GrantState.COMMITTED
    assert not GrantTransition.objects.filter(grant=committed, action="pay_advance").exists()


def test_a_settlement_dated_earlier_charges_psc_at_the_rate_in_force_that_day(
    committed, finance, officer, fund
):
    # The fund's PSC rate (8%) rises to 10% today; the claim was settled in April 2019.
    PscRate.objects.create(fund=fund, rate_pct=Decimal("10"), effective_from=timezone.localdate())
    workflow.pay_advance(committed, finance, on=datetime.date(2019, 3, 5))
    workflow.confirm_attendance(committed, officer)
    settled_on = datetime.date(2019, 4, 10)
    workflow.settle(
        committed,
        finance,
        actual_cost=Decimal("1500.00"),
        boarding_passes=boarding_passes(),
        on=settled_on,
    )

    booked = dates(committed)
    assert booked["settlement"] == booked["psc"] == booked["release"] == settled_on
    psc = JournalEntry.objects.posted().get(idempotency_key=f"grant:{committed.pk}:psc")
    assert {leg.debit for leg in psc.legs.all()} >= {Decimal("120.00")}  # 8% of 1,500


def test_a_travellers_refund_is_booked_on_the_day_it_arrived(committed, finance, officer):
    workflow.pay_advance(committed, finance, on=datetime.date(2019, 3, 5))
    workflow.confirm_attendance(committed, officer)
    workflow.settle(
        committed,
        finance,
        actual_cost=Decimal("1000.00"),
        boarding_passes=boarding_passes(),
        on=datetime.date(2019, 4, 10),
    )
    workflow.record_traveller_refund(
        committed, finance, Decimal("600.00"), on=datetime.date(2019, 5, 2)
    )

    assert dates(committed)["refund:1"] == datetime.date(2019, 5, 2)


def test_the_grant_page_takes_the_date_the_advance_was_paid(client, committed, finance):
    client.force_login(finance)
    url = reverse("grant-action", args=[committed.event.code, committed.reference, "pay-advance"])
    response = post_form(client, url, {"pay_advance-on": "2019-03-06"})

    assert response.status_code == 302, response.content.decode()[:2000]
    assert dates(committed)["advance"] == datetime.date(2019, 3, 6)


def test_the_grant_page_refuses_a_future_date_with_a_message(client, committed, finance):
    client.force_login(finance)
    url = reverse("grant-action", args=[committed.event.code, committed.reference, "pay-advance"])
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = post_form(client, url, {"pay_advance-on": future}, follow=True)

    assert "is in the future" in response.content.decode()
    committed.refresh_from_db()
    assert committed.state == GrantState.COMMITTED
