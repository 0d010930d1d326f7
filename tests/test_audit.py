"""The audit trail: who did what, to which record, and why."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from fundmgr.models import AuditRecord, Fund
from fundmgr.services.audit import actor_fields, log_action, person


def test_log_action_records_the_actor_action_target_and_reason(fund, make_user):
    officer = make_user("officer")
    record = log_action(fund, "fund:reviewed", officer, "annual review", {"year": 2019})

    record.refresh_from_db()
    assert record.actor == officer
    assert record.system_actor == ""
    assert record.action == "fund:reviewed"
    assert record.target_type == ContentType.objects.get_for_model(Fund)
    assert record.target_id == str(fund.pk)
    assert record.target_repr == str(fund)
    assert record.reason == "annual review"
    assert record.data == {"year": 2019}
    assert record.at is not None
    assert list(AuditRecord.objects.for_object(fund).filter(action="fund:reviewed")) == [record]


def test_log_action_records_a_system_actor_by_name(fund):
    record = log_action(fund, "payment:received", "stripe-webhook", "charge succeeded")
    record.refresh_from_db()
    assert record.actor is None
    assert record.system_actor == "stripe-webhook"
    assert record.who == "stripe-webhook"
    assert record.reason == "charge succeeded"


def test_an_actor_is_recorded_in_the_columns_a_record_names(make_user):
    officer = make_user("officer")
    assert actor_fields(officer, "by") == {"by": officer, "system_actor": ""}
    assert actor_fields("import-worker", "by") == {"by": None, "system_actor": "import-worker"}
    with pytest.raises(ValueError):
        actor_fields("", "by")


def test_where_only_a_person_may_act_a_system_actor_is_refused(make_user):
    officer = make_user("officer")
    assert person(officer) is officer
    with pytest.raises(ValueError, match="import-worker"):
        person("import-worker")


def test_log_action_may_concern_no_record(db, admin_user):
    record = log_action(None, "rates:imported", admin_user, "unore.csv")
    assert record.target_type is None
    assert record.target_id == ""
    assert record.actor == admin_user


def test_log_action_stores_dates_and_decimals_as_json(fund, admin_user):
    from decimal import Decimal

    record = log_action(
        fund, "x", admin_user, data={"day": datetime.date(2019, 3, 1), "amount": Decimal("1.10")}
    )
    record.refresh_from_db()
    assert record.data == {"day": "2019-03-01", "amount": "1.10"}


@pytest.mark.parametrize("nobody", [None, ""])
def test_an_action_with_no_actor_is_refused(fund, nobody):
    before = AuditRecord.objects.count()
    with pytest.raises(ValueError, match="actor"):
        log_action(fund, "fund:reviewed", nobody, "no one")
    assert AuditRecord.objects.count() == before


def test_an_unsaved_user_is_not_an_actor(fund):
    from django.contrib.auth.models import User

    with pytest.raises(ValueError):
        log_action(fund, "fund:reviewed", User(username="ghost"))


def test_the_database_refuses_an_audit_record_without_an_actor(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditRecord.objects.create(action="anonymous")
    assert not AuditRecord.objects.filter(action="anonymous").exists()


def test_opening_a_fund_is_audited(fund, admin_user):
    record = AuditRecord.objects.for_object(fund).get(action="fund:opened")
    assert record.actor == admin_user
    assert record.reason == "Test trust fund"
