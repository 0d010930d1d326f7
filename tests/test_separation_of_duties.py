"""Separation of duties: one person signs a record at one level only."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from fundmgr.models import AuditRecord, Signature
from fundmgr.roles import Role
from fundmgr.services.duties import SeparationOfDutiesError, sign, signatures_on
from fundmgr.services.funds import open_fund

CERTIFIED = "certified"
APPROVED = "approved"


@pytest.fixture
def both_roles(make_user):
    return make_user("both-hats", Role.FUND_OFFICER, Role.APPROVING_OFFICER)


@pytest.fixture
def approver(make_user):
    return make_user("approver", Role.APPROVING_OFFICER)


def certify(record, user, **kwargs):
    return sign(record, user, CERTIFIED, role=Role.FUND_OFFICER, **kwargs)


def approve(record, user, **kwargs):
    return sign(record, user, APPROVED, role=Role.APPROVING_OFFICER, **kwargs)


def test_a_person_with_both_roles_who_certified_cannot_also_approve(fund, both_roles):
    certify(fund, both_roles)
    with pytest.raises(SeparationOfDutiesError, match=CERTIFIED):
        approve(fund, both_roles)
    assert [(s.level, s.signer) for s in signatures_on(fund)] == [(CERTIFIED, both_roles)]


def test_a_different_person_can_approve_what_another_certified(fund, both_roles, approver):
    certify(fund, both_roles)
    signature = approve(fund, approver)
    assert signature.level == APPROVED
    assert signature.signer == approver
    assert {(s.level, s.signer_id) for s in signatures_on(fund)} == {
        (CERTIFIED, both_roles.pk),
        (APPROVED, approver.pk),
    }


def test_a_level_already_signed_cannot_be_signed_again_by_someone_else(fund, both_roles, make_user):
    certify(fund, both_roles)
    second = make_user("second-officer", Role.FUND_OFFICER)
    with pytest.raises(SeparationOfDutiesError):
        certify(fund, second)
    assert Signature.objects.count() == 1


def test_nobody_may_sign_a_record_about_themselves(fund, both_roles, approver):
    with pytest.raises(SeparationOfDutiesError, match="themselves"):
        certify(fund, both_roles, subjects=[approver, both_roles])
    assert not Signature.objects.exists()


def test_subjects_other_than_the_signer_do_not_stop_a_signature(fund, both_roles, approver):
    signature = certify(fund, both_roles, subjects=[approver, None])
    assert signature.pk is not None


def test_the_database_refuses_a_second_signature_by_the_same_person(fund, both_roles):
    certify(fund, both_roles)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(
            record_type=ContentType.objects.get_for_model(fund),
            record_id=str(fund.pk),
            level=APPROVED,
            signer=both_roles,
        )
    assert Signature.objects.count() == 1


def test_the_database_refuses_a_second_signature_at_the_same_level(fund, both_roles, approver):
    certify(fund, both_roles)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(
            record_type=ContentType.objects.get_for_model(fund),
            record_id=str(fund.pk),
            level=CERTIFIED,
            signer=approver,
        )
    assert Signature.objects.count() == 1


def test_the_same_person_may_sign_two_different_records(fund, admin_user, both_roles):
    other = open_fund(
        code="OTHER",
        name="Other",
        by=admin_user,
        psc_rate_pct=Decimal("7"),
        psc_from=datetime.date(2018, 1, 1),
    )
    certify(fund, both_roles)
    certify(other, both_roles)
    assert Signature.objects.filter(signer=both_roles).count() == 2


def test_a_user_without_the_role_is_denied(fund, make_user):
    clerk = make_user("clerk", Role.FINANCE_OFFICER)
    with pytest.raises(PermissionDenied):
        approve(fund, clerk)
    assert not Signature.objects.exists()


def test_an_inactive_user_with_the_role_is_denied(fund, make_user):
    former = make_user("former", Role.APPROVING_OFFICER)
    former.is_active = False
    former.save()
    with pytest.raises(PermissionDenied):
        approve(fund, former)


def test_each_signature_writes_an_audit_record(fund, both_roles, approver):
    certify(fund, both_roles, why="figures checked")
    approve(fund, approver, why="within budget")
    records = AuditRecord.objects.for_object(fund).filter(action__startswith="signed:")
    assert {(r.action, r.actor_id, r.reason) for r in records} == {
        ("signed:certified", both_roles.pk, "figures checked"),
        ("signed:approved", approver.pk, "within budget"),
    }


def test_a_refused_signature_writes_no_audit_record(fund, both_roles):
    certify(fund, both_roles)
    with pytest.raises(SeparationOfDutiesError):
        approve(fund, both_roles)
    assert not AuditRecord.objects.filter(action="signed:approved").exists()
