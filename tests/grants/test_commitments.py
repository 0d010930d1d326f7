"""Commitments can never exceed the cash: available to commit = cash - open
commitments - PSC on them (and on advances awaiting settlement) - operating
reserve, checked under the fund's lock; a refusal records nothing."""

# The shared fixtures are imported from test_workflow_support; pytest's
# arguments of the same name are them, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from fundmgr.models import AuditRecord, JournalEntry, Signature
from fundmgr.services.funds import positions
from grants.models import GrantState, GrantTransition
from grants.services import workflow
from grants.services.commitments import (
    InsufficientFunds,
    availability,
    lock_fund,
    reserve,
)
from grants.services.workflow import TransitionRefused
from tests.grants.test_workflow_support import (  # noqa: F401
    boarding_passes,
    fund_cash,
    funded,
    quick_password_hashing,
    walk,
)

pytestmark = pytest.mark.django_db


def available(fund) -> Decimal:
    return availability(fund).available.amount


def test_available_to_commit_is_the_fund_positions_figure(make_grant, walk, funded):
    # 100,000 cash, 10% reserve: 90,000 available.
    assert available(funded) == Decimal("90000.00")
    walk(make_grant(cost=Decimal("2000.00")), "committed")
    # less 2,000 committed and 8% PSC on it.
    assert available(funded) == Decimal("87840.00")
    position = positions([funded], timezone.localdate())[0]
    assert position.available_to_commit.amount == Decimal("87840.00")


def test_an_advance_is_not_counted_twice_but_its_psc_stays_reserved(
    make_grant, walk, funded, finance
):
    grant = walk(make_grant(cost=Decimal("2000.00")), "advance_paid")
    figures = availability(funded)
    # Cash 98,400 (reserve 9,840); open commitment 400 (PSC 32); advance 1,600 (PSC 128).
    assert figures.position.cash.amount == Decimal("98400.00")
    assert figures.position.open_commitments.amount == Decimal("400.00")
    assert figures.psc_on_advances.amount == Decimal("128.00")
    assert figures.available.amount == Decimal("88000.00")  # 98,400 - 400 - 32 - 128 - 9,840
    # Paying the advance moved the figure only by the reserve on the cash paid
    # out (10% of 1,600); settling at the approved amount does the same with
    # the balance and the PSC paid (10% of 400 + 160).
    workflow.confirm_attendance(grant, grant.nominated_by)
    workflow.settle(
        grant, finance, actual_cost=Decimal("2000.00"), boarding_passes=boarding_passes()
    )
    assert available(funded) == Decimal("88056.00")  # cash 97,840 less the reserve 9,784


def test_approval_beyond_the_cash_is_refused_with_the_figures_and_records_nothing(
    make_grant, fund, admin_user, officer, approver
):
    fund_cash(fund, "2000", admin_user)  # 1,800 available after the 10% reserve
    grant = make_grant(cost=Decimal("2000.00"))
    workflow.certify(grant, officer)
    counts = (
        Signature.objects.count(),
        GrantTransition.objects.count(),
        JournalEntry.objects.count(),
        AuditRecord.objects.count(),
    )
    with pytest.raises(InsufficientFunds) as refused:
        workflow.approve(grant, approver)
    message = str(refused.value)
    assert message.startswith(f"Insufficient funds: committing grant {grant.reference} needs")
    assert "2,160.00" in message  # needed: 2,000 plus 160 PSC
    assert "160.00" in message
    assert "1,800.00" in message  # available
    assert "200.00" in message  # the operating reserve
    assert refused.value.needed.amount == Decimal("2160.00")
    assert refused.value.available.amount == Decimal("1800.00")
    assert refused.value.psc.amount == Decimal("160.00")
    assert (
        Signature.objects.count(),
        GrantTransition.objects.count(),
        JournalEntry.objects.count(),
        AuditRecord.objects.count(),
    ) == counts
    grant.refresh_from_db()
    assert grant.state == GrantState.CERTIFIED
    assert grant.approved_amount == grant.committed_amount == 0


def test_the_last_dollar_can_be_committed_and_not_one_cent_more(
    make_grant, fund, admin_user, officer, approver
):
    fund_cash(fund, "2400", admin_user)  # 2,160 available: exactly 2,000 + 8%
    first = make_grant(cost=Decimal("2000.00"))
    second = make_grant(cost=Decimal("1100.00"), name="Second delegate")
    workflow.certify(first, officer)
    workflow.certify(second, officer)
    workflow.approve(first, approver)
    assert available(fund) == 0
    with pytest.raises(InsufficientFunds, match=r"only \$0\.00 is available"):
        workflow.approve(second, approver)


def test_cash_from_pledges_does_not_count(make_grant, fund, officer, approver):
    grant = make_grant()
    workflow.certify(grant, officer)
    with pytest.raises(InsufficientFunds):
        workflow.approve(grant, approver)


def test_the_message_names_psc_on_advances_when_there_are_some(make_grant, walk, fund, admin_user):
    fund_cash(fund, "5000", admin_user)
    walk(make_grant(cost=Decimal("2000.00")), "advance_paid")
    with transaction.atomic(), pytest.raises(InsufficientFunds, match="PSC on advances"):
        reserve(lock_fund(fund), Decimal("5000.00"))


def test_reserve_returns_the_figures_after_the_commitment(funded):
    with transaction.atomic():
        after = reserve(lock_fund(funded), Decimal("1000.00"))
    assert after.available.amount == Decimal("90000") - Decimal("1080")


# --- The per-country cap, re-checked at commitment ---------------------------------------


def test_the_country_cap_is_rechecked_when_committing(make_grant, walk, funded, officer, approver):
    walk(make_grant(country="NP"), "committed")
    walk(make_grant(country="NP"), "advance_paid")
    third = walk(make_grant(country="NP"), "certified")
    with pytest.raises(TransitionRefused, match="already has 2 funded delegates") as refused:
        workflow.approve(third, approver)
    assert not isinstance(refused.value, InsufficientFunds)
    third.refresh_from_db()
    assert third.state == GrantState.CERTIFIED
    # Another country is not affected.
    walk(make_grant(country="BD"), "committed")


def test_a_no_show_or_a_withdrawal_frees_a_funded_place(
    make_grant, walk, funded, officer, approver
):
    first = walk(make_grant(country="NP"), "committed")
    second = walk(make_grant(country="NP"), "committed")
    third = walk(make_grant(country="NP"), "certified")
    workflow.mark_no_show(first, officer, "Did not travel")
    workflow.approve(third, approver)
    assert third.state == GrantState.COMMITTED
    fourth = walk(make_grant(country="NP"), "certified")
    workflow.withdraw(second, officer, "Replaced")
    workflow.approve(fourth, approver)
    assert fourth.state == GrantState.COMMITTED
