"""Manual journals: a correcting entry or a reversal, prepared by one finance
officer and posted only when another approves it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundmgr.chart import AccountKey
from fundmgr.models import AuditRecord, JournalEntry, ManualJournal
from fundmgr.money import money
from fundmgr.roles import Role
from fundmgr.services.duties import SeparationOfDutiesError
from fundmgr.services.ledger import account_balances, credit, debit, post_entry
from fundmgr.services.manual_journals import (
    LineSpec,
    ManualJournalError,
    approve_journal,
    propose_journal,
    propose_reversal,
    reject_journal,
    withdraw_journal,
)
from tests.once import post_form

DAY = datetime.date(2019, 3, 15)


@pytest.fixture
def preparer(make_user):
    return make_user("preparer", Role.FINANCE_OFFICER)


@pytest.fixture
def approver(make_user):
    return make_user("approver", Role.FINANCE_OFFICER)


def account(fund, key):
    return fund.accounts.get(key=key)


def charge_moved(fund, amount="12.50"):
    """A bank charge booked to interest by mistake, moved to bank charges."""
    return [
        LineSpec(account(fund, AccountKey.BANK_FEES), debit=Decimal(amount)),
        LineSpec(account(fund, AccountKey.INTEREST), credit=Decimal(amount)),
    ]


def balances(fund):
    return {key: row.balance for key, row in account_balances(fund).items() if row.balance}


def test_a_prepared_journal_posts_nothing_until_another_officer_approves_it(
    fund, preparer, approver
):
    journal = propose_journal(fund, DAY, "Charge booked to interest", charge_moved(fund), preparer)
    assert journal.status == ManualJournal.Status.PROPOSED
    assert not JournalEntry.objects.filter(fund=fund).exclude(kind="opening").exists()

    approve_journal(journal, approver, "Checked against the bank statement")

    journal.refresh_from_db()
    assert journal.status == ManualJournal.Status.POSTED
    entry = journal.entry
    assert entry.kind == "manual" and entry.date == DAY
    assert entry.memo == f"{journal.number}: Charge booked to interest"
    assert [(leg.account.key, leg.debit, leg.credit) for leg in entry.legs.all()] == [
        (AccountKey.BANK_FEES, Decimal("12.500"), Decimal("0.000")),
        (AccountKey.INTEREST, Decimal("0.000"), Decimal("12.500")),
    ]
    assert journal.decided_by == approver
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"manual-journal:proposed", "manual-journal:approved", "ledger:posted"} <= actions


def test_the_preparer_cannot_approve_their_own_journal(fund, preparer):
    journal = propose_journal(fund, DAY, "Correction", charge_moved(fund), preparer)
    with pytest.raises(SeparationOfDutiesError):
        approve_journal(journal, preparer)
    journal.refresh_from_db()
    assert journal.status == ManualJournal.Status.PROPOSED and journal.entry is None


def test_a_person_with_two_roles_still_cannot_approve_what_they_prepared(fund, make_user):
    both = make_user("both", Role.FINANCE_OFFICER, Role.ADMINISTRATOR)
    journal = propose_journal(fund, DAY, "Correction", charge_moved(fund), both)
    with pytest.raises(SeparationOfDutiesError):
        approve_journal(journal, both)
    assert not JournalEntry.objects.filter(kind="manual").exists()


def test_only_finance_officers_prepare_or_approve(fund, preparer, make_user):
    admin = make_user("only-admin", Role.ADMINISTRATOR)
    with pytest.raises(PermissionDenied):
        propose_journal(fund, DAY, "Correction", charge_moved(fund), admin)
    journal = propose_journal(fund, DAY, "Correction", charge_moved(fund), preparer)
    with pytest.raises(PermissionDenied):
        approve_journal(journal, admin)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            lambda f: [
                LineSpec(account(f, AccountKey.BANK_FEES), debit=Decimal("10")),
                LineSpec(account(f, AccountKey.INTEREST), credit=Decimal("9.99")),
            ],
            "does not balance",
        ),
        (lambda f: charge_moved(f)[:1], "at least two lines"),
        (
            lambda f: [
                LineSpec(account(f, AccountKey.BANK_FEES), debit=Decimal("10.005")),
                LineSpec(account(f, AccountKey.INTEREST), credit=Decimal("10.005")),
            ],
            "more decimals",
        ),
        (
            lambda f: [
                LineSpec(account(f, AccountKey.HOST_CASH), debit=Decimal("10")),
                LineSpec(account(f, AccountKey.INTEREST), credit=Decimal("10")),
            ],
            "Host-country accounts",
        ),
        (
            lambda f: [
                LineSpec(
                    account(f, AccountKey.BANK_FEES), debit=Decimal("10"), credit=Decimal("10")
                ),
                LineSpec(account(f, AccountKey.INTEREST), credit=Decimal("10")),
            ],
            "not both",
        ),
    ],
)
def test_a_journal_that_would_not_hold_is_refused_and_nothing_is_saved(
    fund, preparer, lines, message
):
    with pytest.raises(ManualJournalError, match=message):
        propose_journal(fund, DAY, "Correction", lines(fund), preparer)
    assert not ManualJournal.objects.exists()


def test_a_journal_needs_a_reason_and_no_future_date(fund, preparer):
    with pytest.raises(ManualJournalError, match="why"):
        propose_journal(fund, DAY, "  ", charge_moved(fund), preparer)
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    with pytest.raises(ManualJournalError, match="future"):
        propose_journal(fund, tomorrow, "Correction", charge_moved(fund), preparer)
    assert not ManualJournal.objects.exists()


def test_approving_twice_posts_one_entry(fund, preparer, approver, make_user):
    journal = propose_journal(fund, DAY, "Correction", charge_moved(fund), preparer)
    approve_journal(journal, approver)
    third = make_user("third", Role.FINANCE_OFFICER)
    with pytest.raises(ManualJournalError, match="already"):
        approve_journal(journal, third)
    assert JournalEntry.objects.filter(kind="manual").count() == 1


def test_a_rejected_or_withdrawn_journal_posts_nothing(fund, preparer, approver):
    rejected = propose_journal(fund, DAY, "Correction", charge_moved(fund), preparer)
    with pytest.raises(ManualJournalError, match="withdraw"):
        reject_journal(rejected, preparer, "mine")
    with pytest.raises(ManualJournalError, match="why"):
        reject_journal(rejected, approver, "")
    reject_journal(rejected, approver, "The charge was right")
    withdrawn = propose_journal(fund, DAY, "Second try", charge_moved(fund), preparer)
    with pytest.raises(ManualJournalError, match="Only the person"):
        withdraw_journal(withdrawn, approver)
    withdraw_journal(withdrawn, preparer)
    with pytest.raises(ManualJournalError, match="already"):
        approve_journal(withdrawn, approver)
    assert not JournalEntry.objects.filter(kind="manual").exists()
    assert set(ManualJournal.objects.values_list("status", flat=True)) == {
        ManualJournal.Status.REJECTED,
        ManualJournal.Status.WITHDRAWN,
    }


def test_a_reversal_is_proposed_and_approved_by_two_people(fund, preparer, approver, admin_user):
    before = balances(fund)
    mistaken = post_entry(
        fund,
        DAY,
        "Interest typed twice",
        [
            debit(AccountKey.BANK, money("40", "USD")),
            credit(AccountKey.INTEREST, money("40", "USD")),
        ],
        admin_user,
    )
    journal = propose_reversal(mistaken, DAY, "Typed twice", preparer)
    assert not JournalEntry.objects.filter(reverses=mistaken).exists()
    with pytest.raises(ManualJournalError, match="already waiting"):
        propose_reversal(mistaken, DAY, "Again", approver)

    approve_journal(journal, approver)

    journal.refresh_from_db()
    assert journal.entry.reverses == mistaken and journal.entry.kind == "reversal"
    assert balances(fund) == before
    with pytest.raises(ManualJournalError, match="already been reversed"):
        propose_reversal(mistaken, DAY, "Once more", preparer)


def test_a_reversal_is_never_dated_before_its_entry(fund, preparer, admin_user):
    entry = post_entry(
        fund,
        DAY,
        "Interest",
        [debit(AccountKey.BANK, money("5", "USD")), credit(AccountKey.INTEREST, money("5", "USD"))],
        admin_user,
    )
    with pytest.raises(ManualJournalError, match="before the entry"):
        propose_reversal(entry, DAY - datetime.timedelta(days=1), "Wrong", preparer)


def test_an_entry_another_record_holds_is_not_reversed_by_a_journal(fund, preparer, admin_user):
    receipt_entry = post_entry(
        fund,
        DAY,
        "Receipt",
        [
            debit(AccountKey.BANK, money("5", "USD")),
            credit(AccountKey.CONTRIBUTIONS, money("5", "USD")),
        ],
        admin_user,
        kind="receipt",
    )
    with pytest.raises(ManualJournalError, match="correcting entry"):
        propose_reversal(receipt_entry, DAY, "Wrong donor", preparer)
    assert not ManualJournal.objects.exists()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    amounts=st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2),
        min_size=1,
        max_size=5,
    ),
    skew=st.sampled_from([Decimal(0), Decimal("0.01")]),
)
def test_a_journal_posts_exactly_its_lines_or_nothing(fund, preparer, approver, amounts, skew):
    """Debits spread over bank charges, one credit to bank: posted as typed
    when they balance, refused whole when a cent is off."""
    before = balances(fund)
    lines = [LineSpec(account(fund, AccountKey.BANK_FEES), debit=a) for a in amounts]
    lines.append(LineSpec(account(fund, AccountKey.BANK), credit=sum(amounts) + skew))
    if skew:
        with pytest.raises(ManualJournalError):
            propose_journal(fund, DAY, "Charges", lines, preparer)
        assert balances(fund) == before
        return
    journal = approve_journal(propose_journal(fund, DAY, "Charges", lines, preparer), approver)
    after = balances(fund)
    assert after[AccountKey.BANK_FEES] - before.get(AccountKey.BANK_FEES, 0) == sum(amounts)
    assert before.get(AccountKey.BANK, 0) - after[AccountKey.BANK] == sum(amounts)
    assert journal.entry.legs.count() == len(lines)


# --- Pages ----------------------------------------------------------------------


def test_the_pages_take_a_journal_from_one_officer_to_the_other(client, fund, preparer, approver):
    client.force_login(preparer)
    bank_fees = account(fund, AccountKey.BANK_FEES)
    interest = account(fund, AccountKey.INTEREST)
    answer = post_form(
        client,
        reverse("manual-journals", args=[fund.code]),
        {
            "date": "2019-03-15",
            "reason": "Charge booked to interest",
            "line0-account": bank_fees.pk,
            "line0-debit": "12.50",
            "line1-account": interest.pk,
            "line1-credit": "12.50",
        },
    )
    journal = ManualJournal.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("manual-journal", args=[fund.code, journal.pk])
    page = client.get(answer["Location"]).content.decode()
    assert "Approve and post" not in page and "Withdraw" in page

    client.force_login(approver)
    page = client.get(reverse("manual-journal", args=[fund.code, journal.pk])).content.decode()
    assert "Approve and post" in page
    post_form(
        client, reverse("manual-journal-approve", args=[fund.code, journal.pk]), {"note": "ok"}
    )
    journal.refresh_from_db()
    assert journal.status == ManualJournal.Status.POSTED
    journal_page = client.get(reverse("fund-journal", args=[fund.code])).content.decode()
    assert f"{journal.number}: Charge booked to interest" in journal_page


def test_an_unbalanced_journal_from_the_page_is_refused_with_the_reason(client, fund, preparer):
    client.force_login(preparer)
    answer = post_form(
        client,
        reverse("manual-journals", args=[fund.code]),
        {
            "date": "2019-03-15",
            "reason": "Charge",
            "line0-account": account(fund, AccountKey.BANK_FEES).pk,
            "line0-debit": "12.50",
            "line1-account": account(fund, AccountKey.INTEREST).pk,
            "line1-credit": "12.00",
        },
    )
    assert answer.status_code == 400
    assert "does not balance" in answer.content.decode()
    assert not ManualJournal.objects.exists()


def test_the_preparer_pressing_approve_is_refused_with_a_message(client, fund, preparer):
    journal = propose_journal(fund, DAY, "Correction", charge_moved(fund), preparer)
    client.force_login(preparer)
    answer = post_form(
        client, reverse("manual-journal-approve", args=[fund.code, journal.pk]), follow=True
    )
    assert "another person must sign" in answer.content.decode()
    journal.refresh_from_db()
    assert journal.status == ManualJournal.Status.PROPOSED


def test_the_reversal_page_explains_why_an_entry_cannot_be_reversed(
    client, fund, preparer, admin_user
):
    entry = post_entry(
        fund,
        DAY,
        "Receipt",
        [
            debit(AccountKey.BANK, money("5", "USD")),
            credit(AccountKey.CONTRIBUTIONS, money("5", "USD")),
        ],
        admin_user,
        kind="receipt",
    )
    client.force_login(preparer)
    page = client.get(
        reverse("entry-reverse", args=[fund.code, entry.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    assert "prepare a correcting entry" in page.content.decode()
    from tests.accessible import error_focused

    assert error_focused(page, "page-error").get("role") == "alert"
    refused = post_form(
        client,
        reverse("entry-reverse", args=[fund.code, entry.pk]),
        {"date": "2019-03-15", "reason": "x"},
    )
    assert refused.status_code == 400
    assert not ManualJournal.objects.exists()


def test_the_journals_page_runs_a_fixed_number_of_queries(
    client, fund, preparer, approver, django_assert_max_num_queries
):
    client.force_login(approver)
    url = reverse("manual-journals", args=[fund.code])
    propose_journal(fund, DAY, "One", charge_moved(fund), preparer)
    approve_journal(propose_journal(fund, DAY, "Two", charge_moved(fund), preparer), approver)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(8):
        journal = propose_journal(fund, DAY, f"More {n}", charge_moved(fund), preparer)
        if n % 2:
            approve_journal(journal, approver)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_journals_signatures_say_who_prepared_and_approved_it_in_words(
    client, fund, preparer, approver
):
    """Not the levels' codes ("prepared: alice")."""
    from django.conf import settings as django_settings

    journal = propose_journal(fund, DAY, "Charge booked to interest", charge_moved(fund), preparer)
    approve_journal(journal, approver, "ok")
    client.force_login(approver)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "fr"

    page = client.get(reverse("manual-journal", args=[fund.code, journal.pk])).content.decode()

    assert f"Préparée par: {preparer}" in page
    assert "prepared:" not in page and "approved:" not in page
