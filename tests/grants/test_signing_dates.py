"""A signature takes the day it was signed: an approval recorded after the
fact commits the grant on that day (the commitment entry, and the money
available and the PSC rate as of that day), never on a future day, never
before what precedes it (the certificate it approves, the grant's latest
step or entry). The transition keeps the date signed beside the moment it
was recorded."""

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
from fundmgr.models import AuditRecord, JournalEntry, PscRate, Signature
from fundmgr.money import Money
from fundmgr.services.ledger import credit, debit, post_entry
from grants.models import GrantState, GrantTransition
from grants.services import workflow
from grants.services.workflow import InsufficientFunds, TransitionRefused
from tests.grants.test_workflow_support import quick_password_hashing  # noqa: F401
from tests.once import post_form

pytestmark = pytest.mark.django_db

CERTIFIED_ON = datetime.date(2019, 2, 20)
SIGNED_ON = datetime.date(2019, 2, 25)


def cash(fund, by, amount: str, on: datetime.date) -> None:
    value = Money(Decimal(amount), fund.base_currency)
    post_entry(
        fund,
        on,
        "Contribution received (test)",
        [debit(AccountKey.BANK, value), credit(AccountKey.CONTRIBUTIONS, value)],
        by,
    )


@pytest.fixture
def certified(make_grant, officer, fund, admin_user):
    """A 2,000 USD grant certified on 20 February 2019, the fund holding
    100,000 USD since 2 January 2019."""
    cash(fund, admin_user, "100000", datetime.date(2019, 1, 2))
    grant = make_grant(cost=Decimal("2000.00"))
    workflow.certify(grant, officer, on=CERTIFIED_ON)
    return grant


def entry(grant, what: str) -> JournalEntry:
    return JournalEntry.objects.posted().get(idempotency_key=f"grant:{grant.pk}:{what}")


def test_an_approval_signed_earlier_commits_the_grant_on_the_day_it_was_signed(certified, approver):
    workflow.approve(certified, approver, on=SIGNED_ON)

    certified.refresh_from_db()
    assert certified.state == GrantState.COMMITTED
    assert entry(certified, "commitment").date == SIGNED_ON
    approval = GrantTransition.objects.get(grant=certified, action="approve")
    commit = GrantTransition.objects.get(grant=certified, action="commit")
    assert approval.dated == commit.dated == SIGNED_ON
    assert approval.at.date() == timezone.localdate()  # recorded today, dated as signed
    audit = AuditRecord.objects.get(action="grant:approve", target_id=str(certified.pk))
    assert audit.data["signed_on"] == SIGNED_ON.isoformat()


def test_the_certificate_keeps_the_day_it_was_signed_too(certified):
    certificate = GrantTransition.objects.get(grant=certified, action="certify")
    assert certificate.dated == CERTIFIED_ON


def test_an_approval_without_a_date_is_signed_today(certified, approver):
    workflow.approve(certified, approver)

    assert entry(certified, "commitment").date == timezone.localdate()
    assert GrantTransition.objects.get(grant=certified, action="approve").dated is None


def test_an_approval_dated_in_the_future_is_refused_and_nothing_is_recorded(certified, approver):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(TransitionRefused, match="is in the future"):
        workflow.approve(certified, approver, on=tomorrow)

    certified.refresh_from_db()
    assert certified.state == GrantState.CERTIFIED
    assert Signature.objects.filter(signer=approver).count() == 0
    assert not JournalEntry.objects.filter(idempotency_key__startswith=f"grant:{certified.pk}:")


def test_an_approval_dated_before_the_certificate_is_refused(certified, approver):
    with pytest.raises(TransitionRefused, match="2019-02-20") as refused:
        workflow.approve(certified, approver, on=datetime.date(2019, 2, 19))

    assert "2019-02-19" in str(refused.value)
    certified.refresh_from_db()
    assert certified.state == GrantState.CERTIFIED
    assert not GrantTransition.objects.filter(grant=certified, action="approve").exists()


def test_a_certificate_recorded_today_cannot_be_approved_on_an_earlier_day(
    make_grant, officer, approver, fund, admin_user
):
    cash(fund, admin_user, "100000", datetime.date(2019, 1, 2))
    grant = make_grant()
    workflow.certify(grant, officer)  # recorded and dated today

    with pytest.raises(TransitionRefused, match="cannot be dated earlier"):
        workflow.approve(grant, approver, on=timezone.localdate() - datetime.timedelta(days=1))


def test_a_certificate_dated_in_the_future_is_refused(make_grant, officer):
    grant = make_grant()
    with pytest.raises(TransitionRefused, match="is in the future"):
        workflow.certify(grant, officer, on=timezone.localdate() + datetime.timedelta(days=2))

    grant.refresh_from_db()
    assert grant.state == GrantState.SUBMITTED


def test_the_money_available_and_the_psc_rate_are_those_of_the_day_signed(
    make_grant, officer, approver, fund, admin_user
):
    # The cash arrived on 1 March 2019; the PSC rate rose from 8% to 10% today.
    cash(fund, admin_user, "100000", datetime.date(2019, 3, 1))
    PscRate.objects.create(fund=fund, rate_pct=Decimal("10"), effective_from=timezone.localdate())
    grant = make_grant(cost=Decimal("2000.00"))
    workflow.certify(grant, officer, on=CERTIFIED_ON)

    # On 25 February 2019 there was nothing to commit, at that day's 8% PSC.
    with pytest.raises(InsufficientFunds) as refused:
        workflow.approve(grant, approver, on=SIGNED_ON)
    assert refused.value.needed == Money("2160.00", "USD")

    workflow.approve(grant, approver, on=datetime.date(2019, 3, 4))
    assert entry(grant, "commitment").date == datetime.date(2019, 3, 4)


def test_an_approval_dated_earlier_must_also_leave_todays_position_whole(
    make_grant, officer, approver, fund, admin_user
):
    # Enough cash on the day signed, but it has been spent since: committing
    # it now would over-commit the fund as it stands today.
    cash(fund, admin_user, "3000", datetime.date(2019, 1, 2))
    spent = Money(Decimal("2900"), fund.base_currency)
    post_entry(
        fund,
        datetime.date(2019, 4, 1),
        "Bank charges (test)",
        [debit(AccountKey.BANK_FEES, spent), credit(AccountKey.BANK, spent)],
        admin_user,
    )
    grant = make_grant(cost=Decimal("2000.00"))
    workflow.certify(grant, officer, on=CERTIFIED_ON)

    with pytest.raises(InsufficientFunds):
        workflow.approve(grant, approver, on=SIGNED_ON)
    grant.refresh_from_db()
    assert grant.state == GrantState.CERTIFIED


def test_the_grant_page_takes_the_day_the_approval_was_signed(client, certified, approver):
    client.force_login(approver)
    url = reverse("grant-action", args=[certified.event.code, certified.reference, "approve"])
    response = post_form(client, url, {"approve-on": SIGNED_ON.isoformat()})

    assert response.status_code == 302, response.content.decode()[:2000]
    assert entry(certified, "commitment").date == SIGNED_ON


def test_the_grant_page_refuses_an_approval_dated_in_the_future_with_a_message(
    client, certified, approver
):
    client.force_login(approver)
    url = reverse("grant-action", args=[certified.event.code, certified.reference, "approve"])
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = post_form(client, url, {"approve-on": future})

    assert response.status_code == 200
    assert "is in the future" in response.content.decode()
    certified.refresh_from_db()
    assert certified.state == GrantState.CERTIFIED


def test_the_history_shows_the_day_a_step_was_signed(client, certified, approver):
    workflow.approve(certified, approver, on=SIGNED_ON)
    client.force_login(approver)
    page = client.get(reverse("grant-detail", args=[certified.event.code, certified.reference]))

    assert 'datetime="2019-02-25"' in page.content.decode()
