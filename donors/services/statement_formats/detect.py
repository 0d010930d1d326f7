"""Which format a bank statement file is in, told by its first bytes.

- an XLSX workbook is a ZIP (``PK\\x03\\x04``);
- CAMT.053 is XML: after any byte-order mark and white space, ``<`` (its
  namespace is checked by ``camt053.read``, which refuses any other XML);
- MT940 has a ``:20:``, a ``:25:`` and a ``:60F:``/``:60M:`` tag at the
  start of a line (after any SWIFT header such as ``{1:F01...}``);
- anything else is read as the file's name says (CSV or XLSX), so a file
  that is none of these gets the CSV importer's message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from donors.services.statement_formats import Record, camt053, swift_mt940
from fundmgr.tabular import FileRejected, RowError, read_values

XLSX, CAMT053, MT940, BY_NAME = "xlsx", "camt053", "mt940", ""
#: How much of the file is looked at.
HEAD_BYTES = 64 * 1024
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def detect(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return XLSX
    if head.startswith(_BOMS[1:]):
        return CAMT053  # UTF-16: only XML is written so
    text = head.removeprefix(_BOMS[0]).lstrip()
    if text.startswith(b"<"):
        return CAMT053
    if swift_mt940.looks_like(head.decode("latin-1")):
        return MT940
    return BY_NAME


def _read_head(handle: IO[bytes]) -> bytes:
    if hasattr(handle, "seek"):
        handle.seek(0)
    head = handle.read(HEAD_BYTES)
    if hasattr(handle, "seek"):
        handle.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def read_statement(
    source: str | Path | IO[bytes],
    columns: list[str],
    name: str,
    errors: list[RowError],
    skipped: list[str],
    stack: ExitStack,
) -> tuple[str, Iterator[Record]]:
    """The format and the records of a statement file (a path or a binary
    file); files opened here are closed by ``stack``."""
    if isinstance(source, str | Path):
        try:
            handle = stack.enter_context(Path(source).open("rb"))
        except OSError as unreadable:
            raise FileRejected(
                [RowError(0, str(unreadable.strerror or unreadable))], name
            ) from unreadable
    else:
        handle = source
    kind = detect(_read_head(handle))
    if kind == CAMT053:
        return kind, camt053.read(handle, name, errors, skipped)
    if kind == MT940:
        return kind, swift_mt940.read(handle.read(), name, errors, skipped)
    rows = read_values(handle, columns, name=name, kind=kind or None)
    return kind or "csv", (Record(line, values) for line, values in rows)
