"""The fund's reconciliation workbook (docs/reports.md, "Excel workbook").

One .xlsx, a sheet each: Statement, Contributions, Pledges receivable,
Grants, Conference costs, Card payouts, Bank lines, Checks. Every figure is a
``Decimal`` read by the same services the pages use; every total is a live
formula (SUM, SUMIF, cross-sheet references) so an auditor can follow it, and
the Checks sheet states each tie-out as a formula that reads TRUE.

openpyxl's write-only mode streams rows to disk as they are appended, so
memory does not grow with the number of receipts, grants or bank lines. A
write-only sheet takes its layout (widths, frozen panes, print settings)
before its first row, and its cells cannot be revisited: the row of each
total is known when it is written and kept for the Checks sheet."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname

from donors.models import BankLine, DonorKind, Receipt, UnreconciledReason
from fundmgr.chart import AccountKey
from fundmgr.models import Fund
from fundmgr.money import minor_units
from fundmgr.services.ledger import account_balances
from fundmgr.spreadsheet import Formula, TextCell, add_text_sheet
from grants.models import Grant, GrantState
from reports.models import FundingSource
from reports.services.conference import conference_reconciliation
from reports.services.payouts import payout_reconciliation
from reports.services.statement import AGEING_BANDS, fund_statement, receivable_shares
from reports.workbook_sheets import GrantFigures, grant_figures, grant_rows, receipt_rows

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
DATE_FORMAT = "yyyy-mm-dd"
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def excel_date(day: datetime.date | None) -> int | None:
    """The day as Excel stores it (a serial number shown through DATE_FORMAT):
    what openpyxl would write for a date, without converting a million dates."""
    return None if day is None else (day - EXCEL_EPOCH).days


RATE_FORMAT = "0.000000"
#: Progress is reported every so many rows, and at the end of each sheet.
PROGRESS_EVERY = 500

Progress = Callable[[int, int], None]


def money_format(currency: str) -> str:
    """Accounting format with the currency code and its minor unit:
    '#,##0.00 "USD";-#,##0.00 "USD"', '#,##0 "JPY";-#,##0 "JPY"'."""
    places = minor_units(currency)
    body = f'#,##0{"." + "0" * places if places else ""} "{currency}"'
    return f"{body};-{body}"


@dataclass
class WorkbookSummary:
    """What was written: rows per sheet (data rows, not headers or totals)
    and, for each tie-out on the Checks sheet, its label."""

    fund: str
    as_of: datetime.date
    rows: dict[str, int] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class _StyledCell(TextCell):
    """A styled template cell (``_Sheet.cell``), styled once when made and
    then only given new values: its style's index in the workbook is looked up
    once, not once per row written (openpyxl hashes the style each time)."""

    __slots__ = ("_fixed_style_id",)

    @property
    def style_id(self) -> int:
        try:
            return self._fixed_style_id
        except AttributeError:
            self._fixed_style_id = self.parent.parent._cell_styles.add(self._style)
            return self._fixed_style_id


class _Sheet:
    """A write-only sheet that knows the number of the next row."""

    def __init__(self, book: Workbook, title: str, widths: list[int], *, freeze: int = 1):
        # Excel's limit is 31 characters; references must use the name as stored.
        self.title = title[:31]
        # Outside text is written as text; only a Formula is a formula.
        self.ws = add_text_sheet(book, self.title)
        self.row = 0
        self._templates: dict = {}
        self._uses: defaultdict = defaultdict(int)
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.ws.freeze_panes = f"A{freeze + 1}"
        # Printable: landscape, one page wide, the header rows on every page.
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.print_title_rows = f"1:{freeze}"

    def ref(self, column: str, row: int) -> str:
        """An absolute reference to one of this sheet's cells from another sheet."""
        return f"{quote_sheetname(self.ws.title)}!${column}${row}"

    def cell(self, value, *, bold=False, fmt: str | None = None, font=None):
        """A styled cell. One cell object per style and place in the row is
        made once and reused row after row with a new value: a write-only sheet
        writes each row out when it is appended, and styling a new cell for
        each of a million values was most of the export's own cost."""
        key = (bool(bold), fmt, id(font) if font else None)
        place = self._uses[key]
        self._uses[key] += 1
        cell = self._templates.get((key, place))
        if cell is None:
            cell = _StyledCell(self.ws)
            if bold or font:
                cell.font = font or BOLD
            if fmt:
                cell.number_format = fmt
            self._templates[(key, place)] = cell
        cell.value = value
        return cell

    def append(self, values: list) -> int:
        self.ws.append(values)
        self._uses.clear()
        self.row += 1
        return self.row

    def header(self, headings: list[str]) -> int:
        return self.append([self.cell(h, bold=True) for h in headings])

    def filter(self, columns: int, first: int, last: int) -> None:
        self.ws.auto_filter.ref = f"A{first}:{get_column_letter(columns)}{max(last, first)}"


def _span(last: int) -> tuple[int, int]:
    """The data rows 2..last of a table; with no data, the header row alone, so
    a total over it is still a formula (text sums to 0) and never refers to
    its own cell."""
    return (2, last) if last >= 2 else (1, 1)


def _sum(column: str, first: int, last: int):
    lo, hi = (first, last) if last >= first else (first - 1, first - 1)
    return Formula(f"=SUM({column}{lo}:{column}{hi})")


def write_reconciliation_workbook(
    fund: Fund,
    as_of: datetime.date,
    destination: str | IO[bytes],
    *,
    progress: Progress | None = None,
) -> WorkbookSummary:
    """Write the fund's reconciliation workbook as of ``as_of`` (since the
    fund's first entry) to ``destination``, a path or a binary file object.
    ``progress(done, total)`` is called as rows and sheets are written."""
    statement = fund_statement(fund, as_of)
    currency = fund.base_currency
    usd = money_format(currency)
    summary = WorkbookSummary(fund=fund.code, as_of=as_of)
    events = list(fund.events.select_related("fund").order_by("starts_on", "code"))
    reconciliations = [conference_reconciliation(event, as_of) for event in events]
    receivables = receivable_shares(fund, as_of, statement.receivable.amount)
    receipts_qs = Receipt.objects.filter(
        fund=fund, value_date__gte=statement.period_start, value_date__lte=as_of
    )
    payouts = payout_reconciliation(fund, as_of)
    lines_qs = BankLine.objects.filter(fund=fund, value_date__lte=as_of)
    # The bank lines' currencies, known before the Contributions sheet: it
    # gives, for each, the receipts made by bank lines (the Checks sheet ties
    # them to the matched lines).
    bank_currencies = sorted(
        set(lines_qs.order_by().values_list("amount_currency", flat=True).distinct())
    )
    # The total is known up front (counts), so a progress bar moves evenly.
    total = (
        8
        + receipts_qs.count()
        + len(receivables)
        + Grant.objects.filter(event__fund=fund).count()
        + sum(len(r.rows) for r in reconciliations)
        + len(payouts.rows)
        + lines_qs.count()
    )
    done = 0

    def tick(rows: int = 1, *, force: bool = False) -> None:
        nonlocal done
        done += rows
        if progress and (force or done % PROGRESS_EVERY == 0):
            progress(min(done, total), total)

    book = Workbook(write_only=True)
    refs: dict[str, str] = {}

    # --- Statement --------------------------------------------------------------------
    st = _Sheet(book, _("Statement"), [58, 22], freeze=3)
    st.append([st.cell(f"{fund.code} – {fund.name}: " + _("financial statement"), font=TITLE)])
    st.append(
        [
            _("From %(start)s to %(as_of)s, in %(currency)s")
            % {
                "start": statement.period_start.isoformat(),
                "as_of": as_of.isoformat(),
                "currency": currency,
            }
        ]
    )
    st.header([_("Line"), _("Amount")])

    def line(label: str, amount: Decimal | str, *, bold=False, key: str | None = None) -> int:
        row = st.append([st.cell(label, bold=bold), st.cell(amount, bold=bold, fmt=usd)])
        if key:
            refs[key] = st.ref("B", row)
        return row

    s = statement
    opening = line(_("Opening balance"), s.opening.amount, key="opening")
    first_income = line(_("Contributions"), s.contributions.amount, key="contributions")
    line(_("Interest and other income"), s.interest.amount)
    line(_("Realised exchange gains"), s.fx_gains.amount)
    last_income = line(_("Other income"), s.other_income.amount)
    first_charge = line(_("Less realised exchange losses"), s.fx_losses.amount)
    line(_("Less expenditure"), s.expenditure.amount, key="expenditure")
    line(_("Less programme support cost"), s.psc.amount, key="psc")
    line(_("Less refunds to donors"), s.donor_refunds.amount)
    line(_("Less bank charges"), s.bank_fees.amount)
    line(_("Less card fees"), s.card_fees.amount)
    last_charge = line(_("Less other expenses"), s.other_expenses.amount)
    closing_formula = line(
        _("Closing balance (opening + income - deductions)"),
        Formula(
            f"=B{opening}+SUM(B{first_income}:B{last_income})-SUM(B{first_charge}:B{last_charge})"
        ),
        bold=True,
        key="closing_formula",
    )
    closing = line(_("Closing balance (ledger)"), s.closing.amount, bold=True, key="closing")
    line(_("Difference"), Formula(f"=B{closing}-B{closing_formula}"))
    st.append([])
    line(
        _("Memo: cash received from donors in the period"),
        s.cash_received.amount,
        bold=True,
        key="cash_received",
    )
    st.append([])
    st.append([st.cell(_("Contributions by donor"), bold=True)])
    first_donor = st.row + 1
    for donor in s.contributions_by_donor:
        originals = ", ".join(f"{m.amount:,} {m.currency}" for m in donor.originals)
        label = f"{donor.name} ({donor.kind})" if donor.kind else donor.name
        line(f"{label}: {originals}" if originals else label, donor.amount.amount)
    line(
        _("Total contributions by donor"),
        _sum("B", first_donor, st.row) if s.contributions_by_donor else Decimal(0),
        bold=True,
        key="donors_total",
    )
    st.append([])
    st.append([st.cell(_("Pledges receivable at %(as_of)s") % {"as_of": as_of}, bold=True)])
    line(_("Due"), s.receivable_due.amount, key="receivable_due")
    line(_("Not yet due"), s.receivable_not_due.amount, key="receivable_not_due")
    line(_("Unallocated"), s.receivable_unallocated.amount, key="receivable_unallocated")
    line(_("Pledges receivable (ledger)"), s.receivable.amount, bold=True, key="receivable")
    for index, band in enumerate(s.ageing):
        line(
            _("Due, %(band)s past due") % {"band": band.label},
            band.amount.amount,
            key=f"band{index}",
        )
    st.append([])
    st.append([st.cell(_("Position at %(as_of)s") % {"as_of": as_of}, bold=True)])
    p = s.position
    line(_("Cash held"), p.cash.amount, key="cash")
    line(_("Travel advances"), p.travel_advances.amount, key="advances")
    line(_("Open commitments (unliquidated obligations)"), p.open_commitments.amount, key="open")
    line(_("PSC on open commitments"), p.psc_on_commitments.amount, key="psc_open")
    line(_("PSC on travel advances"), p.psc_on_advances.amount, key="psc_advances")
    line(_("Operating reserve"), p.operating_reserve.amount, key="reserve")
    line(_("Available to commit"), p.available_to_commit.amount, bold=True, key="available")
    summary.rows[st.title] = st.row
    tick(force=True)

    # --- Contributions ----------------------------------------------------------------
    headings = [
        _("Receipt"),
        _("Donor"),
        _("Kind of donor"),
        _("Value date"),
        _("Received by"),
        _("Pledge"),
        _("Amount received"),
        _("Currency"),
        _("UN rate (units per USD)"),
        _("Value in %(currency)s") % {"currency": currency},
        _("Bank line"),
    ]
    cs = _Sheet(book, _("Contributions"), [16, 32, 24, 12, 14, 14, 18, 9, 14, 20, 26])
    cs.header(headings)
    kinds = {value: str(label) for value, label in DonorKind.choices}
    methods = {value: str(label) for value, label in Receipt.Method.choices}
    currencies: set[str] = set()
    count = 0
    for (
        number,
        donor,
        kind,
        day,
        method,
        pledge,
        amount,
        code,
        rate,
        base,
        bank_file,
        bank_line_number,
    ) in receipt_rows(fund, statement.period_start, as_of):
        currencies.add(code)
        cs.append(
            [
                number,
                donor,
                kinds.get(kind, kind),
                cs.cell(excel_date(day), fmt=DATE_FORMAT),
                methods.get(method, method),
                pledge or "",
                cs.cell(amount, fmt=money_format(code)),
                code,
                cs.cell(
                    rate if code != "USD" and rate is not None else Decimal(1), fmt=RATE_FORMAT
                ),
                cs.cell(base, fmt=usd),
                f"{bank_file}, {bank_line_number}" if bank_file is not None else None,
            ]
        )
        count += 1
        tick()
    last = cs.row
    cs.filter(len(headings), 1, last)
    row = cs.append(
        [cs.cell(_("Total"), bold=True)]
        + [None] * 8
        + [cs.cell(_sum("J", 2, last), bold=True, fmt=usd)]
    )
    refs["receipts_total"] = cs.ref("J", row)
    # Original amounts cannot be added across currencies: one total each.
    lo, hi = _span(last)
    for code in sorted(currencies):
        cs.append(
            [cs.cell(_("Total in %(currency)s") % {"currency": code}, bold=True)]
            + [None] * 5
            + [
                cs.cell(
                    Formula(f'=SUMIF(H{lo}:H{hi},"{code}",G{lo}:G{hi})'),
                    bold=True,
                    fmt=money_format(code),
                ),
                code,
            ]
        )
    # The receipts bank lines made (a "Bank line" given): the Checks sheet
    # ties them, currency by currency, to the Bank lines sheet's matched lines.
    for code in bank_currencies:
        row = cs.append(
            [
                cs.cell(
                    _("Received through bank lines in %(currency)s") % {"currency": code}, bold=True
                )
            ]
            + [None] * 5
            + [
                cs.cell(
                    Formula(f'=SUMIFS(G{lo}:G{hi},H{lo}:H{hi},"{code}",K{lo}:K{hi},"<>")'),
                    bold=True,
                    fmt=money_format(code),
                ),
                code,
            ]
        )
        refs[f"receipts_from_lines:{code}"] = cs.ref("G", row)
    summary.rows[cs.title] = count
    tick(force=True)

    # --- Pledges receivable -----------------------------------------------------------
    status_labels = {
        "due": _("Due"),
        "not_due": _("Not yet due"),
        "unallocated": _("Unallocated"),
    }
    headings = [
        _("Pledge"),
        _("Donor"),
        _("Due date"),
        _("Days past due"),
        _("Ageing"),
        _("Status"),
        _("Amount open"),
        _("Currency"),
        _("Amount in %(currency)s") % {"currency": currency},
    ]
    pr = _Sheet(
        book,
        pgettext("Excel sheet name, 31 characters at most", "Pledges receivable"),
        [16, 32, 12, 12, 16, 14, 18, 9, 20],
    )
    pr.header(headings)
    for r in receivables:
        pr.append(
            [
                r.pledge_reference,
                r.donor,
                pr.cell(excel_date(r.due_date), fmt=DATE_FORMAT) if r.due_date else None,
                r.days_past_due,
                str(AGEING_BANDS[r.band][0]) if r.band is not None else "",
                status_labels[r.status],
                pr.cell(r.original, fmt=money_format(r.currency)) if r.currency else None,
                r.currency,
                pr.cell(r.amount, fmt=usd),
            ]
        )
        tick()
    last = pr.row
    pr.filter(len(headings), 1, last)
    lo, hi = _span(last)
    row = pr.append(
        [pr.cell(_("Total"), bold=True)]
        + [None] * 7
        + [pr.cell(_sum("I", 2, last), bold=True, fmt=usd)]
    )
    refs["pr_total"] = pr.ref("I", row)
    for key, label in status_labels.items():
        row = pr.append(
            [pr.cell(label, bold=True)]
            + [None] * 7
            + [pr.cell(Formula(f"=SUMIF(F{lo}:F{hi},A{pr.row + 1},I{lo}:I{hi})"), fmt=usd)]
        )
        refs[f"pr_{key}"] = pr.ref("I", row)
    for index, (label, _most) in enumerate(AGEING_BANDS):
        row = pr.append(
            [pr.cell(str(label), bold=True)]
            + [None] * 7
            + [pr.cell(Formula(f"=SUMIF(E{lo}:E{hi},A{pr.row + 1},I{lo}:I{hi})"), fmt=usd)]
        )
        refs[f"pr_band{index}"] = pr.ref("I", row)
    summary.rows[pr.title] = len(receivables)
    tick(force=True)

    # --- Grants -----------------------------------------------------------------------
    headings = [
        _("Event"),
        _("Reference"),
        _("Delegate"),
        _("Country"),
        _("State"),
        _("Committed (approved)"),
        _("Disbursed (advance + balance paid)"),
        _("Settled (actual cost)"),
        _("PSC charged"),
        _("Refunded by the traveller"),
        _("Advance not yet settled"),
        _("Open commitment"),
    ]
    gs = _Sheet(book, _("Grants"), [12, 16, 30, 22, 14, 18, 20, 18, 16, 18, 18, 18])
    gs.header(headings)
    figures = grant_figures(fund, as_of)
    states = {value: str(label) for value, label in GrantState.choices}
    count = 0
    for pk, event, reference, name, _iso2, country, state in grant_rows(fund):
        g = figures.get(pk) or GrantFigures()
        gs.append(
            [event, reference, name, country, states.get(state, state)]
            + [
                gs.cell(v, fmt=usd)
                for v in (
                    g.committed,
                    g.disbursed,
                    g.settled,
                    g.psc,
                    g.refunded,
                    g.advances,
                    g.open_commitment,
                )
            ]
        )
        count += 1
        tick()
    last = gs.row
    gs.filter(len(headings), 1, last)
    row = gs.append(
        [gs.cell(_("Total"), bold=True)]
        + [None] * 4
        + [gs.cell(_sum(c, 2, last), bold=True, fmt=usd) for c in "FGHIJKL"]
    )
    for key, column in {
        "g_settled": "H",
        "g_psc": "I",
        "g_advances": "K",
        "g_open": "L",
    }.items():
        refs[key] = gs.ref(column, row)
    summary.rows[gs.title] = count
    tick(force=True)

    # --- Conference costs -------------------------------------------------------------
    headings = [
        _("Event"),
        _("Budget line"),
        _("Funding source"),
        _("Budget"),
        _("Actual"),
        _("Variance"),
        _("Variance (%)"),
        _("Covered by the host"),
        _("Open commitments"),
    ]
    cc = _Sheet(book, _("Conference costs"), [12, 40, 26, 18, 18, 18, 12, 18, 18])
    cc.header(headings)
    sources = {value: str(label) for value, label in FundingSource.choices}
    count = 0
    for rec in reconciliations:
        for r in rec.rows:
            n = cc.row + 1
            cc.append(
                [
                    rec.event.code,
                    r.line.name,
                    sources.get(r.line.funding_source, r.line.funding_source),
                    cc.cell(r.budget, fmt=usd),
                    cc.cell(r.actual, fmt=usd) if r.actual is not None else None,
                    cc.cell(Formula(f"=E{n}-D{n}"), fmt=usd) if r.actual is not None else None,
                    cc.cell(r.variance_pct, fmt="0.0") if r.variance_pct is not None else None,
                    cc.cell(r.covered, fmt=usd) if r.covered is not None else None,
                    cc.cell(r.open_commitments, fmt=usd)
                    if r.open_commitments is not None
                    else None,
                ]
            )
            count += 1
            tick()
    last = cc.row
    cc.filter(len(headings), 1, last)
    lo, hi = _span(last)
    cc.append([])
    for index, rec in enumerate(reconciliations):
        code = rec.event.code
        cc.append([cc.cell(f"{code} – {rec.event.name}", bold=True)])
        for label, column in ((_("Total budget"), "D"), (_("Total actual"), "E")):
            row = cc.append(
                [code, cc.cell(label, bold=True), None]
                + [None] * (ord(column) - ord("D"))
                + [
                    cc.cell(
                        Formula(f'=SUMIF(A{lo}:A{hi},"{code}",{column}{lo}:{column}{hi})'),
                        bold=True,
                        fmt=usd,
                    )
                ]
            )
            if column == "E":
                actual_row = row
            else:
                budget_row = row
        cc.append(
            [
                code,
                cc.cell(_("Total variance"), bold=True),
                None,
                None,
                None,
                cc.cell(Formula(f"=E{actual_row}-D{budget_row}"), bold=True, fmt=usd),
            ]
        )
        row = cc.append(
            [
                code,
                cc.cell(_("Regular-budget impact (must be zero)"), bold=True),
                None,
                cc.cell(rec.regular_budget_impact, bold=True, fmt=usd),
            ]
        )
        refs[f"impact{index}"] = cc.ref("D", row)
        for cause in rec.causes:
            cc.append(
                [
                    code,
                    cause.line.name if cause.line else "",
                    cause.why,
                    cc.cell(cause.amount, fmt=usd),
                ]
            )
        cc.append([])
    summary.rows[cc.title] = count
    tick(force=True)

    # --- Card payouts -----------------------------------------------------------------
    # Each payout with what it settles (reports.services.payouts, the bank
    # page's figures), its exchange difference booked, what is left
    # unexplained (a formula) and its bank line.
    headings = [
        _("Payout"),
        _("Arrival date"),
        _("Amount"),
        _("Currency"),
        _("Value in %(currency)s (as booked)") % {"currency": currency},
        _("Card receipts (gross)"),
        _("Card fees"),
        _("Refunds"),
        _("Disputes"),
        _("Other"),
        _("Exchange difference booked"),
        _("Difference (not explained)"),
        _("Bank line"),
        _("Ledger entry"),
    ]
    cp = _Sheet(book, _("Card payouts"), [34, 12, 18, 9, 20, 20, 16, 16, 16, 16, 20, 20, 26, 12])
    cp.header(headings)
    currencies = set()
    count = 0
    for row in payouts.rows:
        payout, settles = row.payout, row.settles
        code = payout.amount.currency.code
        currencies.add(code)
        line = row.bank_line
        at = cp.row + 1
        cp.append(
            [
                payout.payout_id,
                cp.cell(excel_date(payout.arrival_date), fmt=DATE_FORMAT),
                cp.cell(payout.amount.amount, fmt=money_format(code)),
                code,
                cp.cell(row.base_amount, fmt=usd),
                cp.cell(settles.gross, fmt=usd),
                cp.cell(settles.fees, fmt=usd),
                cp.cell(settles.refunds, fmt=usd),
                cp.cell(settles.disputes, fmt=usd),
                cp.cell(settles.other, fmt=usd),
                cp.cell(row.exchange, fmt=usd),
                cp.cell(Formula(f"=E{at}-(F{at}-G{at}-H{at}-I{at}+J{at}+K{at})"), fmt=usd),
                f"{line.statement.file_name}, {line.line_number}" if line else "",
                payout.entry_id,
            ]
        )
        count += 1
        tick()
    last = cp.row
    cp.filter(len(headings), 1, last)
    lo, hi = _span(last)
    row = cp.append(
        [cp.cell(_("Total"), bold=True)]
        + [None] * 3
        + [cp.cell(_sum(column, 2, last), bold=True, fmt=usd) for column in "EFGHIJKL"]
    )
    differences = row
    for code in sorted(currencies) or [currency]:
        cp.append(
            [
                cp.cell(_("Total in %(currency)s") % {"currency": code}, bold=True),
                None,
                cp.cell(
                    Formula(f'=SUMIF(D{lo}:D{hi},"{code}",C{lo}:C{hi})'),
                    bold=True,
                    fmt=money_format(code),
                ),
                code,
            ]
        )
    cp.append([])
    left = payouts.unsettled
    at = cp.row + 1
    unsettled = cp.append(
        [
            cp.cell(_("Card clearing movements in no payout yet (net)"), bold=True),
            None,
            None,
            None,
            cp.cell(Formula(f"=F{at}-G{at}-H{at}-I{at}+J{at}"), bold=True, fmt=usd),
            cp.cell(left.gross, fmt=usd),
            cp.cell(left.fees, fmt=usd),
            cp.cell(left.refunds, fmt=usd),
            cp.cell(left.disputes, fmt=usd),
            cp.cell(left.other, fmt=usd),
        ]
    )
    clearing = account_balances(fund, as_of).get(AccountKey.CARD_CLEARING)
    ledger_row = cp.append(
        [
            cp.cell(_("Card clearing in the ledger"), bold=True),
            None,
            None,
            None,
            cp.cell(clearing.balance if clearing else Decimal(0), bold=True, fmt=usd),
        ]
    )
    refs["clearing_explained"] = Formula(f"={cp.ref('E', unsettled)}-{cp.ref('L', differences)}")
    refs["clearing_ledger"] = cp.ref("E", ledger_row)
    summary.rows[cp.title] = count
    tick(force=True)

    # --- Bank lines -------------------------------------------------------------------
    headings = [
        _("Statement file"),
        _("Line"),
        _("Value date"),
        _("Amount"),
        _("Currency"),
        _("Reference"),
        _("Counterparty"),
        _("State"),
        _("Pledge"),
        _("Donor"),
        _("Receipts"),
        _("Card payout"),
        _("Left unreconciled because"),
        _("Note"),
    ]
    bl = _Sheet(book, _("Bank lines"), [24, 7, 12, 18, 9, 30, 26, 16, 14, 26, 20, 26, 26, 40])
    bl.header(headings)
    line_states = {value: str(label) for value, label in BankLine.State.choices}
    left_because = {value: str(label) for value, label in UnreconciledReason.choices}
    currencies = set()
    count = 0
    for bank_line in (
        lines_qs.select_related("statement", "pledge", "donor", "card_payout")
        .prefetch_related("receipts")
        .order_by("value_date", "statement_id", "line_number")
        .iterator(chunk_size=2000)
    ):
        code = bank_line.amount.currency.code
        currencies.add(code)
        bl.append(
            [
                bank_line.statement.file_name,
                bank_line.line_number,
                bl.cell(excel_date(bank_line.value_date), fmt=DATE_FORMAT),
                bl.cell(bank_line.amount.amount, fmt=money_format(code)),
                code,
                bank_line.reference,
                bank_line.counterparty,
                line_states.get(bank_line.state, bank_line.state),
                bank_line.pledge.reference if bank_line.pledge else "",
                bank_line.donor.name if bank_line.donor else "",
                ", ".join(sorted(r.number for r in bank_line.receipts.all())),
                bank_line.card_payout.payout_id if bank_line.card_payout else "",
                left_because.get(bank_line.unreconciled_reason, ""),
                bank_line.unreconciled_note or bank_line.resolution_note or bank_line.message,
            ]
        )
        count += 1
        tick()
    last = bl.row
    bl.filter(len(headings), 1, last)
    lo, hi = _span(last)
    # Totals by currency and state. Each state's row carries its currency (E)
    # and state (H) in the data's own columns, and its SUMIFS reads them
    # there. A line already imported repeats an earlier one (nothing was
    # recorded for it): its row is shown, but not added into the total.
    counted = [
        BankLine.State.MATCHED,
        BankLine.State.UNMATCHED,
        BankLine.State.ERROR,
        BankLine.State.DISCARDED,
    ]
    repeats = BankLine.State.ALREADY_IMPORTED

    def by_state(label: str, code: str, state: str, *, only_with_receipts=False) -> int:
        n = bl.row + 1
        criteria = f"$E${lo}:$E${hi},E{n},$H${lo}:$H${hi},H{n}"
        if only_with_receipts:  # a card payout's line is matched too, with no receipt
            criteria += f',$K${lo}:$K${hi},"<>"'
        return bl.append(
            [bl.cell(label)]
            + [None] * 2
            + [
                bl.cell(Formula(f"=SUMIFS($D${lo}:$D${hi},{criteria})"), fmt=money_format(code)),
                code,
                None,
                None,
                line_states[state],
            ]
        )

    for code in sorted(currencies) or [currency]:
        bl.append([])
        first = None
        for state in counted:
            row = by_state(
                _("%(state)s in %(currency)s") % {"state": line_states[state], "currency": code},
                code,
                state,
            )
            first = first or row
        bl.append(
            [bl.cell(_("Total in %(currency)s") % {"currency": code}, bold=True)]
            + [None] * 2
            + [bl.cell(_sum("D", first, bl.row), bold=True, fmt=money_format(code)), code]
        )
        by_state(
            _("%(state)s in %(currency)s (repeats of lines above, not in the total)")
            % {"state": line_states[repeats], "currency": code},
            code,
            repeats,
        )
        row = by_state(
            _("Matched to receipts in %(currency)s") % {"currency": code},
            code,
            BankLine.State.MATCHED,
            only_with_receipts=True,
        )
        refs[f"lines_matched_to_receipts:{code}"] = bl.ref("D", row)
    summary.rows[bl.title] = count
    tick(force=True)

    # --- Checks -----------------------------------------------------------------------
    ck = _Sheet(book, _("Checks"), [64, 22, 22, 10])
    ck.header([_("Tie-out"), _("Left"), _("Right"), _("Holds")])
    checks = [
        (
            _("Statement: closing balance from the lines = closing balance in the ledger"),
            refs["closing_formula"],
            refs["closing"],
        ),
        (
            _("Statement: contributions by donor = contributions"),
            refs["donors_total"],
            refs["contributions"],
        ),
        (
            _("Contributions sheet total = cash received from donors in the period"),
            refs["receipts_total"],
            refs["cash_received"],
        ),
        (
            _("Pledges receivable sheet total = pledges receivable in the ledger"),
            refs["pr_total"],
            refs["receivable"],
        ),
        (
            _("Pledges receivable sheet, due = statement, due"),
            refs["pr_due"],
            refs["receivable_due"],
        ),
        (
            _("Pledges receivable sheet, not yet due = statement, not yet due"),
            refs["pr_not_due"],
            refs["receivable_not_due"],
        ),
        (
            _("Pledges receivable sheet, unallocated = statement, unallocated"),
            refs["pr_unallocated"],
            refs["receivable_unallocated"],
        ),
    ]
    for index, (label, _most) in enumerate(AGEING_BANDS):
        checks.append(
            (
                _("Ageing %(band)s: sheet = statement") % {"band": label},
                refs[f"pr_band{index}"],
                refs[f"band{index}"],
            )
        )
    checks += [
        (
            _("Grants: total settled = statement expenditure"),
            refs["g_settled"],
            refs["expenditure"],
        ),
        (
            _("Grants: total PSC charged = statement programme support cost"),
            refs["g_psc"],
            refs["psc"],
        ),
        (_("Grants: total open commitment = open commitments"), refs["g_open"], refs["open"]),
        (
            _("Grants: advances not yet settled = travel advances"),
            refs["g_advances"],
            refs["advances"],
        ),
        (
            _(
                "Card payouts: card clearing in the ledger = movements in no payout yet - "
                "the payouts' differences"
            ),
            refs["clearing_explained"],
            refs["clearing_ledger"],
        ),
        (
            _("Available to commit = cash - commitments - PSC on them and on advances - reserve"),
            Formula(
                f"={refs['cash']}-{refs['open']}-{refs['psc_open']}-{refs['psc_advances']}-{refs['reserve']}"
            ),
            refs["available"],
        ),
    ]
    for index, rec in enumerate(reconciliations):
        checks.append(
            (
                _("%(event)s: regular-budget impact is zero") % {"event": rec.event.code},
                refs[f"impact{index}"],
                "0",
            )
        )
    # In the bank lines' own currency: each matched line's receipts are in it.
    for code in bank_currencies:
        checks.append(
            (
                _(
                    "Bank lines matched to receipts in %(currency)s = "
                    "receipts made by bank lines in %(currency)s"
                )
                % {"currency": code},
                refs[f"lines_matched_to_receipts:{code}"],
                refs[f"receipts_from_lines:{code}"],
                code,
            )
        )
    for label, left, right, *in_currency in checks:
        code = in_currency[0] if in_currency else currency
        fmt = money_format(code)
        n = ck.row + 1
        ck.append(
            [
                label,
                ck.cell(Formula(left if left.startswith("=") else f"={left}"), fmt=fmt),
                ck.cell(Formula(f"={right}"), fmt=fmt),
                ck.cell(Formula(f"=ROUND(B{n}-C{n},{minor_units(code)})=0"), bold=True),
            ]
        )
        summary.checks.append(label)
    ck.append(
        [
            ck.cell(_("Every check holds"), bold=True),
            None,
            None,
            ck.cell(Formula(f"=AND(D2:D{ck.row})"), bold=True),
        ]
    )
    summary.rows[ck.title] = len(checks)
    tick(force=True)

    book.save(destination)
    if progress:
        progress(total, total)
    return summary
