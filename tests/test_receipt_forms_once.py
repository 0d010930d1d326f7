"""One rendering of a receipt form records one receipt (issue 11, point 7):
the receipt recorded by hand, and a bank line assigned from the queue.
Posted twice, the second post records nothing, lands where the first did
and says so."""

# ruff: noqa: F811 - the shared fixtures are imported

from django.urls import reverse

from donors.models import BankLine, Receipt
from fundmgr.models import JournalEntry
from tests.once import ALREADY, rendered_token, said
from tests.test_finance_pages import finance, pledge, statement_csv  # noqa: F401


def test_a_receipt_form_posted_twice_records_one_receipt(finance, fund, pledge):
    url = reverse("finance-new-receipt", args=[fund.code])
    data = {
        "pledge_reference": pledge.reference,
        "amount": "250",
        "currency": "EUR",
        "value_date": "2019-03-25",
        "bank_reference": "MANUAL-1",
        "once": rendered_token(finance, url),
    }
    first = finance.post(url, data)
    second = finance.post(url, data)
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert Receipt.objects.count() == 1
    assert JournalEntry.objects.filter(kind="receipt").count() == 1
    assert any(ALREADY in m for m in said(second))


def test_two_renderings_of_the_receipt_form_record_two_receipts(finance, fund, pledge):
    url = reverse("finance-new-receipt", args=[fund.code])
    for number in (1, 2):
        data = {
            "pledge_reference": pledge.reference,
            "amount": "250",
            "currency": "EUR",
            "value_date": "2019-03-25",
            "bank_reference": f"MANUAL-{number}",
        }
        finance.post(url, {**data, "once": rendered_token(finance, url)})
    assert Receipt.objects.count() == 2


def test_a_bank_line_assigned_twice_from_the_queue_records_one_receipt(finance, fund, pledge):
    finance.post(
        reverse("finance-import-statement", args=[fund.code]),
        {"file": statement_csv("2019-03-21,400.00,EUR,GIFT FROM EXAMPLIA,Examplia,BK-9")},
    )
    line = BankLine.objects.get()
    url = reverse("finance-queue", args=[fund.code])
    data = {
        "line": line.pk,
        f"line{line.pk}-pledge_reference": pledge.reference,
        "once": rendered_token(finance, url, containing=f'value="{line.pk}"'),
    }
    first = finance.post(url, data)
    second = finance.post(url, data)
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert Receipt.objects.count() == 1
    assert any(ALREADY in m for m in said(second))
