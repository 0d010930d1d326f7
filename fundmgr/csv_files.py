"""CSV files in which outside text is data: the one place the product writes CSV.

Every field is quoted, and a text starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return is prefixed with a single quote (OWASP's CSV injection
guidance, docs/security.md), so a donor's name or a username such as
``=HYPERLINK(...)`` reaches a spreadsheet as text. Amounts are decimal text
(never floats: ``1234.50``, no thousands separator, whatever the language).
The file starts with a byte order mark, so that Excel reads the UTF-8 (names
in any script).

``csv_file`` builds a small file in memory (the public contributions tables);
``csv_stream`` yields a large one line by line for a streamed response (the
audit trail), so memory does not grow with the rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

#: What starts a formula in a spreadsheet that opens the CSV.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Excel reads UTF-8 only after this mark.
BOM = "\ufeff"


def csv_field(value) -> str:
    """One CSV field: an amount as decimal text, a text made inert."""
    if isinstance(value, Decimal | int):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_file(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    return b"".join(csv_stream(header, rows))


def csv_stream(
    header: Sequence[str], rows: Iterable[Sequence], *, block: int = 64 * 1024
) -> Iterator[bytes]:
    """The file as UTF-8 bytes, the byte order mark and header first, then the
    rows as they are read, in blocks of about ``block`` characters (a write
    to the client per block, not per line)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    out.write(BOM)
    writer.writerow([csv_field(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_field(cell) for cell in row])
        if out.tell() >= block:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")
