"""Undoing a bank reconciliation decision, with a reason: a payout match
(nothing to post, the match posted nothing) and a line left unreconciled (its
booked charge or interest reversed); the line goes back to the queue and can
be matched, or left and booked, again."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from donors.models import BankLine, UnreconciledReason
from fundmgr.chart import AccountKey
from fundmgr.models import AuditRecord, JournalEntry
from fundmgr.roles import Role
from fundmgr.services.funds import open_fund
from fundmgr.services.ledger import account_balances, reverse_entry
from reports.services.bank_reconciliation import (
    BankReconciliationError,
    bank_lines_summary,
    leave_unreconciled,
    match_payout_line,
    reopen_line,
    unmatch_payout_line,
)
from reports.services.payouts import payout_reconciliation
from tests.once import post_form
from tests.reports.test_bank_reconciliation import DAY, card_payout, statement_lines

pytestmark = pytest.mark.django_db
State = BankLine.State


def counts(line) -> tuple[int, int, int]:
    """The statement's (matched, unmatched, discarded) counts."""
    statement = line.statement
    statement.refresh_from_db()
    return statement.matched_count, statement.unmatched_count, statement.discarded_count


def balances(fund) -> dict:
    return {key: row.balance for key, row in account_balances(fund).items() if row.balance}


@pytest.fixture
def payout_line(fund, finance, tmp_path):
    """A payout and its bank line, matched."""
    payout = card_payout(fund, "300.00")
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "300.00", "STRIPE")])
    match_payout_line(payout, line, finance)
    line.refresh_from_db()
    return payout, line


@pytest.fixture
def charge_line(fund, finance, tmp_path):
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "-12.50", "MONTHLY FEE")])
    return line


def audits(action) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action).order_by("id"))


# -- undoing a payout match -----------------------------------------------------------------


def test_undoing_a_match_puts_the_line_back_in_the_queue_posts_nothing_and_is_audited(
    payout_line, fund, finance
):
    payout, line = payout_line
    entries = JournalEntry.objects.count()
    assert counts(line) == (1, 0, 0)

    unmatch_payout_line(line, finance, "  matched to the wrong payout  ")

    line.refresh_from_db()
    assert line.state == State.UNMATCHED and line.card_payout is None
    assert line.resolved_by is None and line.resolved_at is None
    assert counts(line) == (0, 1, 0)
    assert JournalEntry.objects.count() == entries
    [audit] = audits("bank-line:payout-unmatched")
    assert audit.actor == finance and audit.reason == "matched to the wrong payout"
    assert audit.data["payout"] == payout.payout_id and audit.data["was"] == "matched"
    [row] = payout_reconciliation(fund, DAY).rows
    assert row.payout == payout and row.bank_line is None and row.suggested_line == line


def test_a_line_unmatched_can_be_matched_again_to_the_same_or_another_payout(
    payout_line, fund, finance
):
    payout, line = payout_line
    other = card_payout(fund, "300.00")
    unmatch_payout_line(line, finance, "wrong payout")
    match_payout_line(other, line, finance)
    line.refresh_from_db()
    assert line.card_payout == other and line.state == State.MATCHED
    assert counts(line) == (1, 0, 0)
    unmatch_payout_line(line, finance, "it was the first one after all")
    match_payout_line(payout, line, finance)
    line.refresh_from_db()
    assert line.card_payout == payout and counts(line) == (1, 0, 0)
    assert len(audits("bank-line:payout-unmatched")) == 2


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_undoing_a_match_needs_a_reason_and_saves_nothing_without_one(payout_line, finance, reason):
    payout, line = payout_line
    with pytest.raises(BankReconciliationError, match="Say why the match is undone"):
        unmatch_payout_line(line, finance, reason)
    line.refresh_from_db()
    assert line.card_payout == payout and line.state == State.MATCHED
    assert counts(line) == (1, 0, 0) and not audits("bank-line:payout-unmatched")


def test_a_line_not_matched_to_a_payout_cannot_be_unmatched_and_nothing_is_saved(
    payout_line, charge_line, finance
):
    _payout, line = payout_line
    unmatch_payout_line(line, finance, "wrong payout")
    for refused in (line, charge_line):  # undone already (a double click); never matched
        with pytest.raises(BankReconciliationError, match="is not matched to a payout"):
            unmatch_payout_line(refused, finance, "again")
        refused.refresh_from_db()
        assert refused.state == State.UNMATCHED
    assert len(audits("bank-line:payout-unmatched")) == 1
    assert counts(line) == (0, 1, 0)


# -- reopening a line left unreconciled ------------------------------------------------------


def test_reopen_reverses_the_booking_today_and_booking_again_posts_a_new_entry(
    charge_line, fund, finance
):
    before = balances(fund)
    leave_unreconciled(charge_line, finance, UnreconciledReason.BANK_CHARGE, "March", book=True)
    charge_line.refresh_from_db()
    first = charge_line.unreconciled_entry
    assert first.idempotency_key == f"bank-line-booked:{charge_line.pk}"
    assert balances(fund) == {
        AccountKey.BANK_FEES: Decimal("12.50"),
        AccountKey.BANK: Decimal("-12.50"),
    }
    assert counts(charge_line) == (0, 0, 1)

    reopen_line(charge_line, finance, "it was the April fee")

    charge_line.refresh_from_db()
    reversal = JournalEntry.objects.get(reverses=first)
    assert reversal.date == max(timezone.localdate(), DAY) and reversal.kind == "reversal"
    assert balances(fund) == before
    assert charge_line.state == State.UNMATCHED and charge_line.unreconciled_reason == ""
    assert charge_line.unreconciled_note == "" and charge_line.unreconciled_by is None
    assert charge_line.unreconciled_at is None and charge_line.unreconciled_entry is None
    assert counts(charge_line) == (0, 1, 0)
    summary = bank_lines_summary(fund)
    assert summary.open_lines == [charge_line] and summary.left_lines == []
    [audit] = audits("bank-line:reopened")
    assert audit.actor == finance and audit.reason == "it was the April fee"
    assert audit.data["reversal"] == reversal.pk and audit.data["entry"] == first.pk
    assert audit.data["reason"] == "bank_charge"

    for _ in range(2):  # a double click books once
        leave_unreconciled(charge_line, finance, UnreconciledReason.BANK_CHARGE, book=True)
    charge_line.refresh_from_db()
    second = charge_line.unreconciled_entry
    assert second not in (first, reversal)
    assert second.idempotency_key == f"bank-line-booked:{charge_line.pk}:1"
    assert JournalEntry.objects.filter(kind="bank-charge").count() == 2
    assert balances(fund) == {
        AccountKey.BANK_FEES: Decimal("12.50"),
        AccountKey.BANK: Decimal("-12.50"),
    }
    assert counts(charge_line) == (0, 0, 1)

    reopen_line(charge_line, finance, "once more")
    leave_unreconciled(charge_line, finance, UnreconciledReason.BANK_CHARGE, book=True)
    charge_line.refresh_from_db()
    assert charge_line.unreconciled_entry.idempotency_key.endswith(":2")
    assert balances(fund)[AccountKey.BANK_FEES] == Decimal("12.50")


def test_reopening_again_is_refused_clearly_and_nothing_is_saved(charge_line, fund, finance):
    leave_unreconciled(charge_line, finance, UnreconciledReason.BANK_CHARGE, book=True)
    reopen_line(charge_line, finance, "wrong")
    entries, after = JournalEntry.objects.count(), balances(fund)
    with pytest.raises(BankReconciliationError, match="is not left unreconciled"):
        reopen_line(charge_line, finance, "wrong")
    assert JournalEntry.objects.count() == entries and balances(fund) == after
    assert len(audits("bank-line:reopened")) == 1
    assert counts(charge_line) == (0, 1, 0)


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_reopening_needs_a_reason_and_saves_nothing_without_one(charge_line, fund, finance, reason):
    leave_unreconciled(charge_line, finance, UnreconciledReason.BANK_CHARGE, book=True)
    entries = JournalEntry.objects.count()
    with pytest.raises(BankReconciliationError, match="Say why the line is reopened"):
        reopen_line(charge_line, finance, reason)
    charge_line.refresh_from_db()
    assert charge_line.unreconciled_reason == "bank_charge" and charge_line.unreconciled_entry
    assert JournalEntry.objects.count() == entries and not audits("bank-line:reopened")
    assert counts(charge_line) == (0, 0, 1)


def test_a_line_left_without_booking_reopens_without_posting(charge_line, finance):
    leave_unreconciled(charge_line, finance, UnreconciledReason.RETURNED_TRANSFER, "back")
    entries = JournalEntry.objects.count()
    reopen_line(charge_line, finance, "it is a grant refund")
    charge_line.refresh_from_db()
    assert charge_line.state == State.UNMATCHED and JournalEntry.objects.count() == entries
    assert audits("bank-line:reopened")[0].data["reversal"] is None
    assert counts(charge_line) == (0, 1, 0)


def test_a_booking_already_reversed_by_hand_is_not_reversed_twice(charge_line, fund, finance):
    leave_unreconciled(charge_line, finance, UnreconciledReason.BANK_CHARGE, book=True)
    charge_line.refresh_from_db()
    by_hand = reverse_entry(charge_line.unreconciled_entry, finance, "booked in error")
    reopen_line(charge_line, finance, "reversed already")
    assert JournalEntry.objects.filter(kind="reversal").count() == 1
    assert audits("bank-line:reopened")[0].data["reversal"] == by_hand.pk
    assert balances(fund) == {}


def test_a_line_matched_or_never_left_cannot_be_reopened(payout_line, charge_line, finance):
    _payout, matched = payout_line
    for line in (matched, charge_line):
        with pytest.raises(BankReconciliationError, match="only a line left unreconciled"):
            reopen_line(line, finance, "why not")
    matched.refresh_from_db()
    assert matched.state == State.MATCHED and not audits("bank-line:reopened")


# -- the page ---------------------------------------------------------------------------------


def url(fund, name="bank-reconciliation"):
    return reverse(name, args=[fund.code])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_finance_officer_undoes_a_match_from_the_page_with_a_reason(
    client, payout_line, fund, finance
):
    payout, line = payout_line
    client.force_login(finance)
    assert 'name="reason"' in client.get(url(fund)).content.decode()
    response = post_form(
        client, url(fund, "bank-unmatch-payout"), {"line": line.pk, "reason": "wrong payout"}
    )
    assert response.status_code == 302
    assert messages_of(response) == [f"Line {line.line_number} is no longer matched to its payout."]
    line.refresh_from_db()
    assert line.card_payout is None and line.state == State.UNMATCHED
    [row] = client.get(url(fund)).context["payouts"].rows
    assert row.bank_line is None and row.suggested_line == line


def test_a_finance_officer_reopens_a_booked_line_from_the_page_and_sees_its_reversal(
    client, charge_line, fund, finance
):
    leave_unreconciled(charge_line, finance, UnreconciledReason.BANK_CHARGE, book=True)
    client.force_login(finance)
    page = client.get(url(fund)).content.decode()
    assert "Reopen and reverse its entry" in page
    response = post_form(
        client, url(fund, "bank-reopen-line"), {"line": charge_line.pk, "reason": "April fee"}
    )
    assert messages_of(response) == [
        f"Line {charge_line.line_number} reopened: it is back among the open lines."
    ]
    charge_line.refresh_from_db()
    assert charge_line.state == State.UNMATCHED
    assert JournalEntry.objects.filter(kind="reversal").count() == 1
    page = client.get(url(fund))
    assert [line.pk for line in page.context["lines"].open_lines] == [charge_line.pk]


@pytest.mark.parametrize("name", ["bank-unmatch-payout", "bank-reopen-line"])
def test_an_undo_without_a_reason_from_the_page_says_so_and_saves_nothing(
    client, payout_line, charge_line, fund, finance, name
):
    leave_unreconciled(charge_line, finance, UnreconciledReason.BANK_CHARGE, book=True)
    line = payout_line[1] if name == "bank-unmatch-payout" else charge_line
    client.force_login(finance)
    response = client.post(url(fund, name), {"line": line.pk, "reason": "  "}, follow=True)
    assert "the reason is required" in response.content.decode()
    line.refresh_from_db()
    assert line.state in (State.MATCHED, State.DISCARDED)
    assert not AuditRecord.objects.filter(
        action__in=["bank-line:reopened", "bank-line:payout-unmatched"]
    ).exists()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.APPROVING_OFFICER, Role.ADMINISTRATOR])
def test_only_a_finance_officer_may_undo_a_match_or_reopen_a_line(
    client, payout_line, charge_line, fund, finance, make_user, role
):
    leave_unreconciled(charge_line, finance, UnreconciledReason.BANK_CHARGE, book=True)
    _payout, matched = payout_line
    client.force_login(make_user("someone", role))
    page = client.get(url(fund)).content.decode()
    assert "bank/unmatch/" not in page and "bank/reopen/" not in page
    for name, line in (("bank-unmatch-payout", matched), ("bank-reopen-line", charge_line)):
        response = client.post(url(fund, name), {"line": line.pk, "reason": "because"})
        assert response.status_code == 403
    matched.refresh_from_db()
    charge_line.refresh_from_db()
    assert matched.state == State.MATCHED and charge_line.state == State.DISCARDED
    assert not JournalEntry.objects.filter(kind="reversal").exists()


def test_another_funds_line_is_not_found_by_either_undo(
    client, fund, finance, admin_user, tmp_path
):
    other = open_fund(
        code="OTHER",
        name="Other fund",
        by=admin_user,
        psc_rate_pct=Decimal("8"),
        psc_from=datetime.date(2018, 1, 1),
        operating_reserve_pct=Decimal("10"),
    )
    payout = card_payout(other, "300.00")
    matched, charge = statement_lines(
        other, finance, tmp_path, [(DAY, "300.00", "STRIPE"), (DAY, "-5.00", "FEE")]
    )
    match_payout_line(payout, matched, finance)
    leave_unreconciled(charge, finance, UnreconciledReason.BANK_CHARGE, book=True)
    client.force_login(finance)
    for name, line in (("bank-unmatch-payout", matched), ("bank-reopen-line", charge)):
        response = client.post(url(fund, name), {"line": line.pk, "reason": "because"})
        assert response.status_code == 404
    matched.refresh_from_db()
    charge.refresh_from_db()
    assert matched.card_payout == payout and charge.unreconciled_entry is not None
