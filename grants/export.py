"""The officer queue as an Excel workbook: every row the filters match, not one
page. openpyxl's write-only mode streams rows to a temporary file (deleted when
the response is closed), so 20,000 grants never sit in memory as cells, and the
rows come from the database in chunks as plain values (``queries.export_rows``).

The sheet has a frozen header with an autofilter, amounts in the fund's
currency with its minor unit ('#,##0.00 "USD"'), and a totals row whose
amounts are live SUM formulas over the rows above. Every other cell is text,
whatever its first character (``fundmgr.spreadsheet``).

Beside the grant's own figures, what the ledger says of it (approved,
advanced, actual cost, PSC charged, owed by the traveller, refunded, balance
paid to the traveller: ``queries.grant_money``, one query for every row) and
whether its travel claim is overdue."""

from __future__ import annotations

import datetime
import tempfile
from dataclasses import dataclass

from babel import Locale
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from fundmgr.formatting import babel_locale
from fundmgr.models import Event
from fundmgr.models.countries import Region
from fundmgr.money import minor_units
from fundmgr.spreadsheet import Formula, TextCell, add_text_sheet
from grants.models import Gender, GrantState, Priority
from grants.queries import (
    GrantMoney,
    QueueFilters,
    claim_overdue,
    claim_period,
    event_grants,
    export_rows,
    grant_money,
)

BOLD = Font(bold=True)


def money_format(currency: str) -> str:
    """Excel number format for amounts in ``currency``: '#,##0.00 "USD"', '#,##0 "JPY"'."""
    places = minor_units(currency)
    return f'#,##0{"." + "0" * places if places else ""} "{currency}"'


def _cell(sheet, value, *, bold: bool = False, number_format: str | None = None):
    cell = TextCell(sheet, value=value)
    if bold:
        cell.font = BOLD
    if number_format:
        cell.number_format = number_format
    return cell


def _columns() -> list[tuple[str, int, bool]]:
    """(heading, width, is money) in the order of ``export_rows`` as written."""
    return [
        (_("Reference"), 16, False),
        (_("Delegate"), 28, False),
        (_("Title or function"), 26, False),
        (_("Gender"), 14, False),
        (_("ISO code"), 9, False),
        (_("Country"), 24, False),
        (_("Region"), 12, False),
        (_("Eligibility"), 36, False),
        (_("LDC on the eligibility date"), 12, False),
        (_("State"), 14, False),
        (_("Estimated cost"), 16, True),
        (_("PSC"), 14, True),
        (_("Open commitment"), 16, True),
        # From the ledger (queries.grant_money).
        (_("Approved"), 16, True),
        (_("Advanced"), 16, True),
        (_("Actual cost"), 16, True),
        (_("PSC charged"), 14, True),
        (_("Owed by the traveller"), 16, True),
        (_("Refunded"), 14, True),
        (_("Balance paid to the traveller"), 16, True),
        (_("Claim overdue"), 10, False),
    ]


@dataclass(frozen=True)
class _Claim:
    """The two fields ``claim_overdue`` reads, from an exported row."""

    state: str
    return_on: datetime.date


def queue_workbook(event: Event, filters: QueueFilters):
    """Write the workbook to a temporary file and return it open at the start."""
    currency = event.fund.base_currency
    number_format = money_format(currency)
    columns = _columns()
    money_columns = [i for i, (_h, _w, is_money) in enumerate(columns) if is_money]
    book = Workbook(write_only=True)
    # Outside text (names, titles) is written as text; only a Formula is a formula.
    sheet = add_text_sheet(book, event.code[:31])
    # Write-only sheets take their layout before the first row.
    sheet.freeze_panes = "A2"
    for index, (_heading, width, _money) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([_cell(sheet, heading, bold=True) for heading, *_ in columns])

    # Labels once, not per row: in the reader's language.
    countries = Locale.parse(babel_locale()).territories
    genders = {value: str(label) for value, label in Gender.choices}
    regions = {value: str(label) for value, label in Region.choices}
    states = {value: str(label) for value, label in GrantState.choices}
    priorities = {value: str(label) for value, label in Priority.choices}
    yes, no = _("yes"), _("no")

    def money(value):
        return _cell(sheet, value, number_format=number_format)

    # What the ledger says of every matching grant: one query, before the rows stream.
    ledger = grant_money(event.fund_id, event_grants(event, filters), currency)
    nothing = GrantMoney()
    days, today = claim_period(event), timezone.localdate()

    rows = 0
    for (
        pk,
        reference,
        name,
        title,
        gender,
        iso2,
        country,
        region,
        priority,
        ldc,
        state,
        cost,
        psc,
        committed,
        return_on,
    ) in export_rows(event, filters):
        rows += 1
        books = ledger.get(pk, nothing)
        overdue = claim_overdue(_Claim(state, return_on), days, today)
        sheet.append(
            [
                reference,
                name,
                title,
                genders.get(gender, gender),
                iso2,
                countries.get(iso2, country),
                regions.get(region, ""),
                priorities.get(priority, priority),
                yes if ldc else no,
                states.get(state, state),
                money(cost),
                money(psc),
                money(committed),
                money(books.approved),
                money(books.advanced),
                money(books.actual),
                money(books.psc),
                money(books.owed_by_traveller),
                money(books.refunded),
                money(books.paid_to_traveller),
                yes if overdue else no,
            ]
        )
    last = rows + 1
    totals: list = [_cell(sheet, _("Total"), bold=True)]
    totals += [None] * (len(columns) - 1)
    for index in money_columns:
        letter = get_column_letter(index + 1)
        formula = Formula(f"=SUM({letter}2:{letter}{last})") if rows else 0
        totals[index] = _cell(sheet, formula, bold=True, number_format=number_format)
    sheet.append(totals)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"

    about = add_text_sheet(book, _("About")[:31])
    for label, value in [
        (_("Fund"), f"{event.fund.code} – {event.fund.name}"),
        (_("Event"), f"{event.code} – {event.name}"),
        (_("Amounts in"), currency),
        (_("Rows"), rows),
        (_("Filters"), _describe(filters) or _("none")),
        (_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")),
    ]:
        about.append([_cell(about, label, bold=True), value])

    handle = tempfile.TemporaryFile(suffix=".xlsx")
    book.save(handle)
    handle.seek(0)
    return handle


def _describe(filters: QueueFilters) -> str:
    labels = {
        "state": _("state"),
        "country": _("country"),
        "region": _("region"),
        "ldc": _("LDC"),
        "gender": _("gender"),
        "overdue": _("claims overdue"),
    }
    return "; ".join(
        f"{label} = {getattr(filters, name)}"
        for name, label in labels.items()
        if getattr(filters, name)
    )
