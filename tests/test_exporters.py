"""The exporter framework (``fundmgr.exporters``, docs/decisions.md): a sheet
is one class with its rows as generators and its own checks; the framework
writes them, filters the table, reports progress and collects the checks on a
Checks sheet; exporters are found by identifier; the core imports no app."""

from __future__ import annotations

import ast
import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fundmgr import exporters
from fundmgr.exporters import (
    Check,
    ChecksSheet,
    Exporter,
    Sheet,
    exporter,
    register,
    registered,
    sum_of,
)
from fundmgr.spreadsheet import BOLD, Cell, Formula, money

ROOT = Path(__file__).resolve().parent.parent


class Amounts(Sheet):
    widths = (20, 16)

    def title(self):
        return "Amounts"

    def headings(self):
        return ["Name", "Amount"]

    def expected_rows(self):
        return len(self.export.amounts)

    def rows(self):
        for name, amount in self.export.amounts:
            yield [name, Cell(amount, money("EUR"))]

    def foot(self):
        self.total = self.ref("B", self.row + 1)
        yield [Cell("Total", BOLD), Cell(sum_of("B", 2, self.row), money("EUR", bold=True))]

    def checks(self):
        return [Check("Total = what was given", self.total, Formula(f"={self.export.given}"))]


class Tiny(Exporter):
    identifier = "tiny-test"
    sheets = (Amounts, ChecksSheet)
    currency = "EUR"

    def __init__(self, amounts, given):
        self.amounts = amounts
        self.given = given


def written(export, **kwargs):
    handle = io.BytesIO()
    summary = export.write(handle, **kwargs)
    handle.seek(0)
    return summary, load_workbook(handle)


def test_a_sheet_class_is_written_with_its_layout_filter_and_totals():
    summary, book = written(Tiny([("=A1", Decimal("1.50")), ("b", Decimal("2.25"))], "3.75"))
    assert book.sheetnames == ["Amounts", "Checks"]
    sheet = book["Amounts"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows == [("Name", "Amount"), ("=A1", 1.5), ("b", 2.25), ("Total", "=SUM(B2:B3)")]
    assert sheet["A2"].data_type == "s" and sheet["B4"].data_type == "f"
    assert sheet["B2"].number_format == '#,##0.00 "EUR";-#,##0.00 "EUR"'
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:B3"
    assert summary.rows == {"Amounts": 2, "Checks": 1} and summary.checks == [
        "Total = what was given"
    ]


def test_the_checks_sheet_states_each_sheets_checks_as_formulas():
    _summary, book = written(Tiny([("a", Decimal("1.50"))], "1.5"))
    rows = list(book["Checks"].iter_rows(values_only=True))
    assert rows == [
        ("Tie-out", "Left", "Right", "Holds"),
        ("Total = what was given", "='Amounts'!$B$3", "=1.5", "=ROUND(B2-C2,2)=0"),
        ("Every check holds", None, None, "=AND(D2:D2)"),
    ]


def test_progress_reaches_the_total_in_order():
    calls = []
    amounts = [(f"n{i}", Decimal(i)) for i in range(1200)]
    written(Tiny(amounts, "0"), progress=lambda done, total: calls.append((done, total)))
    total = 1200 + 2  # the data rows and one step per sheet
    assert calls[-1] == (total, total)
    assert [done for done, _t in calls] == sorted(done for done, _t in calls)
    assert (500, total) in calls and (1000, total) in calls


def test_exporters_are_found_by_identifier(monkeypatch):
    monkeypatch.setattr(exporters, "_registry", exporters.registered())
    assert exporter("reconciliation").__name__ == "ReconciliationWorkbook"
    assert exporter("grant-queue").__name__ == "GrantQueueExport"
    register(Tiny)
    assert registered()["tiny-test"] is Tiny
    with pytest.raises(ValueError, match="two exporters"):
        register(type("Other", (Exporter,), {"identifier": "tiny-test"}))


def test_the_core_framework_imports_no_app():
    apps = {"donors", "grants", "reports"}
    for name in ("exporters.py", "spreadsheet.py"):
        tree = ast.parse((ROOT / "fundmgr" / name).read_text(encoding="utf-8"))
        imported = {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        } | {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        assert not imported & apps, name
