"""Reading CSV and XLSX files row by row, with the line number of each row.

Every importer (rates, pledges, bank statements, nominations) reads through
here: columns are checked once, values stay strings (never floats from a
spreadsheet's guess), and each problem is reported with its line number so a
file with errors can be refused whole with a message a person can act on.
XLSX is read with pandas' calamine engine (python-calamine), much faster than
openpyxl on large sheets.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

import pandas as pd
from django.utils.translation import gettext as _

from fundmgr.money import decimal_from_text

SUPPORTED = (".csv", ".xlsx")


@dataclass
class Row:
    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class FileRejected(Exception):
    """The file was not imported; ``errors`` say where and why."""

    errors: list[RowError] = field(default_factory=list)
    name: str = ""

    def __str__(self) -> str:
        head = _("%(name)s was not imported; nothing was saved.") % {
            "name": self.name or _("The file")
        }
        return "\n".join([head, *(str(error) for error in self.errors)])


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        # A spreadsheet number: its shortest exact decimal spelling.
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value).strip()


def read_rows(
    source: str | Path | IO[bytes], columns: list[str], *, name: str | None = None
) -> Iterator[Row]:
    """Yield each data row of a CSV or XLSX file as strings, checking the header.

    Line numbers are those a spreadsheet shows: the header is line 1.
    """
    name = name or str(getattr(source, "name", source))
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise FileRejected(
            [
                RowError(
                    0,
                    _("only CSV and XLSX files are accepted, not “%(suffix)s”")
                    % {"suffix": suffix or "?"},
                )
            ],
            name,
        )
    try:
        if suffix == ".csv":
            frame = pd.read_csv(
                source,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                skip_blank_lines=False,
            )
        else:
            frame = pd.read_excel(source, engine="calamine", dtype=object)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, OSError) as unreadable:
        raise FileRejected(
            [RowError(0, _("the file cannot be read: %(error)s") % {"error": unreadable})], name
        ) from unreadable
    header = [str(column).strip().lower() for column in frame.columns]
    missing = [column for column in columns if column not in header]
    if missing:
        raise FileRejected(
            [RowError(1, _("missing columns: %(columns)s") % {"columns": ", ".join(missing)})], name
        )
    frame.columns = header
    for index, record in enumerate(frame.itertuples(index=False, name=None)):
        values = {column: _cell(value) for column, value in zip(header, record, strict=True)}
        if not any(values.values()):
            continue  # blank line
        yield Row(index + 2, values)


_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(text: str) -> datetime.date:
    """ISO dates (YYYY-MM-DD) only: spreadsheets' local formats are ambiguous."""
    match = _DATE.match(text.strip())
    if not match:
        raise ValueError(_("“%(value)s” is not a date in the form YYYY-MM-DD") % {"value": text})
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError as bad:
        raise ValueError(_("“%(value)s” is not a real date") % {"value": text}) from bad


def parse_decimal(text: str) -> Decimal:
    try:
        value = decimal_from_text(text)
    except ValueError as bad:
        if "," in text:
            raise
        raise ValueError(_("“%(value)s” is not a number") % {"value": text}) from bad
    if not value.is_finite():
        raise ValueError(_("“%(value)s” is not a number") % {"value": text})
    return value
