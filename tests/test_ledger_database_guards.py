"""The ledger's invariants held by the DATABASE (triggers and CHECK
constraints), proven by going around the Python models: raw SQL,
QuerySet.update() and QuerySet.delete() never call Model.save/delete."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction

from fundmgr.chart import AccountKey
from fundmgr.db import guards
from fundmgr.models import Account, AuditRecord, Fund, JournalEntry, Leg, Signature
from fundmgr.money import Money, money
from fundmgr.services.audit import log_action
from fundmgr.services.funds import open_fund
from fundmgr.services.ledger import credit, debit, post_entry

DAY = datetime.date(2019, 3, 15)


def usd(amount: str):
    return money(amount, "USD")


@pytest.fixture
def posted(fund, admin_user) -> JournalEntry:
    return post_entry(
        fund,
        DAY,
        "Contribution received",
        [debit(AccountKey.BANK, usd("100.00")), credit(AccountKey.CONTRIBUTIONS, usd("100.00"))],
        admin_user,
    )


@pytest.fixture
def other_fund(admin_user) -> Fund:
    return open_fund(
        code="OTHER",
        name="Another trust fund",
        by=admin_user,
        psc_rate_pct=Decimal("7"),
        psc_from=datetime.date(2018, 1, 1),
    )


def draft(fund, user, *legs: tuple[str | object, str, str]) -> JournalEntry:
    """A draft entry with legs given as (account key or Account, side, USD amount)."""
    entry = JournalEntry.objects.create(fund=fund, date=DAY, memo="draft", created_by=user)
    for account, side, amount in legs:
        if isinstance(account, str):
            account = fund.account(account)
        Leg.objects.create(
            entry=entry,
            account=account,
            debit=Decimal(amount) if side == "debit" else Decimal(0),
            credit=Decimal(amount) if side == "credit" else Decimal(0),
            original=Money(Decimal(amount), "USD"),
        )
    return entry


def post_in_database(entry: JournalEntry) -> None:
    JournalEntry.objects.filter(pk=entry.pk).update(status=JournalEntry.Status.POSTED)


def refused(message: str):
    """Expect the database to refuse with ``message`` (a trigger's text or a
    constraint's name)."""
    return pytest.raises(IntegrityError, match=re.escape(message))


def raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def status_of(entry: JournalEntry) -> str:
    return JournalEntry.objects.values_list("status", flat=True).get(pk=entry.pk)


# Posted legs and entries cannot change ------------------------------------


def test_raw_sql_update_of_a_posted_leg_is_refused(posted):
    leg = posted.legs.first()
    with refused(guards.MSG_LEG_CHANGE), transaction.atomic():
        raw(f"UPDATE {guards.LEG} SET debit = debit + 1 WHERE id = %s", [leg.pk])
    leg.refresh_from_db()
    assert leg.debit + leg.credit == Decimal("100.00")


def test_queryset_update_of_a_posted_leg_is_refused(posted):
    with refused(guards.MSG_LEG_CHANGE), transaction.atomic():
        Leg.objects.filter(entry=posted, debit__gt=0).update(debit=Decimal("1"))
    assert sorted(posted.legs.values_list("debit", flat=True)) == [0, Decimal("100.00")]


def test_queryset_update_moving_a_posted_leg_to_another_account_is_refused(posted, fund):
    with pytest.raises(IntegrityError), transaction.atomic():
        Leg.objects.filter(entry=posted).update(account=fund.account(AccountKey.INTEREST))
    assert not Leg.objects.filter(account__key=AccountKey.INTEREST).exists()


def test_queryset_delete_of_a_posted_leg_is_refused(posted):
    with refused(guards.MSG_POSTED_LEG), transaction.atomic():
        Leg.objects.filter(entry=posted).delete()
    assert posted.legs.count() == 2


def test_raw_delete_of_a_posted_leg_is_refused(posted):
    leg = posted.legs.first()
    with refused(guards.MSG_POSTED_LEG), transaction.atomic():
        raw(f"DELETE FROM {guards.LEG} WHERE id = %s", [leg.pk])
    assert Leg.objects.filter(pk=leg.pk).exists()


def test_raw_delete_of_a_posted_entry_is_refused(posted):
    with refused(guards.MSG_POSTED_ENTRY), transaction.atomic():
        raw(f"DELETE FROM {guards.ENTRY} WHERE id = %s", [posted.pk])
    assert JournalEntry.objects.filter(pk=posted.pk).exists()


def test_queryset_delete_of_a_posted_entry_without_legs_in_the_way_is_refused(fund, admin_user):
    # A posted entry always has legs, and Django's collector would stop at
    # the PROTECT foreign key first; _raw_delete goes straight to SQL.
    entry = post_entry(
        fund,
        DAY,
        "To delete",
        [debit(AccountKey.BANK, usd("1")), credit(AccountKey.CONTRIBUTIONS, usd("1"))],
        admin_user,
    )
    queryset = JournalEntry.objects.filter(pk=entry.pk)
    with refused(guards.MSG_POSTED_ENTRY), transaction.atomic():
        queryset._raw_delete(queryset.db)
    assert JournalEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_of_a_posted_entry_is_refused(posted):
    with refused(guards.MSG_POSTED_ENTRY), transaction.atomic():
        JournalEntry.objects.filter(pk=posted.pk).update(memo="rewritten history")
    posted.refresh_from_db()
    assert posted.memo == "Contribution received"


def test_a_posted_entry_cannot_be_set_back_to_draft(posted):
    with refused(guards.MSG_POSTED_ENTRY), transaction.atomic():
        raw(f"UPDATE {guards.ENTRY} SET status = 'draft' WHERE id = %s", [posted.pk])
    assert status_of(posted) == JournalEntry.Status.POSTED


def test_inserting_a_leg_into_a_posted_entry_is_refused(posted, fund):
    with refused(guards.MSG_POSTED_LEG), transaction.atomic():
        Leg.objects.bulk_create(
            [
                Leg(
                    entry=posted, account=fund.account(AccountKey.BANK), debit=5, original=usd("5")
                ),
                Leg(
                    entry=posted,
                    account=fund.account(AccountKey.CONTRIBUTIONS),
                    credit=5,
                    original=usd("5"),
                ),
            ]
        )
    assert posted.legs.count() == 2


def test_creating_an_entry_already_posted_is_refused(fund, admin_user):
    with refused(guards.MSG_DRAFT_FIRST), transaction.atomic():
        JournalEntry.objects.create(
            fund=fund,
            date=DAY,
            memo="posted at birth",
            created_by=admin_user,
            status=JournalEntry.Status.POSTED,
        )
    assert not JournalEntry.objects.exists()


# Posting checks the whole entry -------------------------------------------


def test_posting_a_balanced_draft_in_the_database_is_accepted(fund, admin_user):
    entry = draft(
        fund,
        admin_user,
        (AccountKey.BANK, "debit", "60.00"),
        (AccountKey.BANK_FEES, "debit", "0.50"),
        (AccountKey.CONTRIBUTIONS, "credit", "60.50"),
    )
    post_in_database(entry)
    assert status_of(entry) == JournalEntry.Status.POSTED


def test_posting_a_draft_whose_legs_do_not_balance_is_refused(fund, admin_user):
    entry = draft(
        fund,
        admin_user,
        (AccountKey.BANK, "debit", "100.00"),
        (AccountKey.CONTRIBUTIONS, "credit", "99.99"),
    )
    with refused(guards.MSG_UNBALANCED), transaction.atomic():
        post_in_database(entry)
    assert status_of(entry) == JournalEntry.Status.DRAFT


def test_posting_a_draft_off_by_a_tenth_of_a_cent_is_refused(fund, admin_user):
    entry = draft(
        fund,
        admin_user,
        (AccountKey.BANK, "debit", "100.001"),
        (AccountKey.CONTRIBUTIONS, "credit", "100.000"),
    )
    with refused(guards.MSG_UNBALANCED), transaction.atomic():
        raw(f"UPDATE {guards.ENTRY} SET status = 'posted' WHERE id = %s", [entry.pk])
    assert status_of(entry) == JournalEntry.Status.DRAFT


def test_posting_a_draft_with_one_leg_is_refused(fund, admin_user):
    entry = draft(fund, admin_user, (AccountKey.BANK, "debit", "100.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        post_in_database(entry)
    assert status_of(entry) == JournalEntry.Status.DRAFT


def test_posting_a_draft_with_no_legs_is_refused_for_too_few_legs(fund, admin_user):
    entry = draft(fund, admin_user)
    with refused(guards.MSG_TOO_FEW_LEGS), transaction.atomic():
        post_in_database(entry)
    assert status_of(entry) == JournalEntry.Status.DRAFT


def test_posting_a_draft_with_a_leg_on_another_funds_account_is_refused(
    fund, other_fund, admin_user
):
    entry = draft(
        fund,
        admin_user,
        (other_fund.account(AccountKey.BANK), "debit", "100.00"),
        (AccountKey.CONTRIBUTIONS, "credit", "100.00"),
    )
    with refused(guards.MSG_OTHER_FUND), transaction.atomic():
        post_in_database(entry)
    assert status_of(entry) == JournalEntry.Status.DRAFT


def test_posting_a_draft_mixing_segregated_and_trust_fund_accounts_is_refused(fund, admin_user):
    entry = draft(
        fund,
        admin_user,
        (AccountKey.HOST_CASH, "debit", "100.00"),
        (AccountKey.CONTRIBUTIONS, "credit", "100.00"),
    )
    with refused(guards.MSG_SEGREGATED), transaction.atomic():
        post_in_database(entry)
    assert status_of(entry) == JournalEntry.Status.DRAFT


def test_posting_a_draft_of_segregated_accounts_only_is_accepted(fund, admin_user):
    entry = draft(
        fund,
        admin_user,
        (AccountKey.HOST_CASH, "debit", "100.00"),
        (AccountKey.HOST_CASH_CONTRIBUTIONS, "credit", "100.00"),
    )
    post_in_database(entry)
    assert status_of(entry) == JournalEntry.Status.POSTED


def test_a_draft_leg_cannot_be_updated_either(fund, admin_user):
    entry = draft(
        fund,
        admin_user,
        (AccountKey.BANK, "debit", "100.00"),
        (AccountKey.CONTRIBUTIONS, "credit", "99.00"),
    )
    with refused(guards.MSG_LEG_CHANGE), transaction.atomic():
        Leg.objects.filter(entry=entry, credit__gt=0).update(credit=Decimal("100.00"))


def test_a_draft_and_its_legs_may_be_deleted(fund, admin_user):
    entry = draft(
        fund,
        admin_user,
        (AccountKey.BANK, "debit", "1.00"),
        (AccountKey.CONTRIBUTIONS, "credit", "1.00"),
    )
    Leg.objects.filter(entry=entry).delete()
    raw(f"DELETE FROM {guards.ENTRY} WHERE id = %s", [entry.pk])
    assert not JournalEntry.objects.filter(pk=entry.pk).exists()


def test_an_account_with_posted_legs_cannot_be_made_segregated(posted, fund):
    with pytest.raises(IntegrityError, match=guards.MSG_ACCOUNT_IN_USE), transaction.atomic():
        Account.objects.filter(pk=fund.account(AccountKey.BANK).pk).update(segregated=True)


def test_an_account_with_posted_legs_cannot_be_moved_to_another_fund(posted, fund, other_fund):
    bank = fund.account(AccountKey.BANK)
    with pytest.raises(IntegrityError, match=guards.MSG_ACCOUNT_IN_USE), transaction.atomic():
        raw(
            f"UPDATE {guards.ACCOUNT} SET fund_id = %s, code = 'X1010', key = 'x' WHERE id = %s",
            [other_fund.pk, bank.pk],
        )


def test_an_unused_account_can_still_be_reclassified(fund):
    interest = fund.account(AccountKey.INTEREST)
    Account.objects.filter(pk=interest.pk).update(kind="liability")
    interest.refresh_from_db()
    assert interest.kind == "liability"


# CHECK constraints on legs -----------------------------------------------


def test_a_negative_debit_is_refused_by_a_check_constraint(fund, admin_user):
    entry = draft(fund, admin_user)
    with refused("leg_one_positive_side"), transaction.atomic():
        Leg.objects.create(
            entry=entry,
            account=fund.account(AccountKey.BANK),
            debit=Decimal("-5"),
            credit=Decimal("0"),
            original=usd("5"),
        )
    assert not Leg.objects.exists()


def test_a_leg_with_both_a_debit_and_a_credit_is_refused_by_a_check_constraint(fund, admin_user):
    entry = draft(fund, admin_user)
    with refused("leg_one_positive_side"), transaction.atomic():
        Leg.objects.create(
            entry=entry,
            account=fund.account(AccountKey.BANK),
            debit=Decimal("5"),
            credit=Decimal("5"),
            original=usd("5"),
        )
    assert not Leg.objects.exists()


def test_a_leg_with_neither_debit_nor_credit_is_refused_by_a_check_constraint(fund, admin_user):
    entry = draft(fund, admin_user)
    with refused("leg_one_positive_side"), transaction.atomic():
        Leg.objects.create(entry=entry, account=fund.account(AccountKey.BANK), original=usd("5"))


def test_a_leg_with_a_non_positive_original_amount_is_refused(fund, admin_user):
    entry = draft(fund, admin_user)
    with refused("leg_original_positive"), transaction.atomic():
        Leg.objects.create(
            entry=entry, account=fund.account(AccountKey.BANK), debit=5, original=usd("-5")
        )


def test_an_entry_without_an_actor_is_refused_by_a_check_constraint(fund):
    with refused("entry_has_an_actor"), transaction.atomic():
        JournalEntry.objects.create(fund=fund, date=DAY, memo="nobody")


# Audit trail and signatures are append-only -------------------------------


@pytest.fixture
def audit_record(fund, admin_user) -> AuditRecord:
    return log_action(fund, "test:done", admin_user, "because")


@pytest.fixture
def signature(fund, admin_user) -> Signature:
    return Signature.objects.create(
        record_type=ContentType.objects.get_for_model(fund),
        record_id=str(fund.pk),
        level="certified",
        signer=admin_user,
    )


def test_an_audit_record_cannot_be_updated(audit_record):
    with refused(guards.MSG_APPEND_ONLY), transaction.atomic():
        AuditRecord.objects.filter(pk=audit_record.pk).update(reason="nothing happened")
    audit_record.refresh_from_db()
    assert audit_record.reason == "because"


def test_an_audit_record_cannot_be_updated_through_save(audit_record):
    audit_record.reason = "rewritten"
    with refused(guards.MSG_APPEND_ONLY), transaction.atomic():
        audit_record.save()


def test_an_audit_record_cannot_be_deleted(audit_record):
    with refused(guards.MSG_APPEND_ONLY), transaction.atomic():
        AuditRecord.objects.filter(pk=audit_record.pk).delete()
    assert AuditRecord.objects.filter(pk=audit_record.pk).exists()


def test_an_audit_record_cannot_be_deleted_with_raw_sql(audit_record):
    with refused(guards.MSG_APPEND_ONLY), transaction.atomic():
        raw("DELETE FROM fundmgr_auditrecord WHERE id = %s", [audit_record.pk])
    assert AuditRecord.objects.filter(pk=audit_record.pk).exists()


def test_a_signature_cannot_be_updated(signature, make_user):
    someone_else = make_user("someone-else")
    with refused(guards.MSG_APPEND_ONLY), transaction.atomic():
        Signature.objects.filter(pk=signature.pk).update(signer=someone_else)
    signature.refresh_from_db()
    assert signature.signer_id != someone_else.pk


def test_a_signature_cannot_be_deleted(signature):
    with refused(guards.MSG_APPEND_ONLY), transaction.atomic():
        Signature.objects.filter(pk=signature.pk).delete()
    assert Signature.objects.filter(pk=signature.pk).exists()


def test_a_signature_cannot_be_deleted_with_raw_sql(signature):
    with refused(guards.MSG_APPEND_ONLY), transaction.atomic():
        raw("DELETE FROM fundmgr_signature WHERE id = %s", [signature.pk])
    assert Signature.objects.filter(pk=signature.pk).exists()


# Emptying the whole database still works ---------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_can_post_and_the_database_is_still_flushed_afterwards(
    fund, admin_user
):
    """The end-of-test flush must get past the append-only guards (our SQLite
    backend's sql_flush; TRUNCATE on PostgreSQL). If it could not, this test
    would error in teardown."""
    entry = post_entry(
        fund,
        DAY,
        "Committed for real",
        [debit(AccountKey.BANK, usd("10.00")), credit(AccountKey.CONTRIBUTIONS, usd("10.00"))],
        admin_user,
    )
    log_action(entry, "test:committed", admin_user)
    assert not connection.in_atomic_block
    assert status_of(entry) == JournalEntry.Status.POSTED
    # Outside any test transaction the guards still refuse row changes.
    with refused(guards.MSG_POSTED_ENTRY), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(memo="changed")
