"""The exporter framework: every XLSX export the product writes is an
``Exporter`` made of ``Sheet`` classes, written by ``fundmgr.spreadsheet``.

As pretix's multi-sheet exporters do: an exporter lists its sheets in one
place (``Exporter.sheets``, in order); each sheet is one class with its
layout (title, column widths, header rows), its rows as generators (the
header, the data rows, the rows after them) and its own checks; the
framework writes them, counts the data rows, puts the autofilter over the
table, reports progress and collects the checks. A new sheet is one new
class added to its exporter's list.

- ``head()`` yields the rows above the data (by default the bold
  ``headings()``); they are frozen and repeated on every printed page.
- ``rows()`` yields the data rows, read as they are written (a generator
  over the database in chunks); each is counted for progress and for the
  summary, and the table (header and data rows) gets an autofilter.
- ``foot()`` yields what follows: totals as live formulas (``Formula``).
- ``checks()`` returns the sheet's tie-outs (``Check``): two references that
  must agree. A ``ChecksSheet`` in the exporter's list writes every other
  sheet's checks, in the sheets' order, each as ``=ROUND(left-right,
  places)=0`` reading TRUE, and a last row ``AND`` of all.

While a generator runs, ``sheet.row`` is the number of the last row written,
so the next row yielded is ``sheet.row + 1``, and ``sheet.ref(column, row)``
is an absolute reference to a cell that other sheets' formulas can use.

Exporters register themselves (``@register``) from their app's module,
imported by the app's ``ready()``: the core knows no app, and
``exporter(identifier)`` finds any of them.

One money format for every export (``fundmgr.spreadsheet.money_format``):
accounting, with the currency code and its minor unit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, ClassVar

from django.utils.translation import gettext as _

from fundmgr.money import minor_units
from fundmgr.progress import EVERY_ROWS
from fundmgr.spreadsheet import (
    BOLD,
    Book,
    Cell,
    Formula,
    TextWorksheet,
    money,
    quote_sheetname,
)
from fundmgr.spreadsheet import money_format as money_format  # the one money format

#: ``progress(done, total)``: rows written of rows to write.
Progress = Callable[[int, int], None]

#: Progress is reported every so many data rows, and at the end of each sheet.
PROGRESS_EVERY = EVERY_ROWS


@dataclass(frozen=True)
class Check:
    """A tie-out: ``left`` and ``right`` (references to cells, or a Formula)
    must agree to the currency's minor unit. ``currency`` is the exporter's
    when not given."""

    label: str
    left: str
    right: str
    currency: str | None = None


@dataclass
class Summary:
    """What was written: data rows per sheet (not headers or totals) and,
    for each check, its label."""

    rows: dict[str, int] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class Sheet:
    """One sheet of an export. Subclasses set ``widths`` and ``header_rows``
    and define ``title()``, ``headings()`` (or ``head()``), ``rows()``, and
    where they have them ``foot()``, ``checks()`` and ``expected_rows()``."""

    #: Column widths, in characters.
    widths: ClassVar[Sequence[float]] = ()
    #: The rows above the data: frozen, and repeated on every printed page.
    header_rows: ClassVar[int] = 1
    #: Whether the table (header and data rows) gets an autofilter.
    filtered: ClassVar[bool] = True

    def __init__(self, export: Exporter):
        self.export = export
        self.row = 0
        self.data_rows = 0
        self.worksheet: TextWorksheet | None = None
        self._title: str | None = None

    # --- What a sheet defines ---------------------------------------------------

    def title(self) -> str:
        raise NotImplementedError

    def headings(self) -> Sequence[str]:
        return ()

    def head(self) -> Iterator[Sequence]:
        """The rows above the data: by default the headings, bold."""
        yield [Cell(heading, BOLD) for heading in self.headings()]

    def rows(self) -> Iterator[Sequence]:
        """The data rows."""
        return iter(())

    def foot(self) -> Iterator[Sequence]:
        """The rows after the data (totals)."""
        return iter(())

    def checks(self) -> Iterable[Check]:
        """This sheet's tie-outs, asked once every sheet is written."""
        return ()

    def expected_rows(self) -> int:
        """How many data rows ``rows()`` will yield, for the progress bar
        (counted before anything is written); 0 when not known."""
        return 0

    # --- What a sheet uses --------------------------------------------------------

    @property
    def name(self) -> str:
        """The title as stored (Excel's limit is 31 characters)."""
        if self._title is None:
            self._title = str(self.title())[:31]
        return self._title

    def ref(self, column: str, row: int) -> str:
        """An absolute reference to one of this sheet's cells from another sheet."""
        return f"{quote_sheetname(self.name)}!${column}${row}"


def span(last: int) -> tuple[int, int]:
    """The data rows 2..last of a table; with no data, the header row alone, so
    a total over it is still a formula (text sums to 0) and never refers to
    its own cell."""
    return (2, last) if last >= 2 else (1, 1)


def sum_of(column: str, first: int, last: int) -> Formula:
    """``=SUM`` of a column's rows first..last; with none, of the row above."""
    lo, hi = (first, last) if last >= first else (first - 1, first - 1)
    return Formula(f"=SUM({column}{lo}:{column}{hi})")


class ChecksSheet(Sheet):
    """Every other sheet's checks, one a row: the tie-out, its left and right
    (formulas over the other sheets) and whether they agree to the currency's
    minor unit; a last row says whether every check holds."""

    widths = (64, 22, 22, 10)
    filtered = False

    def title(self) -> str:
        return _("Checks")

    def headings(self):
        return [_("Tie-out"), _("Left"), _("Right"), _("Holds")]

    def rows(self):
        for check in self.export.all_checks():
            currency = check.currency or self.export.currency
            style = money(currency)
            n = self.row + 1
            yield [
                check.label,
                Cell(Formula(_formula(check.left)), style),
                Cell(Formula(_formula(check.right)), style),
                Cell(Formula(f"=ROUND(B{n}-C{n},{minor_units(currency)})=0"), BOLD),
            ]
            self.export.summary.checks.append(check.label)

    def foot(self):
        yield [
            Cell(_("Every check holds"), BOLD),
            None,
            None,
            Cell(Formula(f"=AND(D2:D{self.row})"), BOLD),
        ]


def _formula(reference: str) -> str:
    return reference if reference.startswith("=") else f"={reference}"


class Exporter:
    """An export: its sheets, in order, written to one XLSX file.

    A subclass sets ``identifier`` and ``sheets``, takes what it exports in
    its constructor, and may compute what its sheets share in ``prepare()``
    (called before anything is counted or written)."""

    identifier: ClassVar[str] = ""
    sheets: ClassVar[Sequence[type[Sheet]]] = ()
    #: The currency of the checks (and of amounts, where a sheet says so).
    currency: str = "USD"
    summary_class: ClassVar[type[Summary]] = Summary

    def prepare(self) -> None:
        """Read what several sheets need, once."""

    def make_summary(self) -> Summary:
        return self.summary_class()

    def all_checks(self) -> Iterator[Check]:
        for sheet in self._sheets:
            if not isinstance(sheet, ChecksSheet):
                yield from sheet.checks()

    def sheet(self, sheet_class: type[Sheet]) -> Sheet:
        """This export's instance of ``sheet_class`` (for another sheet's references)."""
        for sheet in self._sheets:
            if type(sheet) is sheet_class:
                return sheet
        raise LookupError(sheet_class.__name__)

    def write(self, destination: str | IO[bytes], *, progress: Progress | None = None) -> Summary:
        """Write every sheet to ``destination`` (a path or a binary file
        object); ``progress(done, total)`` is called as rows and sheets are
        written, and last with ``done == total``."""
        self.prepare()
        self.summary = self.make_summary()
        self._sheets = [sheet_class(self) for sheet_class in self.sheets]
        expected = [sheet.expected_rows() for sheet in self._sheets]
        total = sum(expected) + len(self._sheets)
        book = Book(destination)
        base = 0
        for sheet, count in zip(self._sheets, expected, strict=True):
            self._write_sheet(book, sheet, base, count, total, progress)
            base += count + 1
            if progress:
                progress(min(base, total), total)
        book.close()
        if progress:
            progress(total, total)
        return self.summary

    def _write_sheet(self, book, sheet, base, count, total, progress) -> None:
        worksheet = book.add_sheet(sheet.name, widths=sheet.widths, header_rows=sheet.header_rows)
        sheet.worksheet = worksheet
        append = worksheet.append
        for values in sheet.head():
            sheet.row = append(values)
        header = sheet.row
        widest = 0
        data = 0
        every = PROGRESS_EVERY
        for values in sheet.rows():
            sheet.row = append(values)
            data += 1
            if len(values) > widest:
                widest = len(values)
            if progress and data % every == 0:
                progress(base + min(data, count), total)
        sheet.data_rows = data
        last = sheet.row
        for values in sheet.foot():
            sheet.row = append(values)
        if sheet.filtered and header:
            columns = len(sheet.headings()) or widest
            worksheet.autofilter(header - 1, 0, max(last, header) - 1, max(columns, 1) - 1)
        self.summary.rows[sheet.name] = data


#: Every exporter, by identifier (``register``).
_registry: dict[str, type[Exporter]] = {}


def register(exporter_class: type[Exporter]) -> type[Exporter]:
    """Class decorator: make an exporter known by its identifier."""
    if not exporter_class.identifier:
        raise ValueError(f"{exporter_class.__name__} has no identifier")
    known = _registry.get(exporter_class.identifier)
    if known is not None and known is not exporter_class:
        raise ValueError(f"two exporters are called {exporter_class.identifier!r}")
    _registry[exporter_class.identifier] = exporter_class
    return exporter_class


def exporter(identifier: str) -> type[Exporter]:
    """The exporter registered as ``identifier`` (KeyError if none)."""
    return _registry[identifier]


def registered() -> dict[str, type[Exporter]]:
    return dict(_registry)
