"""What an uploaded XLSX must be before calamine reads it.

calamine (Rust, behind pandas) is fast and does not expand XML entities, but
it trusts a workbook's shape: it lays a sheet out as one dense block from A1
to the farthest cell, so a 5 KB file naming a cell at XFD1048576 asks for
half a terabyte and the allocation failure aborts the whole process (no
exception to catch). And an XLSX is a ZIP: 10 MB of deflated XML can stand
for gigabytes. So, in Python and before calamine, a workbook is refused when:

- it is not a ZIP holding ``xl/workbook.xml`` (a CSV renamed .xlsx, random
  bytes, an ODS or an old .xls);
- its members would expand beyond MAX_UNCOMPRESSED_BYTES (sizes as declared:
  Python's zipfile and calamine's zip crate both stop at the declared size,
  and a member longer or different than declared fails its CRC check);
- a member is corrupt (CRC, deflate stream), encrypted or compressed in a
  way zipfile cannot read;
- an XML part has a DOCTYPE (never in a real workbook: entity expansion) or
  is not well-formed;
- a sheet reaches farther than MAX_CELLS cells (rows x columns of the block
  calamine would allocate), counting cells placed by their ``r`` reference and
  those placed one after the other without it, as calamine does.

Each refusal is a ``WorkbookRefused`` with a message for the person.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

#: The sum of the members' sizes once inflated; a 100,000-line statement is about 30 MB.
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
#: Rows x columns of a sheet's block (e.g. 200,000 rows of 15 columns).
MAX_CELLS = 3_000_000
MAX_MEMBERS = 10_000
_CHUNK = 1 << 20
_REFERENCE = re.compile(r"^\$?([A-Za-z]{0,3})\$?(\d{0,7})$")
#: Parts calamine may read as XML (a sheet's relationship must point at one).
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_SHEET_KINDS = {"worksheet", "chartsheet", "dialogsheet", "macrosheet"}


class WorkbookRefused(ValueError):
    """The XLSX cannot be read safely; the message says why."""


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


class _Extent:
    """Tracks the farthest row and column of one XML part, as calamine places cells."""

    def __init__(self, name: str):
        self.name = name
        self.row = self.column = 0
        self.rows = self.columns = 0

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        local = tag.rpartition(" ")[2]  # "namespace local" (expat's namespace separator)
        if local == "row":
            given = attributes.get("r", "")
            self.row = int(given) if given.isdigit() and len(given) <= 9 else self.row + 1
            self.column = 0
        elif local == "c":
            match = _REFERENCE.match(attributes.get("r", ""))
            if match and match.group(1):
                self.column = _column_number(match.group(1))
            else:
                self.column += 1
            if match and match.group(2):
                self.row = max(self.row, int(match.group(2)))
            elif "r" in attributes:  # a reference calamine cannot place: be conservative
                raise WorkbookRefused(
                    _("the cell reference “%(ref)s” in %(part)s is not a cell")
                    % {"ref": attributes["r"][:20], "part": self.name}
                )
        elif local == "Relationship":
            kind = attributes.get("Type", "").rpartition("/")[2]
            target = attributes.get("Target", "")
            if kind in _SHEET_KINDS and not target.lower().endswith(".xml"):
                # calamine would read it as a sheet, and this check would not have.
                raise WorkbookRefused(
                    _("a sheet of the workbook is not an XML part: “%(target)s”")
                    % {"target": target[:100]}
                )
            return
        else:
            return
        self.rows = max(self.rows, self.row)
        self.columns = max(self.columns, self.column)
        if self.rows * self.columns > MAX_CELLS:
            raise WorkbookRefused(
                _(
                    "a sheet reaches row %(rows)s and column %(columns)s: a range larger "
                    "than the %(max)s cells an import reads; delete the unused rows and columns "
                    "(or save the sheet as CSV)"
                )
                % {
                    "rows": f"{self.rows:,}",
                    "columns": f"{self.columns:,}",
                    "max": f"{MAX_CELLS:,}",
                }
            )


def _refuse_doctype(*_args) -> None:
    raise WorkbookRefused(
        _("the workbook contains an XML document type (DTD), which is not allowed")
    )


def _scan_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    from xml.parsers import expat

    extent = _Extent(info.filename[:100])
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.StartElementHandler = extent.start
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as bad:
        raise WorkbookRefused(
            _("part %(part)s of the workbook is not well-formed XML: %(error)s")
            % {"part": info.filename[:100], "error": bad}
        ) from bad


def _check_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Read the member through (its CRC is checked at the end), scanning XML parts."""
    if info.filename.lower().endswith(_XML_SUFFIXES):
        _scan_xml(archive, info)
        return
    with archive.open(info) as member:
        while member.read(_CHUNK):
            pass


def check_workbook(source: IO[bytes]) -> None:
    """Refuse, with WorkbookRefused, an XLSX calamine should not be given.

    ``source`` is a seekable binary file; it is read, not closed."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as bad:
        raise WorkbookRefused(
            _("it is not an XLSX workbook (an XLSX file is a ZIP archive): %(error)s")
            % {"error": bad}
        ) from bad
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise WorkbookRefused(
                _("the workbook holds more than %(max)d parts") % {"max": MAX_MEMBERS}
            )
        names = {info.filename for info in members}
        if "xl/workbook.xml" not in names:
            raise WorkbookRefused(
                _("it is a ZIP file but not an XLSX workbook (it has no xl/workbook.xml)")
            )
        total = sum(info.file_size for info in members)
        if total > MAX_UNCOMPRESSED_BYTES:
            megabytes = MAX_UNCOMPRESSED_BYTES // (1024 * 1024)
            raise WorkbookRefused(
                ngettext(
                    "the workbook would expand to more than %(max)d megabyte",
                    "the workbook would expand to more than %(max)d megabytes",
                    megabytes,
                )
                % {"max": megabytes}
            )
        for info in members:
            if info.is_dir():
                continue
            try:
                _check_member(archive, info)
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                OSError,
                NotImplementedError,
                RuntimeError,  # encrypted
                ValueError,
            ) as bad:
                if isinstance(bad, WorkbookRefused):
                    raise
                raise WorkbookRefused(
                    _("part %(part)s of the workbook cannot be read: %(error)s")
                    % {"part": info.filename[:100], "error": bad}
                ) from bad
