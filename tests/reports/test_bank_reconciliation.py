"""Every bank line ends matched or explicitly left unreconciled with a reason
(BRIEF rule 12): leaving a line, booking a bank charge or interest once, the
page's roles and its query count. Payouts here are booked straight to the
ledger in USD (no Stripe needed); tests/reports/test_payouts.py books them
through the webhook against localstripe."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from lxml import html

from donors.models import BankLine, UnreconciledReason
from donors.payments.models import CardPayout
from fundmgr.chart import AccountKey
from fundmgr.models import AuditRecord, JournalEntry
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services.funds import open_fund
from fundmgr.services.ledger import account_balances, credit, debit, post_entry
from reports.services.bank_reconciliation import (
    BankReconciliationError,
    bank_lines_summary,
    leave_unreconciled,
    match_payout_line,
)
from reports.services.payout_exchange import book_payout_exchange_difference
from tests.once import post_form
from tests.test_bank_statements import do_import, write_statement

pytestmark = pytest.mark.django_db
DAY = datetime.date(2019, 3, 15)
_refs = itertools.count(1)


def statement_lines(fund, by, tmp_path, rows):
    """Import ``rows`` (value date, amount USD, reference) as a real statement."""
    n = next(_refs)
    path = write_statement(
        tmp_path,
        [
            (day, amount, "USD", ref, "Counterparty", f"BR-{n}-{i}")
            for i, (day, amount, ref) in enumerate(rows)
        ],
        name=f"statement-{n}.csv",
    )
    return list(do_import(path, fund, by).statement.lines.order_by("line_number"))


def card_payout(fund, amount: str, day=DAY, received: str | None = None) -> CardPayout:
    """A card receipt into clearing, then its payout, booked as the webhook books them.
    ``received``: the receipt, when it differs from the payout (an exchange difference)."""
    n = next(_refs)
    money = Money(amount, "USD")
    receipt = Money(received or amount, "USD")
    post_entry(
        fund,
        day,
        f"card receipt {n}",
        [debit(AccountKey.CARD_CLEARING, receipt), credit(AccountKey.CONTRIBUTIONS, receipt)],
        "stripe-webhook",
        kind="card-receipt",
        idempotency_key=f"card:pi_test_{n}",
    )
    entry = post_entry(
        fund,
        day,
        f"card payout {n}",
        [debit(AccountKey.BANK, money), credit(AccountKey.CARD_CLEARING, money)],
        "stripe-webhook",
        kind="card-payout",
        idempotency_key=f"card-payout:po_test_{n}",
    )
    return CardPayout.objects.create(
        payout_id=f"po_test_{n}", fund=fund, amount=money, arrival_date=day, entry=entry
    )


@pytest.fixture
def charge_line(fund, finance, tmp_path):
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "-12.50", "MONTHLY FEE")])
    return line


# -- leaving a line unreconciled ------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "because", None])
def test_leaving_a_line_needs_a_reason_and_saves_nothing_without_one(charge_line, finance, reason):
    with pytest.raises(BankReconciliationError, match="choose a reason"):
        leave_unreconciled(charge_line, finance, reason, "some note")
    charge_line.refresh_from_db()
    assert charge_line.state == BankLine.State.UNMATCHED and charge_line.unreconciled_reason == ""
    assert not AuditRecord.objects.filter(action="bank-line:left-unreconciled").exists()


def test_other_needs_a_note_saying_what_the_line_is(charge_line, finance):
    with pytest.raises(BankReconciliationError, match="say what the line is"):
        leave_unreconciled(charge_line, finance, UnreconciledReason.OTHER, "   ")
    charge_line.refresh_from_db()
    assert charge_line.state == BankLine.State.UNMATCHED


def test_leaving_a_line_records_reason_who_and_when_and_is_audited_once(charge_line, finance):
    for _ in range(2):  # the second time changes nothing
        leave_unreconciled(
            charge_line, finance, UnreconciledReason.RETURNED_TRANSFER, "returned by the bank"
        )
    charge_line.refresh_from_db()
    assert charge_line.state == BankLine.State.DISCARDED
    assert charge_line.unreconciled_reason == UnreconciledReason.RETURNED_TRANSFER
    assert charge_line.unreconciled_note == "returned by the bank"
    assert charge_line.unreconciled_by == finance and charge_line.unreconciled_at is not None
    [audit] = AuditRecord.objects.filter(action="bank-line:left-unreconciled")
    assert audit.actor == finance and audit.reason == "returned by the bank"
    assert audit.data["reason"] == "returned_transfer" and audit.data["was"] == "unmatched"
    statement = charge_line.statement
    statement.refresh_from_db()
    assert (statement.unmatched_count, statement.discarded_count) == (0, 1)
    assert bank_lines_summary(charge_line.fund).open_count == 0


def test_a_line_left_for_one_reason_cannot_be_left_for_another(charge_line, finance):
    leave_unreconciled(charge_line, finance, UnreconciledReason.INTEREST)
    with pytest.raises(BankReconciliationError, match="already left unreconciled"):
        leave_unreconciled(charge_line, finance, UnreconciledReason.BANK_CHARGE)
    charge_line.refresh_from_db()
    assert charge_line.unreconciled_reason == UnreconciledReason.INTEREST


def test_a_line_matched_to_a_payout_cannot_be_left_unreconciled(fund, finance, tmp_path):
    payout = card_payout(fund, "300.00")
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "300.00", "STRIPE")])
    match_payout_line(payout, line, finance)
    with pytest.raises(BankReconciliationError, match="Matched"):
        leave_unreconciled(line, finance, UnreconciledReason.OTHER, "a mistake")
    line.refresh_from_db()
    assert line.state == BankLine.State.MATCHED and line.unreconciled_reason == ""


# -- booking a bank charge or interest -------------------------------------------------------


def test_booking_a_bank_charge_posts_one_balanced_entry_once(charge_line, finance, fund):
    for _ in range(2):
        leave_unreconciled(charge_line, finance, UnreconciledReason.BANK_CHARGE, book=True)
    charge_line.refresh_from_db()
    [entry] = JournalEntry.objects.filter(idempotency_key=f"bank-line-booked:{charge_line.pk}")
    assert charge_line.unreconciled_entry == entry and entry.date == DAY
    legs = {leg.account.key: (leg.debit, leg.credit) for leg in entry.legs.all()}
    assert legs == {
        AccountKey.BANK_FEES: (Decimal("12.50"), 0),
        AccountKey.BANK: (0, Decimal("12.50")),
    }
    balances = {k: row.balance for k, row in account_balances(fund).items() if row.balance}
    assert balances == {AccountKey.BANK_FEES: Decimal("12.50"), AccountKey.BANK: Decimal("-12.50")}
    assert AuditRecord.objects.filter(action="bank-line:booked").count() == 1


def test_a_line_left_first_can_be_booked_later_once(charge_line, finance):
    leave_unreconciled(charge_line, finance, UnreconciledReason.BANK_CHARGE)
    assert not JournalEntry.objects.filter(kind="bank-charge").exists()
    leave_unreconciled(charge_line, finance, UnreconciledReason.BANK_CHARGE, book=True)
    leave_unreconciled(charge_line, finance, UnreconciledReason.BANK_CHARGE, book=True)
    assert JournalEntry.objects.filter(kind="bank-charge").count() == 1


def test_booking_interest_debits_the_bank_and_credits_interest(fund, finance, tmp_path):
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "3.21", "INTEREST MARCH")])
    leave_unreconciled(line, finance, UnreconciledReason.INTEREST, book=True)
    line.refresh_from_db()
    legs = {leg.account.key: (leg.debit, leg.credit) for leg in line.unreconciled_entry.legs.all()}
    assert legs == {
        AccountKey.BANK: (Decimal("3.21"), 0),
        AccountKey.INTEREST: (0, Decimal("3.21")),
    }


def test_money_received_cannot_be_booked_as_a_bank_charge_and_nothing_is_saved(
    fund, finance, tmp_path
):
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "40.00", "SOMETHING")])
    with pytest.raises(BankReconciliationError, match="money leaving"):
        leave_unreconciled(line, finance, UnreconciledReason.BANK_CHARGE, book=True)
    line.refresh_from_db()
    assert line.state == BankLine.State.UNMATCHED and line.unreconciled_reason == ""
    assert not AuditRecord.objects.filter(action__startswith="bank-line:left").exists()
    assert not JournalEntry.objects.filter(idempotency_key__startswith="bank-line-booked").exists()


def test_only_a_bank_charge_or_interest_can_be_booked(charge_line, finance):
    with pytest.raises(BankReconciliationError, match="Only a bank charge or interest"):
        leave_unreconciled(charge_line, finance, UnreconciledReason.RETURNED_TRANSFER, book=True)
    charge_line.refresh_from_db()
    assert charge_line.state == BankLine.State.UNMATCHED


# -- the page ---------------------------------------------------------------------------------


def url(fund, name="bank-reconciliation"):
    return reverse(name, args=[fund.code])


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, fund):
    response = client.get(url(fund))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.DONOR, Role.FOCAL_POINT])
def test_people_who_do_not_read_the_books_are_refused(client, fund, make_user, role):
    client.force_login(make_user("outsider", role))
    assert client.get(url(fund)).status_code == 403


def test_a_book_reader_sees_the_page_without_forms_and_cannot_act(
    client, fund, officer, finance, tmp_path
):
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "-5.00", "FEE")])
    client.force_login(officer)
    response = client.get(url(fund))
    assert response.status_code == 200 and not response.context["can_act"]
    assert 'name="reason"' not in response.content.decode()
    refused = post_form(
        client,
        url(fund, "bank-leave-line"),
        {"line": line.pk, "reason": "bank_charge", "book": "on"},
    )
    assert refused.status_code == 403
    line.refresh_from_db()
    assert (
        line.state == BankLine.State.UNMATCHED
        and not JournalEntry.objects.filter(kind="bank-charge").exists()
    )


def test_a_finance_officer_leaves_and_books_a_line_from_the_page(client, fund, finance, tmp_path):
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "-5.00", "FEE")])
    client.force_login(finance)
    page = client.get(url(fund)).content.decode()
    assert 'name="reason"' in page
    response = post_form(
        client,
        url(fund, "bank-leave-line"),
        {"line": line.pk, "reason": "bank_charge", "note": "March fee", "book": "on"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.unreconciled_reason == "bank_charge" and line.unreconciled_entry is not None
    page = client.get(url(fund)).content.decode()
    assert "March fee" in page and f"#{line.unreconciled_entry.pk}" in page


def test_a_missing_reason_from_the_page_says_so_and_saves_nothing(client, fund, finance, tmp_path):
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "-5.00", "FEE")])
    client.force_login(finance)
    response = post_form(
        client, url(fund, "bank-leave-line"), {"line": line.pk, "reason": ""}, follow=True
    )
    assert "choose a reason" in response.content.decode()
    line.refresh_from_db()
    assert line.state == BankLine.State.UNMATCHED


def test_a_finance_officer_matches_a_payout_from_the_page(client, fund, finance, tmp_path):
    payout = card_payout(fund, "300.00")
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "300.00", "STRIPE")])
    client.force_login(finance)
    row = client.get(url(fund)).context["payouts"].rows[0]
    assert row.suggested_line == line and row.difference == 0
    post_form(client, url(fund, "bank-match-payout"), {"payout": payout.pk, "line": line.pk})
    line.refresh_from_db()
    assert line.card_payout == payout


def test_a_line_of_another_fund_is_not_found(client, fund, finance, admin_user, tmp_path):
    other = open_fund(
        code="OTHER",
        name="Other fund",
        by=admin_user,
        psc_rate_pct=Decimal("8"),
        psc_from=datetime.date(2018, 1, 1),
        operating_reserve_pct=Decimal("10"),
    )
    [line] = statement_lines(other, finance, tmp_path, [(DAY, "-5.00", "FEE")])
    client.force_login(finance)
    response = post_form(
        client, url(fund, "bank-leave-line"), {"line": line.pk, "reason": "interest"}
    )
    assert response.status_code == 404
    line.refresh_from_db()
    assert line.unreconciled_reason == ""


def test_a_bad_date_is_explained(client, fund, finance):
    client.force_login(finance)
    response = client.get(url(fund), {"as_of": "31/03/2019"})
    assert response.status_code == 400 and "YYYY-MM-DD" in response.content.decode()


def test_the_page_runs_the_same_queries_whatever_the_size(
    client, fund, finance, tmp_path, django_assert_num_queries
):
    client.force_login(finance)
    for size in (1, 6):
        payouts = [card_payout(fund, f"{100 + i}.00") for i in range(size)]
        # The last one with an exchange difference, booked after the others.
        payouts.append(card_payout(fund, f"{100 + size}.00", received=f"{99 + size}.70"))
        lines = statement_lines(
            fund,
            finance,
            tmp_path,
            [(DAY, f"{100 + i}.00", "STRIPE") for i in range(size)]
            + [(DAY, f"-{i + 1}.00", "FEE") for i in range(size)]
            + [(DAY, "0.00", "ZERO")],
        )
        match_payout_line(payouts[0], lines[0], finance)
        leave_unreconciled(lines[size], finance, UnreconciledReason.BANK_CHARGE, book=True)
        book_payout_exchange_difference(payouts[-1], finance)
        # Session, user, roles, fund; payouts with their lines; clearing legs
        # (exchange entries' among them); candidate lines; line counts; open
        # lines; lines left unreconciled.
        with django_assert_num_queries(10):
            response = client.get(url(fund), {"as_of": "2019-03-31"})
        assert len(response.context["payouts"].rows) == (2 if size == 1 else 2 + 7)
        assert response.context["payouts"].unbalanced == []  # each exchange entry its payout's
        # Each size adds ``size`` payout lines and ``size`` fee lines; one of each is settled.
        assert response.context["lines"].open_count == (0 if size == 1 else 10)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.APPROVING_OFFICER, Role.ADMINISTRATOR])
def test_only_a_finance_officer_may_match_a_payout(
    client, fund, finance, make_user, tmp_path, role
):
    payout = card_payout(fund, "300.00")
    [line] = statement_lines(fund, finance, tmp_path, [(DAY, "300.00", "STRIPE")])
    client.force_login(make_user("someone", role))
    response = post_form(
        client, url(fund, "bank-match-payout"), {"payout": payout.pk, "line": line.pk}
    )
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.card_payout is None and line.state == BankLine.State.UNMATCHED


def test_each_open_lines_controls_are_labelled_with_their_line(client, fund, finance, tmp_path):
    lines = statement_lines(fund, finance, tmp_path, [(DAY, "-5.00", "FEE"), (DAY, "-7.00", "FEE")])
    client.force_login(finance)
    page = html.fromstring(client.get(url(fund), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    labels = [" ".join(label.text_content().split()) for label in page.iter("label")]
    assert len(labels) == len(set(labels)), labels  # no two controls share a name
    for line in lines:
        assert f"Because ({line.statement.file_name} · {line.line_number})" in labels


def test_each_rows_buttons_name_their_payout_or_line(client, fund, finance, tmp_path):
    from tests.accessible import assert_distinct_buttons

    matched, first, second = (
        card_payout(fund, amount) for amount in ("100.00", "200.00", "200.00")
    )
    lines = statement_lines(
        fund,
        finance,
        tmp_path,
        [(DAY, "100.00", "STRIPE"), (DAY, "200.00", "STRIPE"), (DAY, "-5.00", "FEE")]
        + [(DAY, "-6.00", "FEE"), (DAY, "-7.00", "FEE"), (DAY, "-8.00", "FEE")],
    )
    match_payout_line(matched, lines[0], finance)
    other = card_payout(fund, "300.00")
    match_payout_line(
        other, statement_lines(fund, finance, tmp_path, [(DAY, "300.00", "X")])[0], finance
    )
    for line in lines[4:]:
        leave_unreconciled(line, finance, UnreconciledReason.BANK_CHARGE)
    client.force_login(finance)

    response = client.get(url(fund), HTTP_ACCEPT_LANGUAGE="en")

    for text, count in (
        ("Match", 2),  # the two 200.00 payouts, each offered the 200.00 line
        ("Undo the match", 2),
        ("Leave unreconciled", 3),
        ("Reopen", 2),
    ):
        names = assert_distinct_buttons(response, text, count)
    assert f"Reopen ({lines[4].statement.file_name} · {lines[4].line_number})" in names
