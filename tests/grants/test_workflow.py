"""The grant's state machine: who may move a grant, from which state, with
which reason, and what every move records."""

# The shared fixtures are imported from test_workflow_support; pytest's
# arguments of the same name are them, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from fundmgr.models import AuditRecord, JournalEntry, Signature
from fundmgr.roles import Role
from grants.models import (
    FUNDED_STATES,
    ApprovalLevel,
    FocalPoint,
    GrantState,
    GrantTransition,
    Priority,
)
from grants.services import workflow
from grants.services.workflow import SignatureRefused, TransitionRefused
from grants.workflow import (
    BY_ACTION,
    TRANSITIONS,
    Action,
    available_actions,
    state_name,
)
from tests.grants.test_workflow_support import (  # noqa: F401
    boarding_passes,
    dual,
    funded,
    quick_password_hashing,
    walk,
)

pytestmark = pytest.mark.django_db


def transitions_of(grant):
    return list(
        GrantTransition.objects.filter(grant=grant)
        .order_by("id")
        .values_list("action", "from_state", "to_state")
    )


def signature_levels(grant):
    return list(
        Signature.objects.filter(
            record_type=ContentType.objects.get_for_model(grant), record_id=str(grant.pk)
        )
        .order_by("id")
        .values_list("level", "signer__username")
    )


# --- The declared table ------------------------------------------------------------


def test_every_state_but_the_first_is_reachable_and_every_action_is_named_once():
    targets = {t.target for t in TRANSITIONS if t.target}
    assert targets == set(GrantState.values) - {GrantState.DRAFT}
    assert len(BY_ACTION) == len(TRANSITIONS)


def test_rejected_withdrawn_and_no_show_need_a_reason():
    assert {t.action for t in TRANSITIONS if t.reason_required} == {
        Action.REJECT,
        Action.WITHDRAW,
        Action.MARK_NO_SHOW,
    }


def test_only_rejected_withdrawn_and_closed_are_dead_ends():
    sources = {s for t in TRANSITIONS for s in t.sources}
    assert set(GrantState.values) - sources == {"rejected", "withdrawn", "closed"}


# --- The happy path ------------------------------------------------------------------


def test_a_draft_goes_all_the_way_to_closed_and_every_move_is_recorded(
    make_grant, officer, approver, finance, funded
):
    grant = make_grant(state=GrantState.DRAFT)
    workflow.submit(grant, officer)
    workflow.certify(grant, officer)
    workflow.approve(grant, approver)
    assert grant.state == GrantState.COMMITTED
    workflow.pay_advance(grant, finance)
    workflow.confirm_attendance(grant, officer)
    workflow.settle(
        grant, finance, actual_cost=Decimal("1500.00"), boarding_passes=boarding_passes()
    )
    workflow.record_traveller_refund(grant, finance, Decimal("100.00"))
    workflow.close(grant, finance)

    assert grant.state == GrantState.CLOSED
    assert transitions_of(grant) == [
        ("submit", "draft", "submitted"),
        ("certify", "submitted", "certified"),
        ("approve", "certified", "approved"),
        ("commit", "approved", "committed"),
        ("pay_advance", "committed", "advance_paid"),
        ("confirm_attendance", "advance_paid", "travelled"),
        ("settle", "travelled", "settled"),
        ("record_traveller_refund", "settled", "settled"),
        ("close", "settled", "closed"),
    ]
    assert signature_levels(grant) == [("certify", "officer"), ("approve", "approver")]
    recorded = GrantTransition.objects.filter(grant=grant).select_related("by")
    assert all(t.by is not None and t.at is not None for t in recorded)
    audited = AuditRecord.objects.filter(target_id=str(grant.pk), action__startswith="grant:")
    assert sorted(a.action for a in audited) == sorted(
        f"grant:{a}" for a, _f, _t in transitions_of(grant)
    )


def test_every_transition_records_who_when_and_why(make_grant, officer):
    grant = make_grant()
    workflow.reject(grant, officer, "  Not on the delegation list  ")
    transition = GrantTransition.objects.get(grant=grant)
    assert (transition.by, transition.reason, transition.from_state, transition.to_state) == (
        officer,
        "Not on the delegation list",
        "submitted",
        "rejected",
    )
    audit = AuditRecord.objects.get(action="grant:reject")
    assert audit.actor == officer
    assert audit.reason == "Not on the delegation list"
    assert audit.data["from"] == "submitted" and audit.data["to"] == "rejected"


def test_the_callers_instance_follows_the_row(make_grant, officer):
    grant = make_grant()
    by_pk = workflow.certify(grant.pk, officer)
    assert by_pk.state == GrantState.CERTIFIED
    grant.refresh_from_db()
    assert grant.state == GrantState.CERTIFIED


# --- Forbidden moves -----------------------------------------------------------------------


def test_a_forbidden_transition_names_the_state_and_the_action(make_grant, officer, walk, funded):
    grant = walk(make_grant(), "committed")
    with pytest.raises(TransitionRefused, match="A grant that is committed cannot be certified"):
        workflow.certify(grant, officer)


@pytest.mark.parametrize(
    ("action", "state"),
    [
        ("submit", "submitted"),
        ("reject", "committed"),
        ("withdraw", "advance_paid"),
        ("pay_advance", "certified"),
        ("confirm_attendance", "certified"),
        ("mark_no_show", "travelled"),
        ("settle", "committed"),
        ("close", "travelled"),
    ],
)
def test_moves_from_the_wrong_state_are_refused_and_change_nothing(
    make_grant, walk, funded, officer, finance, action, state
):
    grant = make_grant()
    if state != "submitted":
        walk(grant, state)
    before = (GrantTransition.objects.count(), JournalEntry.objects.count())
    who = finance if action in {"pay_advance", "settle", "close"} else officer
    arguments = {"reason": "because"}
    if action == "settle":
        arguments = {"actual_cost": Decimal("10"), "boarding_passes": None}
    with pytest.raises(TransitionRefused, match=f"A grant that is {state_name(state)} cannot"):
        workflow.perform(grant, action, who, **arguments)
    grant.refresh_from_db()
    assert grant.state == state
    assert (GrantTransition.objects.count(), JournalEntry.objects.count()) == before


@pytest.mark.parametrize(
    ("action", "role"),
    [
        ("certify", Role.APPROVING_OFFICER),
        ("certify", Role.FINANCE_OFFICER),
        ("approve", Role.FUND_OFFICER),
        ("reject", Role.FINANCE_OFFICER),
        ("submit", Role.APPROVING_OFFICER),
        ("withdraw", Role.FINANCE_OFFICER),
        ("pay_advance", Role.FUND_OFFICER),
        ("confirm_attendance", Role.FINANCE_OFFICER),
        ("mark_no_show", Role.APPROVING_OFFICER),
        ("settle", Role.FUND_OFFICER),
        ("close", Role.AUDITOR),
    ],
)
def test_the_wrong_role_is_denied(make_grant, make_user, action, role):
    grant = make_grant()
    intruder = make_user("intruder", role)
    arguments = {"reason": "because"} if action in {"reject", "withdraw", "mark_no_show"} else {}
    if action == "settle":
        arguments = {"actual_cost": Decimal("10"), "boarding_passes": None}
    with pytest.raises(PermissionDenied):
        workflow.perform(grant, action, intruder, **arguments)
    assert not GrantTransition.objects.filter(grant=grant).exists()


def test_an_unknown_action_is_refused(make_grant, officer):
    with pytest.raises(TransitionRefused, match="no action"):
        workflow.perform(make_grant(), "teleport", officer)


@pytest.mark.parametrize("action", ["reject", "withdraw"])
def test_reject_and_withdraw_need_a_reason(make_grant, officer, action):
    grant = make_grant()
    with pytest.raises(TransitionRefused, match="needs a reason"):
        workflow.perform(grant, action, officer, reason="   ")
    assert grant.state == GrantState.SUBMITTED


def test_no_show_needs_a_reason(make_grant, walk, funded, officer):
    grant = walk(make_grant(), "committed")
    with pytest.raises(TransitionRefused, match="needs a reason"):
        workflow.mark_no_show(grant, officer, "")


# --- A double click changes nothing twice ----------------------------------------------------


def test_certifying_twice_signs_and_records_once(make_grant, officer):
    grant = make_grant()
    workflow.certify(grant, officer)
    workflow.certify(grant, officer)
    assert transitions_of(grant) == [("certify", "submitted", "certified")]
    assert len(signature_levels(grant)) == 1


def test_approving_twice_commits_once(make_grant, walk, funded, approver):
    grant = walk(make_grant(), "committed")
    entries = JournalEntry.objects.count()
    workflow.approve(grant, approver)
    assert JournalEntry.objects.count() == entries
    assert [a for a, _f, _t in transitions_of(grant)] == ["certify", "approve", "commit"]


def test_paying_the_advance_twice_pays_once(make_grant, walk, funded, finance):
    grant = walk(make_grant(), "advance_paid")
    workflow.pay_advance(grant, finance)
    assert JournalEntry.objects.filter(kind="grant-advance").count() == 1


def test_someone_else_repeating_a_move_is_told_the_state(make_grant, officer, make_user):
    grant = make_grant()
    workflow.certify(grant, officer)
    other = make_user("other-officer", Role.FUND_OFFICER)
    with pytest.raises(TransitionRefused, match="certified cannot be certified"):
        workflow.certify(grant, other)


# --- Signatures: data-driven levels, separation of duties ---------------------------------


def test_a_person_with_both_roles_cannot_approve_what_they_certified(make_grant, dual, funded):
    grant = make_grant()
    workflow.certify(grant, dual)
    with pytest.raises(SignatureRefused, match="You already signed this grant"):
        workflow.approve(grant, dual)
    grant.refresh_from_db()
    assert grant.state == GrantState.CERTIFIED
    assert signature_levels(grant) == [("certify", "dual")]
    assert not JournalEntry.objects.filter(kind="grant-commitment").exists()


def test_the_nominee_never_signs(make_grant, make_user):
    delegate = make_user("delegate", Role.FUND_OFFICER)
    grant = make_grant()
    grant.nominee_user = delegate
    grant.save()
    with pytest.raises(SignatureRefused, match="own travel grant"):
        workflow.certify(grant, delegate)
    assert signature_levels(grant) == []


def test_the_nominator_may_certify_but_not_approve(make_grant, make_user, officer, funded):
    nominator = make_user("nominating-officer", Role.FUND_OFFICER, Role.APPROVING_OFFICER)
    grant = make_grant()
    grant.nominated_by = nominator
    grant.save()
    workflow.certify(grant, officer)
    with pytest.raises(SignatureRefused, match="You nominated this delegate"):
        workflow.approve(grant, nominator)
    # ...and certifying one's own nomination is allowed:
    other = make_grant()
    other.nominated_by = nominator
    other.save()
    workflow.certify(other, nominator)
    assert other.state == GrantState.CERTIFIED


def test_approval_levels_are_data_a_middle_level_keeps_the_grant_certified(
    make_grant, make_user, officer, approver, funded
):
    ApprovalLevel.objects.filter(code="approve").update(order=3)
    ApprovalLevel.objects.create(
        order=2, code="review", label="Reviewed by the finance officer", role=Role.FINANCE_OFFICER
    )
    reviewer = make_user("reviewer", Role.FINANCE_OFFICER, Role.APPROVING_OFFICER)
    grant = make_grant()
    workflow.certify(grant, officer)
    with pytest.raises(PermissionDenied):
        workflow.approve(grant, approver)  # the next level is the finance officer's
    workflow.approve(grant, reviewer)
    assert grant.state == GrantState.CERTIFIED
    with pytest.raises(SignatureRefused, match="Reviewed by the finance officer"):
        workflow.approve(grant, reviewer)
    workflow.approve(grant, approver)
    assert grant.state == GrantState.COMMITTED
    assert signature_levels(grant) == [
        ("certify", "officer"),
        ("review", "reviewer"),
        ("approve", "approver"),
    ]
    assert [a for a, _f, _t in transitions_of(grant)] == ["certify", "approve", "approve", "commit"]


def test_a_chain_of_one_level_is_refused(make_grant, officer):
    ApprovalLevel.objects.filter(code="approve").delete()
    with pytest.raises(TransitionRefused, match="at least two levels"):
        workflow.certify(make_grant(), officer)


def test_approval_needs_a_computed_entitlement(make_grant, officer, approver, funded):
    grant = make_grant()
    workflow.certify(grant, officer)
    grant.cost = Decimal(0)
    grant.save()
    with pytest.raises(TransitionRefused, match="no entitlement yet"):
        workflow.approve(grant, approver)
    assert signature_levels(grant) == [("certify", "officer")]


def test_a_country_that_is_not_eligible_is_neither_certified_nor_approved(make_grant, officer):
    grant = make_grant()
    grant.priority = Priority.NOT_ELIGIBLE
    grant.save()
    with pytest.raises(TransitionRefused, match="not eligible"):
        workflow.certify(grant, officer)


# --- Reject, withdraw, no-show -----------------------------------------------------------------


def test_reject_from_certified_and_never_after_approval(make_grant, walk, funded, approver):
    grant = walk(make_grant(), "certified")
    workflow.reject(grant, approver, "Duplicate nomination")
    assert grant.state == GrantState.REJECTED
    committed = walk(make_grant(), "committed")
    with pytest.raises(TransitionRefused, match="committed cannot be rejected"):
        workflow.reject(committed, approver, "too late")


def test_the_nominator_may_withdraw_and_a_stranger_may_not(make_grant, make_user, event):
    focal = make_user("focal", Role.FOCAL_POINT)
    FocalPoint.objects.create(user=focal, country=event.country)
    stranger = make_user("stranger", Role.FOCAL_POINT)
    grant = make_grant(state=GrantState.DRAFT)
    grant.nominated_by = focal
    grant.save()
    workflow.submit(grant, focal)
    with pytest.raises(PermissionDenied):
        workflow.withdraw(grant, stranger, "not mine")
    workflow.withdraw(grant, focal, "The minister cannot travel")
    assert grant.state == GrantState.WITHDRAWN


# --- Who sees which button --------------------------------------------------------------------


def actions(grant, user):
    return [t.action for t in available_actions(grant, user)]


def test_available_actions_follow_state_role_and_signatures(
    make_grant, officer, approver, finance, dual, walk, funded
):
    grant = make_grant()
    assert actions(grant, officer) == ["certify", "reject", "withdraw"]
    assert actions(grant, approver) == ["reject"]
    assert actions(grant, finance) == []
    workflow.certify(grant, dual)
    assert actions(grant, dual) == ["reject", "withdraw"]  # never approve what one certified
    assert actions(grant, approver) == ["approve", "reject"]
    workflow.approve(grant, approver)
    assert actions(grant, finance) == ["pay_advance"]
    assert actions(grant, officer) == ["withdraw", "confirm_attendance", "mark_no_show"]


def test_close_is_offered_only_when_nothing_is_owed(make_grant, walk, funded, finance):
    grant = walk(make_grant(), "settled", actual="1500.00")
    assert actions(grant, finance) == ["record_traveller_refund"]
    workflow.record_traveller_refund(grant, finance, Decimal("100.00"))
    assert actions(grant, finance) == ["close"]


def test_funded_states_exclude_released_places():
    assert not {"rejected", "withdrawn", "no_show", "draft", "submitted", "certified"} & set(
        FUNDED_STATES
    )


# --- Bulk certify, history ----------------------------------------------------------


def test_bulk_certify_certifies_each_grant_on_its_own_and_reports_the_others(
    make_grant, officer, event
):
    good = [make_grant(), make_grant()]
    rejected = make_grant()
    workflow.reject(rejected, officer, "no")
    no_cost = make_grant()
    no_cost.cost = Decimal(0)
    no_cost.save()
    result = workflow.bulk_certify([*good, rejected, no_cost.pk], officer)
    assert sorted(g.reference for g in result.certified) == sorted(g.reference for g in good)
    assert set(result.errors) == {rejected.reference, no_cost.reference}
    assert "rejected cannot be certified" in result.errors[rejected.reference]
    assert "no entitlement" in result.errors[no_cost.reference]
    for grant in good:
        grant.refresh_from_db()
        assert grant.state == GrantState.CERTIFIED


def test_bulk_certify_by_the_wrong_role_is_denied_at_once(make_grant, approver):
    with pytest.raises(PermissionDenied):
        workflow.bulk_certify([make_grant()], approver)


def test_history_reads_transitions_and_their_people_in_one_query(
    make_grant, walk, funded, django_assert_num_queries
):
    grant = walk(make_grant(), "travelled")
    with django_assert_num_queries(1):
        rows = workflow.history(grant)
        people = [row.by.username for row in rows]
    assert people == ["officer", "approver", "approver", "finance", "officer"]
    assert [row.action for row in rows] == [
        "certify",
        "approve",
        "commit",
        "pay_advance",
        "confirm_attendance",
    ]
