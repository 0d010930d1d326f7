"""A no-show did not attend: it holds no place of its country's cap (at
intake and at commitment) and is not a funded delegate in any figure, open
or closed. It still holds the person's one funding for the event (the
traveller owes the advance back; docs/grants-workflow.md says why)."""

# ruff: noqa: F811

from __future__ import annotations

from decimal import Decimal

import pytest

from donors.services.appeals import delegates_funded
from grants.models import Grant, GrantState
from grants.services import workflow
from reports.services.dashboard import build_dashboard
from tests.grants.test_workflow_support import (  # noqa: F401
    dual,
    funded,
    quick_password_hashing,
    walk,
)

pytestmark = pytest.mark.django_db


def closed_no_show(walk, make_grant, officer, finance, country="NP") -> Grant:
    grant = walk(make_grant(country=country), "advance_paid")
    workflow.mark_no_show(grant, officer, "Did not board")
    workflow.record_traveller_refund(grant, finance, grant.advance_amount)
    return workflow.close(grant, finance)


def test_a_closed_no_show_does_not_take_back_its_place_at_commitment(
    make_grant, walk, funded, officer, approver, finance
):
    first = closed_no_show(walk, make_grant, officer, finance)
    assert first.state == GrantState.CLOSED
    walk(make_grant(country="NP"), "committed")
    third = walk(make_grant(country="NP"), "certified")

    workflow.approve(third, approver)  # the cap of 2 counts the one who will attend

    assert third.state == GrantState.COMMITTED


def test_a_closed_delegate_who_travelled_still_holds_a_funded_place(
    make_grant, walk, funded, officer, approver, finance
):
    settled = walk(make_grant(country="NP"), "settled", actual="1600.00")
    workflow.close(settled, finance)
    walk(make_grant(country="NP"), "committed")
    third = walk(make_grant(country="NP"), "certified")

    with pytest.raises(workflow.TransitionRefused, match="already has 2 funded delegates"):
        workflow.approve(third, approver)


def test_the_queryset_names_who_holds_a_place_and_who_is_funded(make_grant):
    attended = make_grant(state=GrantState.CLOSED)
    attended.actual_cost = Decimal("1500.00")
    attended.save()
    open_no_show = make_grant(state=GrantState.NO_SHOW)
    closed_no = make_grant(state=GrantState.CLOSED)  # closed without a claim: a no-show
    committed = make_grant(state=GrantState.COMMITTED)
    submitted = make_grant(state=GrantState.SUBMITTED)
    withdrawn = make_grant(state=GrantState.WITHDRAWN)

    grants = Grant.objects.all()
    assert set(grants.funded()) == {attended, committed}
    assert set(grants.holding_a_place()) == {attended, committed, submitted}
    assert set(grants.holding_the_person()) == {
        attended,
        open_no_show,
        closed_no,
        committed,
        submitted,
    }
    assert withdrawn not in set(grants.holding_the_person())


def test_no_show_delegates_are_not_counted_as_funded_by_the_appeal_or_the_dashboard(
    make_grant, walk, funded, officer, finance
):
    walk(make_grant(country="NP"), "committed")
    settled = walk(make_grant(country="BD"), "settled", actual="1600.00")
    workflow.close(settled, finance)
    closed_no_show(walk, make_grant, officer, finance, country="HT")
    open_no_show = walk(make_grant(country="ET"), "committed")
    workflow.mark_no_show(open_no_show, officer, "Visa refused")

    assert delegates_funded(funded) == 2
    dashboard = build_dashboard(funded, settled.updated_at.date(), full=True)
    assert dashboard.delegates_funded == 2
    assert {share.key for share in dashboard.grants_by_country} == {"NP", "BD"}
