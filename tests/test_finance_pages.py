"""Finance staff's pages for donors' money: uploads, the queue, receipts by hand."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from donors.models import BankLine, Pledge, Receipt
from donors.services.pledges import find_or_create_donor, record_pledge
from fundmgr.models import AuditRecord
from fundmgr.money import Money
from fundmgr.roles import Role
from tests.once import post_form


@pytest.fixture
def finance(client, make_user):
    client.force_login(make_user("fin", Role.FINANCE_OFFICER))
    return client


@pytest.fixture
def pledge(fund, rates, admin_user):
    donor = find_or_create_donor(name="Examplia", kind="member_state", email="m@examplia.org")
    return record_pledge(
        fund=fund,
        donor=donor,
        amount=Money("1000", "EUR"),
        pledge_date=datetime.date(2019, 3, 4),
        method="bank_transfer",
        agreement_signed=True,
        by=admin_user,
    )


def statement_csv(*lines):
    head = "value_date,amount,currency,reference,counterparty,bank_ref\n"
    return SimpleUploadedFile("statement.csv", (head + "\n".join(lines) + "\n").encode())


def test_finance_imports_a_statement_and_the_matching_line_becomes_a_receipt(finance, fund, pledge):
    line = f"2019-03-20,1000.00,EUR,{pledge.reference.lower()},Examplia MFA,BK-1"
    response = finance.post(
        reverse("finance-import-statement", args=[fund.code]), {"file": statement_csv(line)}
    )
    assert response.status_code == 302
    assert "1 matched" in finance.get(response.url).content.decode()
    receipt = Receipt.objects.get()
    assert receipt.pledge == pledge and receipt.base_amount == Decimal("1136.36")  # 1000/0.88


def test_a_statement_with_a_bad_date_names_the_line_and_saves_nothing(finance, fund, pledge):
    response = finance.post(
        reverse("finance-import-statement", args=[fund.code]),
        {"file": statement_csv("2019-03-20,10,EUR,x,y,BK-1", "2019-02-30,10,EUR,x,y,BK-2")},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "line 3" in body and "nothing was saved" in body
    assert not BankLine.objects.exists() and not Receipt.objects.exists()


def test_an_unmatched_line_waits_in_the_queue_until_finance_assigns_it(finance, fund, pledge):
    finance.post(
        reverse("finance-import-statement", args=[fund.code]),
        {"file": statement_csv("2019-03-21,400.00,EUR,GIFT FROM EXAMPLIA,Examplia,BK-9")},
    )
    line = BankLine.objects.get()
    queue = finance.get(reverse("finance-queue", args=[fund.code])).content.decode()
    assert "GIFT FROM EXAMPLIA" in queue
    post_form(
        finance,
        reverse("finance-queue", args=[fund.code]),
        {"line": line.pk, f"line{line.pk}-pledge_reference": pledge.reference.replace("-", " ")},
    )
    line.refresh_from_db()
    assert line.state == BankLine.State.MATCHED
    assert Receipt.objects.get().pledge == pledge
    assert AuditRecord.objects.filter(action="bank-line:assigned", actor__username="fin").exists()


def test_the_auditor_reads_the_queue_but_cannot_settle_a_line(client, make_user, fund, pledge):
    client.force_login(make_user("fin2", Role.FINANCE_OFFICER))
    client.post(
        reverse("finance-import-statement", args=[fund.code]),
        {"file": statement_csv("2019-03-21,400.00,EUR,nothing,Someone,BK-9")},
    )
    line = BankLine.objects.get()
    client.force_login(make_user("aud", Role.AUDITOR))
    assert client.get(reverse("finance-queue", args=[fund.code])).status_code == 200
    response = post_form(
        client,
        reverse("finance-queue", args=[fund.code]),
        {"line": line.pk, f"line{line.pk}-discard_reason": "not ours"},
    )
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.state == BankLine.State.UNMATCHED


def test_finance_imports_a_pledge_register_through_the_page(finance, fund, rates):
    head = (
        "donor,donor_kind,country,email,amount,currency,pledge_date,due_date,"
        "reference,agreement_signed\n"
    )
    row = "Examplia,member_state,AR,m@examplia.org,5000,EUR,2019-03-02,2019-06-30,PR-001,yes\n"
    upload = SimpleUploadedFile("register.csv", (head + row).encode())
    response = finance.post(reverse("finance-import-register", args=[fund.code]), {"file": upload})
    assert response.status_code == 302
    assert Pledge.objects.get().source_reference == "PR-001"
    assert "1 pledges recorded" in finance.get(response.url).content.decode()


def test_finance_records_a_receipt_by_hand(finance, fund, pledge):
    response = post_form(
        finance,
        reverse("finance-new-receipt", args=[fund.code]),
        {
            "pledge_reference": pledge.reference,
            "amount": "250",
            "currency": "EUR",
            "value_date": "2019-03-25",
            "bank_reference": "MANUAL-1",
        },
    )
    assert response.status_code == 302
    assert Receipt.objects.get().external_reference == "MANUAL-1"


def test_a_donor_cannot_open_the_pledge_register(client, make_user, fund):
    client.force_login(make_user("giver", Role.DONOR))
    assert client.get(reverse("finance-register", args=[fund.code])).status_code == 403


def test_the_pledge_register_runs_the_same_queries_for_3_or_30_pledges(
    finance, fund, rates, admin_user
):
    donor = find_or_create_donor(name="D", kind="individual", email="d@example.org")

    def add(n):
        for _ in range(n):
            record_pledge(
                fund=fund,
                donor=donor,
                amount=Money("10", "USD"),
                pledge_date=datetime.date(2019, 3, 4),
                method="bank_transfer",
                by=admin_user,
            )

    add(3)
    with CaptureQueriesContext(connection) as few:
        finance.get(reverse("finance-register", args=[fund.code]))
    add(27)
    with CaptureQueriesContext(connection) as many:
        finance.get(reverse("finance-register", args=[fund.code]))
    assert len(many) == len(few)


def test_a_pledge_letter_is_served_to_finance_and_never_to_a_donor(
    client, make_user, fund, rates, admin_user, settings, tmp_path
):
    # Stored under DOCUMENTS_ROOT (tests/conftest.py), outside MEDIA_ROOT.
    donor = find_or_create_donor(name="Examplia", kind="member_state", email="m@examplia.org")
    pledge = record_pledge(
        fund=fund,
        donor=donor,
        amount=Money("1000", "EUR"),
        pledge_date=datetime.date(2019, 3, 4),
        method="schedule",
        by=admin_user,
        letter=SimpleUploadedFile("l.pdf", b"%PDF-1.4 the letter", "application/pdf"),
    )
    url = reverse("finance-pledge-letter", args=[fund.code, pledge.reference])
    client.force_login(make_user("giver", Role.DONOR))
    assert client.get(url).status_code == 403
    client.force_login(make_user("fin3", Role.FINANCE_OFFICER))
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 the letter"
    assert (
        "Pledge letter"
        in client.get(reverse("finance-register", args=[fund.code])).content.decode()
    )
