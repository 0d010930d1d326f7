"""The bank queue without dead ends: money dated before its pledge can be
settled (the pledge's date moved back, or the money given to the donor
without the pledge), money assigned to a donor pays their open pledges
before it becomes a contribution, the queue suggests matches and can make a
donor, and every refusal names a way out that exists."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from donors.models import BankLine, BankStatement, Donor, Pledge, Receipt
from donors.services.bank_statements import import_bank_statement, resolve_line
from donors.services.pledges import (
    InstalmentSpec,
    PledgeError,
    find_or_create_donor,
    record_pledge,
)
from donors.services.receipts import ReceiptError, record_receipt
from fundmgr.chart import AccountKey
from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import AuditRecord, JournalEntry, Leg
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services.ledger import balance
from tests.once import post_form

State = BankLine.State
MARCH_5 = datetime.date(2019, 3, 5)
MARCH_20 = datetime.date(2019, 3, 20)


@pytest.fixture
def officer(make_user):
    return make_user("fin", Role.FINANCE_OFFICER)


@pytest.fixture
def finance(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def examplia(db):
    return find_or_create_donor(name="Examplia", kind="member_state", email="m@examplia.org")


@pytest.fixture
def make_pledge(fund, rates, admin_user, examplia):
    def make(amount="1000", *, day=MARCH_20, dues=None, donor=None, binding=True, currency="EUR"):
        money = Money(amount, currency)
        schedule = [
            InstalmentSpec(Money(a, currency), datetime.date.fromisoformat(d))
            for a, d in (dues or [])
        ]
        return record_pledge(
            fund=fund,
            donor=donor or examplia,
            amount=money,
            pledge_date=day,
            method="bank_transfer",
            agreement_signed=binding,
            schedule=schedule,
            by=admin_user,
        )

    return make


def import_lines(fund, by, *rows):
    """``rows``: (value_date, amount, currency, reference, counterparty, bank_ref)."""
    head = "value_date,amount,currency,reference,counterparty,bank_ref\n"
    body = "\n".join(",".join(row) for row in rows) + "\n"
    upload = SimpleUploadedFile("statement.csv", (head + body).encode())
    result = import_bank_statement(upload, fund, by, name="statement.csv")
    return list(result.statement.lines.order_by("line_number"))


def queue_url(fund):
    return reverse("finance-queue", args=[fund.code])


def ledger_balances(fund) -> bool:
    totals = Leg.objects.filter(entry__fund=fund).aggregate(
        d=ExactSum("debit"), c=ExactSum("credit")
    )
    return totals["d"] == totals["c"]


# -- 1. money dated before its pledge ---------------------------------------------------


def test_a_line_dated_before_its_pledge_is_settled_once_the_pledge_date_is_moved_back(
    fund, officer, make_pledge
):
    from donors.services.pledges import redate_pledge

    pledge = make_pledge("1000", day=MARCH_20)
    (line,) = import_lines(fund, officer, ("2019-03-05", "1000", "EUR", pledge.reference, "", "B1"))
    assert line.state == State.ERROR and "before the pledge" in line.message_shown
    first_booking = pledge.receivable_entry

    change = redate_pledge(pledge, MARCH_5, "the money came before the letter", officer)
    settled = resolve_line(line, officer, pledge=change.pledge)

    assert settled.state == State.MATCHED
    pledge.refresh_from_db()
    assert pledge.pledge_date == MARCH_5 and pledge.status == Pledge.Status.PAID
    assert pledge.instalments.get().due_date == MARCH_5  # due on the (new) pledge date
    # The first booking stands, reversed on its own date; the receivable is
    # booked again at the new date: once, whatever the date one looks at.
    reversal = JournalEntry.objects.get(reverses=first_booking)
    assert reversal.date == MARCH_20
    assert pledge.receivable_entry.date == MARCH_5
    assert pledge.receivable_entry != first_booking
    for day in (MARCH_5, datetime.date(2019, 3, 10), MARCH_20, datetime.date(2019, 4, 30)):
        assert balance(fund, AccountKey.CONTRIBUTIONS, day).amount == Decimal("1136.36")
    assert balance(fund, AccountKey.PLEDGES_RECEIVABLE).amount == 0
    assert ledger_balances(fund)
    record = AuditRecord.objects.for_object(pledge).get(action="pledge:redated")
    assert record.actor == officer and record.reason == "the money came before the letter"
    assert record.data["from"] == "2019-03-20" and record.data["to"] == "2019-03-05"


def test_the_refusal_of_money_before_its_pledge_names_both_ways_out(fund, officer, make_pledge):
    pledge = make_pledge("1000", day=MARCH_20)
    with pytest.raises(ReceiptError) as refused:
        record_receipt(
            fund=fund,
            donor=pledge.donor,
            pledge=pledge,
            amount=Money("1000", "EUR"),
            value_date=MARCH_5,
            by=officer,
        )
    message = str(refused.value)
    assert "Move the pledge's date back to 2019-03-05" in message
    assert "without the pledge" in message
    assert "correct the pledge's date or the receipt's" not in message


def test_a_pledge_that_has_received_money_cannot_be_redated_and_the_refusal_says_what_to_do(
    fund, officer, make_pledge
):
    from donors.services.pledges import redate_pledge

    pledge = make_pledge("1000", day=MARCH_20)
    record_receipt(
        fund=fund,
        donor=pledge.donor,
        pledge=pledge,
        amount=Money("100", "EUR"),
        value_date=MARCH_20,
        by=officer,
        notify=False,
    )
    entries = JournalEntry.objects.count()
    with pytest.raises(PledgeError, match="without the pledge"):
        redate_pledge(pledge, MARCH_5, "too late", officer)
    pledge.refresh_from_db()
    assert pledge.pledge_date == MARCH_20 and JournalEntry.objects.count() == entries


def test_the_queue_offers_to_move_the_pledge_date_and_doing_so_settles_the_line(
    fund, officer, finance, make_pledge
):
    pledge = make_pledge("1000", day=MARCH_20)
    (line,) = import_lines(fund, officer, ("2019-03-05", "1000", "EUR", pledge.reference, "", "B1"))

    page = finance.get(queue_url(fund)).content.decode()
    redate = reverse("finance-queue-redate", args=[fund.code, line.pk])
    assert f'action="{redate}"' in page
    assert "without the pledge" in page

    response = post_form(
        finance, redate, {"pledge": pledge.reference, "reason": "letter came late"}
    )

    assert response.status_code == 302
    line.refresh_from_db()
    assert line.state == State.MATCHED and line.receipts.get().pledge == pledge
    statement = BankStatement.objects.get()
    assert (statement.error_count, statement.matched_count) == (0, 1)
    again = post_form(
        finance, redate, {"pledge": pledge.reference, "reason": "double click"}, follow=True
    )
    assert "not waiting for a person; nothing was changed" in again.content.decode()
    assert Receipt.objects.count() == 1


# -- 2. a line assigned to a donor pays their open pledges -----------------------------


def test_a_line_assigned_by_e_mail_pays_the_donors_open_pledge(fund, officer, finance, make_pledge):
    pledge = make_pledge("1000", day=MARCH_5)
    (line,) = import_lines(fund, officer, ("2019-03-20", "400", "EUR", "gift", "Examplia", "B1"))

    post_form(
        finance, queue_url(fund), {"line": line.pk, f"line{line.pk}-donor_email": "M@examplia.org"}
    )

    line.refresh_from_db()
    assert line.state == State.MATCHED
    receipt = line.receipts.get()
    assert receipt.pledge == pledge and receipt.applied == Decimal("400")
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PARTLY_PAID


def test_money_for_a_donor_pays_the_pledge_due_first_then_the_next_then_is_a_contribution(
    fund, officer, make_pledge, examplia
):
    later = make_pledge("1000", day=MARCH_5, dues=[("600", "2019-04-01"), ("400", "2019-06-01")])
    sooner = make_pledge("500", day=MARCH_5, dues=[("500", "2019-03-15")])
    other_currency = make_pledge("100", day=MARCH_5, currency="JPY", binding=False)
    (line,) = import_lines(fund, officer, ("2019-03-20", "1700", "EUR", "gift", "", "B1"))

    settled = resolve_line(line, officer, donor=examplia)

    receipts = {r.pledge_id: r for r in settled.receipts.all()}
    assert receipts[sooner.pk].amount == Money("500", "EUR")
    assert receipts[later.pk].amount == Money("1000", "EUR")
    assert receipts[None].amount == Money("200", "EUR") and receipts[None].applied == 0
    assert other_currency.pk not in receipts
    assert sum(r.amount.amount for r in receipts.values()) == Decimal("1700")
    assert {r.entry.idempotency_key for r in receipts.values()} == {
        f"bank:{fund.code}:ref:B1:{sooner.reference}",
        f"bank:{fund.code}:ref:B1:{later.reference}",
        f"bank:{fund.code}:ref:B1:no-pledge",
    }
    record = AuditRecord.objects.for_object(settled).get(action="bank-line:assigned")
    assert record.data["pledges"] == [sooner.reference, later.reference]
    assert ledger_balances(fund)
    statement = BankStatement.objects.get()
    assert (statement.unmatched_count, statement.matched_count) == (0, 1)


def test_the_officer_may_pick_one_pledge_or_none_instead(fund, officer, make_pledge, examplia):
    first = make_pledge("500", day=MARCH_5, dues=[("500", "2019-03-15")])
    picked = make_pledge("500", day=MARCH_5, dues=[("500", "2019-04-15")])
    one, two = import_lines(
        fund,
        officer,
        ("2019-03-20", "300", "EUR", "gift", "", "B1"),
        ("2019-03-20", "300", "EUR", "gift", "", "B2"),
    )

    assert resolve_line(one, officer, pledge=picked).receipts.get().pledge == picked
    contribution = resolve_line(two, officer, donor=examplia, without_pledge=True)

    assert contribution.receipts.get().pledge is None
    assert not first.receipts.exists()


def test_money_for_a_donor_whose_open_pledge_is_dated_after_it_is_refused_with_the_ways_out(
    fund, officer, make_pledge, examplia
):
    pledge = make_pledge("1000", day=MARCH_20)
    (line,) = import_lines(fund, officer, ("2019-03-05", "1000", "EUR", "gift", "", "B1"))

    with pytest.raises(ValueError) as refused:
        resolve_line(line, officer, donor=examplia)

    message = str(refused.value)
    assert pledge.reference in message and "Move the pledge's date" in message
    assert "without a pledge" in message
    assert not Receipt.objects.exists()


# -- 3. a donor made from the queue -----------------------------------------------------


def test_finance_creates_a_donor_from_the_queue_and_the_line_is_theirs(
    fund, officer, finance, rates
):
    (line,) = import_lines(fund, officer, ("2019-03-20", "250", "EUR", "gift", "Nuevo SA", "B1"))

    response = post_form(
        finance,
        reverse("finance-queue-new-donor", args=[fund.code, line.pk]),
        {"name": "Nuevo SA", "kind": "private_sector", "country": "AR", "email": "n@nuevo.example"},
    )

    assert response.status_code == 302
    donor = Donor.objects.get(email="n@nuevo.example")
    assert (donor.name, donor.kind, donor.country_id) == ("Nuevo SA", "private_sector", "AR")
    line.refresh_from_db()
    assert line.state == State.MATCHED and line.donor == donor
    assert line.receipts.get().donor == donor
    assert AuditRecord.objects.for_object(donor).get(action="donor:created").actor == officer


def test_a_new_donor_with_a_known_e_mail_is_refused_offering_the_existing_donor(
    fund, officer, finance, examplia, rates
):
    (line,) = import_lines(fund, officer, ("2019-03-20", "250", "EUR", "gift", "Examplia", "B1"))

    response = post_form(
        finance,
        reverse("finance-queue-new-donor", args=[fund.code, line.pk]),
        {"name": "Examplia MFA", "kind": "member_state", "country": "", "email": "M@examplia.org"},
        follow=True,
    )

    page = response.content.decode()
    assert "already the address of Examplia" in page
    assert Donor.objects.count() == 1
    line.refresh_from_db()
    assert line.state == State.UNMATCHED


# -- suggestions ------------------------------------------------------------------------


def test_a_line_naming_the_donor_with_the_amount_due_suggests_their_pledge_first(
    fund, officer, make_pledge
):
    from donors.queries import queue_suggestions

    accented = find_or_create_donor(
        name="République d'Exâmplia", kind="member_state", email="mfa@examplia.example"
    )
    other = find_or_create_donor(
        name="Ministry of Foreign Affairs of Otherland", kind="member_state", email="o@o.example"
    )
    theirs = make_pledge(
        "1000", day=MARCH_5, donor=accented, dues=[("250", "2019-03-31"), ("750", "2019-09-30")]
    )
    otherlands = make_pledge("1000", day=MARCH_5, donor=other)
    same_amount = make_pledge("250", day=MARCH_5, donor=other, binding=False)
    (line,) = import_lines(
        fund,
        officer,
        (
            "2019-03-20",
            "250",
            "EUR",
            "CONTRIBUTION",
            "MINISTRY FOREIGN AFFAIRS REPUBLIQUE EXAMPLIA",
            "B1",
        ),
    )

    suggested = queue_suggestions(fund, [line])[line.pk]

    assert suggested[0].pledge == theirs
    assert suggested[0].name and suggested[0].amount and not suggested[0].predates
    assert [s.pledge for s in suggested[1:]] == [same_amount]  # the amount alone
    assert otherlands not in [s.pledge for s in suggested]  # "ministry" names nobody


def test_a_suggestion_is_applied_in_one_click(fund, officer, finance, make_pledge):
    pledge = make_pledge("400", day=MARCH_5)
    (line,) = import_lines(fund, officer, ("2019-03-20", "400", "EUR", "gift", "EXAMPLIA", "B1"))

    page = finance.get(queue_url(fund)).content.decode()
    assert f'name="line{line.pk}-pledge_reference" value="{pledge.reference}"' in page

    post_form(
        finance,
        queue_url(fund),
        {"line": line.pk, f"line{line.pk}-pledge_reference": pledge.reference},
    )

    line.refresh_from_db()
    assert line.state == State.MATCHED and line.receipts.get().pledge == pledge


def _waiting_lines_and_pledges(fund, officer, make_pledge, count, prefix):
    rows = []
    for i in range(count):
        donor = find_or_create_donor(
            name=f"Donor {prefix}{i}", kind="ngo", email=f"{prefix}{i}@example.org"
        )
        make_pledge(
            "100", day=MARCH_5, donor=donor, dues=[("40", "2019-04-01"), ("60", "2019-05-01")]
        )
        rows.append(("2019-03-20", "40", "EUR", "gift", f"DONOR {prefix}{i}", f"{prefix}{i}"))
    import_lines(fund, officer, *rows)


def test_the_queue_with_its_suggestions_runs_the_same_queries_for_any_size(
    fund, officer, finance, make_pledge
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _waiting_lines_and_pledges(fund, officer, make_pledge, 2, "a")
    finance.get(queue_url(fund))  # warm up: session, sites, caches
    with CaptureQueriesContext(connection) as small:
        page = finance.get(queue_url(fund)).content.decode()
    assert page.count("Apply to") >= 2

    _waiting_lines_and_pledges(fund, officer, make_pledge, 20, "b")
    with CaptureQueriesContext(connection) as large:
        page = finance.get(queue_url(fund)).content.decode()
    assert page.count("Apply to") >= 22

    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]


def test_the_pledge_page_moves_the_pledge_date_and_lists_every_booking(
    fund, officer, finance, make_pledge
):
    pledge = make_pledge("1000", day=MARCH_20)
    page_url = reverse("finance-pledge", args=[fund.code, pledge.reference])
    action = reverse("finance-pledge-redate", args=[fund.code, pledge.reference])
    assert f'action="{action}"' in finance.get(page_url).content.decode()

    response = finance.post(action, {"pledge_date": "2019-03-05", "reason": "letter dated 5th"})

    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.pledge_date == MARCH_5
    listed = finance.get(page_url).context["entries"]
    assert len(listed) == 3  # the first booking, its reversal, the booking at the new date
    assert finance.post(action, {"pledge_date": "2019-03-05"}).status_code == 400


# -- every refusal on the desk names a way out that exists --------------------------------


def _bank_page_offers(label: str) -> bool:
    from pathlib import Path

    from django.conf import settings

    return label in (Path(settings.BASE_DIR) / "templates/reports/bank.html").read_text()


def test_a_line_left_for_one_reason_is_told_to_reopen_it_first(fund, officer, tmp_path, rates):
    from donors.models import UnreconciledReason
    from reports.services.bank_reconciliation import BankReconciliationError, leave_unreconciled
    from tests.reports.test_bank_reconciliation import statement_lines

    [line] = statement_lines(fund, officer, tmp_path, [(MARCH_20, "12.34", "INTEREST")])
    leave_unreconciled(line, officer, UnreconciledReason.INTEREST)

    with pytest.raises(BankReconciliationError, match="“Reopen” it first") as refused:
        leave_unreconciled(line, officer, UnreconciledReason.BANK_CHARGE)
    assert _bank_page_offers("Reopen")
    with pytest.raises(BankReconciliationError, match="leave it as a bank charge or other"):
        leave_unreconciled(
            statement_lines(fund, officer, tmp_path, [(MARCH_20, "-5", "FEE")])[0],
            officer,
            UnreconciledReason.INTEREST,
            book=True,
        )
    assert "already left unreconciled" in str(refused.value)


def test_a_payout_matched_twice_is_told_to_undo_the_first_match(fund, officer, tmp_path, rates):
    from reports.services.bank_reconciliation import BankReconciliationError, match_payout_line
    from tests.reports.test_bank_reconciliation import card_payout, statement_lines

    payout = card_payout(fund, "300.00", day=MARCH_20)
    first, second = statement_lines(
        fund, officer, tmp_path, [(MARCH_20, "300.00", "STRIPE"), (MARCH_20, "300.00", "STRIPE")]
    )
    match_payout_line(payout, first, officer)

    with pytest.raises(BankReconciliationError, match="“Undo the match” on that line first"):
        match_payout_line(payout, second, officer)
    assert _bank_page_offers("Undo the match")


def test_the_queue_says_how_to_record_a_donor_nobody_has_recorded(fund, officer, finance, rates):
    (line,) = import_lines(fund, officer, ("2019-03-20", "250", "EUR", "gift", "Nuevo SA", "B1"))

    response = post_form(
        finance,
        queue_url(fund),
        {"line": line.pk, f"line{line.pk}-donor_email": "nobody@nuevo.example"},
        follow=True,
    )

    page = response.content.decode()
    assert "record them with “New donor” on this line" in page
    assert reverse("finance-queue-new-donor", args=[fund.code, line.pk]) in page


# -- the split, as a property ---------------------------------------------------------------


@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2),
    owed=st.lists(
        st.decimals(min_value=Decimal("-100"), max_value=Decimal("1e6"), places=2), max_size=6
    ),
)
def test_money_split_over_pledges_is_all_accounted_for_and_never_overpays_one(amount, owed):
    from donors.services.bank_statements import _split

    pledges = [f"P{i}" for i in range(len(owed))]
    parts, remaining = _split(amount, zip(pledges, owed, strict=True))

    assert sum((take for _pledge, take in parts), Decimal(0)) + remaining == amount
    dues = dict(zip(pledges, owed, strict=True))
    assert all(0 < take <= dues[pledge] for pledge, take in parts)
    # in the order given, each filled before the next is touched
    paid = [pledge for pledge, _take in parts]
    assert paid == sorted(paid, key=pledges.index)
    assert all(take == dues[pledge] for pledge, take in parts[:-1])
    assert remaining >= 0
    if remaining:
        assert all(take == dues[pledge] for pledge, take in parts)
        assert remaining == amount - sum(d for d in owed if d > 0)


# -- two officers at once ---------------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; needs PostgreSQL"
)
def test_two_lines_for_one_donor_assigned_at_once_never_overpay_a_pledge(
    fund, officer, make_pledge, examplia
):
    import threading

    from django.db import connections

    pledge = make_pledge("1000", day=MARCH_5)
    lines = import_lines(
        fund,
        officer,
        ("2019-03-20", "700", "EUR", "gift", "", "B1"),
        ("2019-03-20", "700", "EUR", "gift", "", "B2"),
    )
    start = threading.Barrier(2)
    failures = []

    def run(line):
        try:
            start.wait()
            resolve_line(line, officer, donor=examplia)
        except Exception as failure:  # noqa: BLE001 - reported below
            failures.append(failure)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(line,)) for line in lines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    for_pledge = Receipt.objects.filter(pledge=pledge)
    assert sum(r.applied for r in for_pledge) == Decimal("1000")
    assert sorted(r.amount.amount for r in Receipt.objects.all()) == [300, 400, 700]
    assert Receipt.objects.get(pledge=None).amount == Money("400", "EUR")
    assert ledger_balances(fund)


def test_a_new_donor_with_a_country_code_that_is_none_records_nothing_and_says_so(
    fund, officer, finance, rates
):
    (line,) = import_lines(fund, officer, ("2019-03-20", "250", "EUR", "gift", "Nuevo SA", "B1"))

    response = post_form(
        finance,
        reverse("finance-queue-new-donor", args=[fund.code, line.pk]),
        {"name": "Nuevo SA", "kind": "private_sector", "country": "zz", "email": "n@nuevo.example"},
        follow=True,
    )

    assert "“ZZ” is not a country&#x27;s ISO code; pick one from the list." in (
        response.content.decode()
    )
    assert not Donor.objects.filter(email="n@nuevo.example").exists()
    line.refresh_from_db()
    assert line.state == State.UNMATCHED


def test_each_waiting_lines_fields_are_labelled_with_their_line(fund, officer, finance, rates):
    from lxml import html

    lines = import_lines(
        fund,
        officer,
        ("2019-03-20", "40", "EUR", "gift", "Someone", "Q1"),
        ("2019-03-21", "50", "EUR", "gift", "Someone else", "Q2"),
    )
    page = html.fromstring(finance.get(queue_url(fund), HTTP_ACCEPT_LANGUAGE="en").content)
    labels = [" ".join(label.text_content().split()) for label in page.iter("label")]
    assert len(labels) == len(set(labels)), labels  # no two controls share a name
    for line in lines:
        assert any(
            label.endswith(f"(statement.csv, line {line.line_number})") for label in labels
        ), labels


def test_a_refused_line_says_error_in_the_title_and_its_message_takes_the_focus(
    fund, officer, finance, rates
):
    from tests.accessible import page_of, refusal_shown

    (line,) = import_lines(fund, officer, ("2019-03-20", "40", "EUR", "gift", "Someone", "Q1"))
    response = post_form(
        finance,
        queue_url(fund),
        {"line": line.pk, f"line{line.pk}-pledge_reference": "NO-SUCH-PLEDGE"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    box = refusal_shown(response, "refusal-messages")
    assert "No pledge of this fund has that reference" in box.text_content()
    assert not page_of(response).xpath('//*[@role="status"]')  # said once, as a refusal


def test_a_message_that_is_no_refusal_is_a_status_and_takes_no_focus(
    fund, officer, finance, rates, examplia
):
    from tests.accessible import page_of

    (line,) = import_lines(fund, officer, ("2019-03-20", "40", "EUR", "gift", "Examplia", "Q1"))
    response = post_form(
        finance,
        queue_url(fund),
        {"line": line.pk, f"line{line.pk}-donor_email": "m@examplia.org"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    page = page_of(response)
    assert not page.findtext(".//title").startswith("Error")
    assert page.xpath('//*[@role="status"]//li') and not page.xpath("//*[@autofocus]")
    assert not page.xpath('//*[@id="refusal-messages"]')


def test_each_waiting_lines_buttons_name_their_line(fund, officer, finance, rates):
    from tests.accessible import assert_distinct_buttons

    import_lines(
        fund,
        officer,
        ("2019-03-20", "40", "EUR", "gift", "Someone", "Q1"),
        ("2019-03-21", "50", "EUR", "gift", "Someone else", "Q2"),
    )
    response = finance.get(queue_url(fund), HTTP_ACCEPT_LANGUAGE="en")
    assert_distinct_buttons(response, "Settle this line", 2)
    names = assert_distinct_buttons(response, "Record the donor and assign the line", 2)
    assert "Record the donor and assign the line (statement.csv, line 2)" in names
