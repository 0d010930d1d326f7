"""Reading CSV and XLSX files row by row, with the line number of each row.

Every importer (rates, pledges, bank statements, nominations) reads through
here: columns are checked once, values stay strings (never floats from a
spreadsheet's guess), and each problem is reported with its line number so a
file with errors can be refused whole with a message a person can act on.
XLSX is read with pandas' calamine engine (python-calamine), much faster than
openpyxl on large sheets, once ``fundmgr.workbook_guard`` has checked the
workbook is safe to give it. Whatever the bytes, reading ends in rows or in
FileRejected: never another exception (tests/uploads/test_importer_fuzz.py), and a
file with a header but no rows is refused too.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import IO

import pandas as pd
from django.db.models import Model
from django.utils.translation import gettext as _
from python_calamine import CalamineError

from fundmgr import sentences
from fundmgr.money import NotMoney, UnknownCurrency, decimal_from_text, minor_units
from fundmgr.sentences import Said, Sentence
from fundmgr.workbook_guard import check_workbook

SUPPORTED = (".csv", ".xlsx")
#: A number read from a file has fewer digits before the point than this:
#: ten thousand billion, in any currency, is beyond any pledge or transfer, and
#: what it converts to at any accepted rate still fits the ledger's columns
#: (DecimalField max_digits=20, 3 decimals).
MAX_INTEGER_DIGITS = 13
#: A number written with more characters than this is refused unread.
MAX_NUMBER_LENGTH = 40
#: What the reader itself raises on a file it cannot make sense of.
_UNREADABLE = (
    ValueError,  # pandas' ParserError and EmptyDataError, UnicodeDecodeError, WorkbookRefused
    OSError,
    csv.Error,
    CalamineError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    IndexError,
    OverflowError,
    NotImplementedError,
    RecursionError,
)


@dataclass
class Row:
    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class RowError:
    line: int
    #: What the product says (a ``Sentence``: a background job keeps its code,
    #: read in each reader's language), or text.
    message: Said

    def __str__(self) -> str:
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class FileRejected(Exception):
    """The file was not imported; ``errors`` say where and why."""

    errors: list[RowError] = field(default_factory=list)
    name: str = ""

    def __str__(self) -> str:
        return "\n".join([str(self.verdict()), *(str(error) for error in self.errors)])

    def verdict(self) -> Sentence:
        """The first line: the file was not imported."""
        return Sentence(sentences.NOT_IMPORTED, {"name": self.name})


def _cell(value) -> str:
    if type(value) is str:  # the usual case (every CSV cell): no other check needed
        return value.strip()
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
    header, cells = _open(source, columns, name)
    for line, values in cells:
        yield Row(line, dict(zip(header, values, strict=True)))


def read_values(
    source: str | Path | IO[bytes],
    columns: list[str],
    *,
    name: str | None = None,
    kind: str | None = None,
) -> Iterator[tuple[int, tuple[str, ...]]]:
    """``read_rows`` for large files: each row as its line number and the
    values of ``columns`` only, in that order (no dict per row).

    The same checks, the same values and the same blank lines skipped as
    ``read_rows``; a column repeated in the header is read where ``read_rows``
    would read it (its last occurrence). ``kind`` ("csv" or "xlsx"), when the
    caller recognised the file by its content, is used instead of the name's
    suffix.
    """
    header, cells = _open(source, columns, name, kind)
    position = {column: index for index, column in enumerate(header)}
    wanted = [position[column] for column in columns]
    if len(wanted) == 1:
        (only,) = wanted
        for line, values in cells:
            yield line, (values[only],)
        return
    pick = itemgetter(*wanted)
    for line, values in cells:
        yield line, pick(values)


def _open(
    source: str | Path | IO[bytes], columns: list[str], name: str | None, kind: str | None = None
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The file's header (checked for ``columns``) and its non-blank rows."""
    name = name or str(getattr(source, "name", source))
    suffix = f".{kind}" if kind else Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise FileRejected(
            [RowError(0, Sentence(sentences.NOT_CSV_OR_XLSX, {"suffix": suffix or "?"}))],
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
            workbook = io.BytesIO(_read_all(source))
            check_workbook(workbook)
            workbook.seek(0)
            frame = pd.read_excel(workbook, engine="calamine", dtype=object)
    except _UNREADABLE as unreadable:
        raise FileRejected(
            [RowError(0, Sentence(sentences.UNREADABLE, {"error": _short(unreadable)}))],
            name,
        ) from unreadable
    header = [str(column).strip().lower() for column in frame.columns]
    missing = [column for column in columns if column not in header]
    if missing:
        raise FileRejected(
            [RowError(1, Sentence(sentences.MISSING_COLUMNS, {"columns": ", ".join(missing)}))],
            name,
        )
    return header, _cells(frame, header, name)


def _read_all(source: str | Path | IO[bytes]) -> bytes:
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    if hasattr(source, "seek"):
        source.seek(0)
    return source.read()


def _short(error: BaseException) -> str:
    """An error's message, kept short: it may quote the file."""
    text = str(error) or type(error).__name__
    return text if len(text) <= 300 else text[:300] + "…"


def _cells(frame: pd.DataFrame, header: list[str], name: str) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank row's cells as strings, with its line number. A row is
    blank when every column a row's values are read from is empty (of a
    column repeated in the header, its last occurrence). A file with no
    such row is refused when the rows are all read: a header alone, or a
    sheet that has nothing under it, is a mistake, never "nothing to do"."""
    last = {column: index for index, column in enumerate(header)}
    read = None if len(last) == len(header) else itemgetter(*last.values())
    found = False
    damaged: list[RowError] = []
    for index, record in enumerate(frame.itertuples(index=False, name=None)):
        values = [_cell(value) for value in record]
        if not any(values if read is None else _as_tuple(read(values))):
            continue  # blank line
        found = True
        if any("\x00" in value for value in values):
            # Never text (PostgreSQL refuses it in any column): a damaged file.
            damaged.append(RowError(index + 2, Sentence(sentences.NUL_CHARACTER)))
            if len(damaged) > 100:
                break
        yield index + 2, values
    # Raised once every row is read, and so before any importer saves.
    if damaged:
        raise FileRejected(damaged, name)
    if not found:
        raise FileRejected([RowError(0, Sentence(sentences.NO_ROWS))], name)


def _as_tuple(picked) -> tuple:
    return picked if isinstance(picked, tuple) else (picked,)


_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(text: str) -> datetime.date:
    """ISO dates (YYYY-MM-DD) only: spreadsheets' local formats are ambiguous."""
    match = _DATE.match(text.strip())
    if not match:
        raise ValueError(Sentence(sentences.NOT_A_DATE, {"value": text}))
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError as bad:
        raise ValueError(Sentence(sentences.NOT_A_REAL_DATE, {"value": text})) from bad


def shown(text: str, limit: int = 40) -> str:
    """A value from the file as a message quotes it: at most ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_decimal(text: str) -> Decimal:
    """A finite number of at most MAX_INTEGER_DIGITS digits before the point,
    or ValueError saying why not (1e30, NaN, "1,000.00.00", 40 nines...)."""
    if len(text.strip()) > MAX_NUMBER_LENGTH:
        raise ValueError(
            Sentence(sentences.NUMBER_TOO_LONG, {"value": shown(text), "max": MAX_NUMBER_LENGTH})
        )
    try:
        value = decimal_from_text(text)
    except ValueError as bad:
        if "," in text:
            raise
        raise ValueError(Sentence(sentences.NOT_A_NUMBER, {"value": shown(text)})) from bad
    if not value.is_finite():
        raise ValueError(Sentence(sentences.NOT_A_NUMBER, {"value": shown(text)}))
    if value and value.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValueError(
            Sentence(sentences.NUMBER_TOO_LARGE, {"value": shown(text), "max": MAX_INTEGER_DIGITS})
        )
    return value


def parse_currency(text: str) -> str:
    """An ISO 4217 code of money (``fundmgr.money.minor_units``'s rule), upper
    case, or ValueError with the message to show."""
    code = text.strip().upper()
    try:
        minor_units(code)
    except NotMoney:
        raise ValueError(Sentence(sentences.NOT_MONEY, {"code": code})) from None
    except UnknownCurrency:
        raise ValueError(Sentence(sentences.UNKNOWN_CURRENCY, {"code": shown(text)})) from None
    return code


def max_length(model: type[Model], field: str) -> int:
    """The ``max_length`` of one of ``model``'s text fields: the longest value an
    import or a form may bring for it."""
    limit = model._meta.get_field(field).max_length
    if limit is None:
        raise TypeError(f"{model.__name__}.{field} has no max_length")
    return limit
