"""The officer queue as an Excel workbook: every row the filters match, not one
page, written by the exporter framework (``fundmgr.exporters``): a sheet of
grants and an About sheet. The rows stream to a temporary file (deleted when
the response is closed), so 20,000 grants never sit in memory as cells, and
they come from the database in chunks as plain values (``queries.export_rows``).

The sheet has a frozen header with an autofilter, amounts in the one money
format of every export (accounting, the fund's currency with its minor unit:
'#,##0.00 "USD";-#,##0.00 "USD"'), and a totals row whose amounts are live
SUM formulas over the rows above. Every other cell is text, whatever its
first character (``fundmgr.spreadsheet``).

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

from fundmgr.exporters import Exporter, Sheet, register
from fundmgr.formatting import babel_locale
from fundmgr.models import Event
from fundmgr.models.countries import Region
from fundmgr.spreadsheet import BOLD, Cell, Formula, column_letter, money
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


class QueueSheet(Sheet):
    """One row per grant the filters match, then the totals of the money."""

    def title(self):
        return self.export.event.code

    @property
    def widths(self):
        return [width for _heading, width, _money in _columns()]

    def headings(self):
        return [heading for heading, _width, _money in _columns()]

    def rows(self):
        e = self.export
        event, filters = e.event, e.filters
        # Labels once, not per row: in the reader's language.
        countries = Locale.parse(babel_locale()).territories
        genders = {value: str(label) for value, label in Gender.choices}
        regions = {value: str(label) for value, label in Region.choices}
        states = {value: str(label) for value, label in GrantState.choices}
        priorities = {value: str(label) for value, label in Priority.choices}
        yes, no = _("yes"), _("no")
        amount = money(e.currency)
        # What the ledger says of every matching grant: one query, before the rows stream.
        ledger = grant_money(event.fund_id, event_grants(event, filters), e.currency)
        nothing = GrantMoney()
        days, today = claim_period(event), timezone.localdate()
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
            books = ledger.get(pk, nothing)
            overdue = claim_overdue(_Claim(state, return_on), days, today)
            yield (
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
                Cell(cost, amount),
                Cell(psc, amount),
                Cell(committed, amount),
                Cell(books.approved, amount),
                Cell(books.advanced, amount),
                Cell(books.actual, amount),
                Cell(books.psc, amount),
                Cell(books.owed_by_traveller, amount),
                Cell(books.refunded, amount),
                Cell(books.paid_to_traveller, amount),
                yes if overdue else no,
            )

    def foot(self):
        columns = _columns()
        last = self.row
        total = money(self.export.currency, bold=True)
        totals: list = [Cell(_("Total"), BOLD)] + [None] * (len(columns) - 1)
        for index, (_heading, _width, is_money) in enumerate(columns):
            if is_money:
                letter = column_letter(index)
                formula = Formula(f"=SUM({letter}2:{letter}{last})") if last > 1 else 0
                totals[index] = Cell(formula, total)
        self.export.rows = last - 1
        yield totals


class AboutSheet(Sheet):
    """What the export holds: fund, event, currency, rows, filters, when."""

    header_rows = 0
    filtered = False

    def title(self):
        return _("About")

    def head(self):
        return iter(())

    def rows(self):
        e = self.export
        event = e.event
        for label, value in [
            (_("Fund"), f"{event.fund.code} – {event.fund.name}"),
            (_("Event"), f"{event.code} – {event.name}"),
            (_("Amounts in"), e.currency),
            (_("Rows"), e.rows),
            (_("Filters"), _describe(e.filters) or _("none")),
            (_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")),
        ]:
            yield [Cell(label, BOLD), value]


@register
class GrantQueueExport(Exporter):
    """The officers' queue of ``event`` under ``filters``."""

    identifier = "grant-queue"
    sheets = (QueueSheet, AboutSheet)

    def __init__(self, event: Event, filters: QueueFilters):
        self.event = event
        self.filters = filters
        self.currency = event.fund.base_currency
        self.rows = 0


def queue_workbook(event: Event, filters: QueueFilters):
    """Write the workbook to a temporary file and return it open at the start."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    GrantQueueExport(event, filters).write(handle)
    handle.seek(0)
    return handle


def write_event_grants(
    fund, as_of: datetime.date, destination, *, progress=None, event: Event, filters: dict
):
    """The queue's workbook, built by the export worker (``reports.exports.WRITERS``,
    for an export asked through the API): the event's grants under ``filters``
    as they stand when it is built, exactly as the queue's export page writes them."""
    GrantQueueExport(event, QueueFilters.from_data(filters)).write(destination, progress=progress)


def _describe(filters: QueueFilters) -> str:
    labels = {
        "state": _("state"),
        "country": _("country"),
        "region": _("region"),
        "ldc": _("LDC"),
        "gender": _("gender"),
        "overdue": _("claims overdue"),
    }
    described = [
        f"{label} = {getattr(filters, name)}"
        for name, label in labels.items()
        if getattr(filters, name)
    ]
    if filters.awaiting and filters.person is not None:
        described.append(f"{_('awaiting me')} = {filters.person.get_username()}")
    return "; ".join(described)
