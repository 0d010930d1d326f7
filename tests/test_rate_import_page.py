"""Finance staff import UN rates through the web page: all or nothing."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fundmgr.models import AuditRecord, ExchangeRate
from fundmgr.roles import Role

GOOD = b"currency,effective_date,units_per_usd\nEUR,2019-05-01,0.893\nJPY,2019-05-01,110.5\n"
BAD = b"currency,effective_date,units_per_usd\nEUR,2019-05-01,0.893\nJPY,2019-13-01,110.5\n"


def upload(client, content: bytes, name: str = "rates.csv", **extra):
    return client.post(
        reverse("import-rates"), {"file": SimpleUploadedFile(name, content), **extra}
    )


@pytest.fixture
def finance(client, make_user):
    client.force_login(make_user("fin", Role.FINANCE_OFFICER))
    return client


def test_finance_officer_imports_a_csv_and_is_told_how_many_rates_were_added(finance):
    response = upload(finance, GOOD)
    assert response.status_code == 302
    assert ExchangeRate.objects.count() == 2
    page = finance.get(response.url)
    assert "rates.csv: 2 rates added, 0 already recorded." in page.content.decode()
    assert AuditRecord.objects.filter(action="rates:imported", actor__username="fin").exists()


def test_uploading_the_same_file_twice_changes_nothing(finance):
    upload(finance, GOOD)
    response = upload(finance, GOOD)
    assert ExchangeRate.objects.count() == 2
    assert "0 rates added, 2 already recorded." in finance.get(response.url).content.decode()


def test_a_bad_line_saves_nothing_and_the_page_names_the_line(finance):
    response = upload(finance, BAD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "nothing was saved" in body
    assert "line 3" in body and "2019-13-01" in body
    assert not ExchangeRate.objects.exists()


def test_an_xlsx_upload_is_read_with_the_same_rules(finance):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["currency", "effective_date", "units_per_usd"])
    sheet.append(["GBP", "2019-05-01", "0.7712"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(finance, buffer.getvalue(), name="unore-may-2019.xlsx")
    assert response.status_code == 302
    assert str(ExchangeRate.objects.get(currency="GBP").units_per_usd) == "0.771200"


def test_the_illustrative_box_marks_every_imported_rate(finance):
    upload(finance, GOOD, illustrative="on")
    assert set(ExchangeRate.objects.values_list("illustrative", flat=True)) == {True}


def test_a_file_of_another_kind_is_refused_with_a_message(finance):
    response = upload(finance, b"%PDF-1.4", name="rates.pdf")
    assert "only CSV and XLSX files are accepted" in response.content.decode()
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize("role", [Role.FUND_OFFICER, Role.DONOR])
def test_other_roles_may_not_import_rates(client, make_user, role):
    client.force_login(make_user("someone", role))
    assert client.get(reverse("import-rates")).status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert not ExchangeRate.objects.exists()


def test_the_auditor_reads_the_import_page_without_its_form_and_may_not_post(client, make_user):
    """As on the other import pages (pledge register, bank statement, nominations)."""
    client.force_login(make_user("auditor", Role.AUDITOR))
    page = client.get(reverse("import-rates"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "units_per_usd" in body and "Read-only" in body
    assert 'method="post"' not in body.split("<main", 1)[-1].split("</main>", 1)[0]
    assert upload(client, GOOD).status_code == 403
    assert not ExchangeRate.objects.exists()
    assert AuditRecord.objects.filter(action="refused", actor__username="auditor").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("import-rates"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_usd_rows_at_1_are_skipped_and_the_page_says_so(finance):
    response = upload(finance, GOOD + b"USD,2019-05-01,1\n")
    assert response.status_code == 302
    assert ExchangeRate.objects.count() == 2
    body = finance.get(response.url).content.decode()
    assert "2 rates added" in body and "1 USD row at 1 skipped" in body


def test_a_rejected_file_is_said_at_the_top_focused_with_error_in_the_title(finance):
    from tests.accessible import error_focused

    box = error_focused(upload(finance, BAD), "page-error")
    assert box.get("role") == "alert" and "nothing was saved" in box.text_content()


def test_a_wrong_currency_in_the_rates_filter_is_summarised_focused_with_error_in_the_title(
    finance,
):
    from tests.accessible import error_focused

    response = finance.get(reverse("exchange-rates"), {"currency": "Q"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Currency" in error_focused(response, "error-summary").text_content()
