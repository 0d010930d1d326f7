"""The public contributions page's tables as CSV and XLSX files, one file
per table (docs/open-data.md).

Outside text (a donor's name) is data in both: the XLSX is written by
``fundmgr.spreadsheet``, where a string is always a text cell, and the CSV by
``fundmgr.csv_files``, where a text that would start a formula is made inert
(OWASP's CSV injection guidance, docs/security.md). Amounts are decimal text in
the CSV (never floats: ``1234.50``, no thousands separator, whatever the
language) and numbers with the currency's format in the XLSX.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fundmgr.csv_files import csv_file
from fundmgr.spreadsheet import BOLD, Book, Cell, money
from reports.open_data import OpenData


@dataclass(frozen=True)
class Table:
    title: object  # a lazy translation
    header: Callable[[OpenData], list[str]]
    rows: Callable[[OpenData], list[list]]


def _by_year_header(data: OpenData) -> list[str]:
    return [
        _("Year"),
        _("Donor"),
        _("Commitments (%(currency)s)") % {"currency": data.currency},
        _("Deposits (%(currency)s)") % {"currency": data.currency},
    ]


def _by_donor_header(data: OpenData) -> list[str]:
    return [
        _("Donor"),
        _("Committed (%(currency)s)") % {"currency": data.currency},
        _("Deposited (%(currency)s)") % {"currency": data.currency},
        _("Outstanding (%(currency)s)") % {"currency": data.currency},
    ]


def _transfers_header(data: OpenData) -> list[str]:
    return [
        _("Country code"),
        _("Recipient country"),
        _("Committed (%(currency)s)") % {"currency": data.currency},
        _("Advanced (%(currency)s)") % {"currency": data.currency},
        _("Settled (%(currency)s)") % {"currency": data.currency},
    ]


#: The downloadable tables, by the name their address carries.
TABLES = {
    "by-year": Table(
        gettext_lazy("Contributions by donor and year"),
        _by_year_header,
        lambda d: [[row.year, row.donor, row.committed, row.deposited] for row in d.by_year],
    ),
    "by-donor": Table(
        gettext_lazy("Deposits against commitments"),
        _by_donor_header,
        lambda d: [
            [row.donor, row.committed, row.deposited, row.outstanding] for row in d.by_donor
        ],
    ),
    "transfers": Table(
        gettext_lazy("Transfers by recipient country"),
        _transfers_header,
        lambda d: [
            [row.iso2, row.country, row.committed, row.advanced, row.settled] for row in d.transfers
        ],
    ),
}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def xlsx_file(
    title: str, note: str, header: Sequence[str], rows: Sequence[Sequence], currency: str
) -> bytes:
    handle = io.BytesIO()
    book = Book(handle)
    sheet = book.add_sheet(title, widths=[14, 40, 20, 20, 20], header_rows=1)
    sheet.append([Cell(text, BOLD) for text in header])
    style = money(currency)
    for row in rows:
        sheet.append([Cell(v, style) if isinstance(v, Decimal) else v for v in row])
    sheet.append([])
    sheet.append([note])
    book.close()
    return handle.getvalue()


def table_file(data: OpenData, table: str, kind: str) -> tuple[bytes, str]:
    """The table named ``table`` as a ``kind`` file ("csv" or "xlsx"), and
    the file's name; KeyError for a table or a kind that does not exist."""
    spec = TABLES[table]
    if kind not in FORMATS:
        raise KeyError(kind)
    header, rows = spec.header(data), spec.rows(data)
    name = f"{data.fund.code}-{table}-{data.as_of.isoformat()}.{kind}"
    if kind == "csv":
        return csv_file(header, rows), name
    note = _("%(fund)s, from its first transaction to %(day)s, in %(currency)s.") % {
        "fund": data.fund.name,
        "day": data.as_of.isoformat(),
        "currency": data.currency,
    }
    return xlsx_file(str(spec.title), note, header, rows, data.currency), name
