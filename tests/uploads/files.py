"""Files of every wrong kind, for the importers' refusal and fuzz tests."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable


def csv_bytes(header: Iterable[str], *rows: Iterable[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx(header: Iterable[str], *rows: Iterable[object]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_with_a_far_cell(header, *rows, row: int = 1_048_576, column: int = 16_384) -> bytes:
    """A valid workbook with one more cell, far away: a few KB that calamine
    would lay out as rows x columns cells (half a terabyte at XFD1048576)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header))
    for values in rows:
        sheet.append(list(values))
    sheet.cell(row=row, column=column, value="x")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezip(parts: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def sheet_without_references(header: list[str], width: int, blank_rows: int) -> bytes:
    """A workbook whose sheet places cells one after the other, without ``r``
    references (valid OOXML): a wide first row, many empty rows, a last cell."""

    def inline(text: str) -> bytes:
        return f'<c t="inlineStr"><is><t>{text}</t></is></c>'.encode()

    first = b"".join(inline(name) for name in header) + inline("x") * (width - len(header))
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData><row>"
        + first
        + b"</row>"
        + b"<row/>" * blank_rows
        + b"<row>"
        + inline("y")
        + b"</row></sheetData></worksheet>"
    )
    parts = members(xlsx(header))
    parts["xl/worksheets/sheet1.xml"] = xml
    return rezip(parts)


def with_doctype(data: bytes) -> bytes:
    """The workbook with a billion-laughs DTD in its sheet."""
    parts = members(data)
    sheet = parts["xl/worksheets/sheet1.xml"]
    laughs = (
        b'<!DOCTYPE worksheet [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    root = sheet.index(b"<worksheet")
    parts["xl/worksheets/sheet1.xml"] = sheet[:root] + laughs + sheet[root:]
    return rezip(parts)


def expanding_to(data: bytes, size: int) -> bytes:
    """The workbook with one more member that inflates to ``size`` bytes of zeros."""
    parts = members(data)
    parts["xl/media/padding.bin"] = bytes(size)
    return rezip(parts)


def with_a_bad_crc(data: bytes, member: str) -> bytes:
    """The ZIP with one byte of ``member``'s stored data changed (so its CRC
    no longer matches); the member must be stored, not deflated."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    assert info.compress_type == zipfile.ZIP_STORED
    broken = bytearray(data)
    name_length = int.from_bytes(
        broken[info.header_offset + 26 : info.header_offset + 28], "little"
    )
    extra_length = int.from_bytes(
        broken[info.header_offset + 28 : info.header_offset + 30], "little"
    )
    start = info.header_offset + 30 + name_length + extra_length
    broken[start + info.file_size // 2] ^= 0xFF
    return bytes(broken)


def zip_of(parts: dict[str, bytes]) -> bytes:
    return rezip(parts, zipfile.ZIP_STORED)
