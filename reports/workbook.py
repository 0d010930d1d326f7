"""The fund's reconciliation workbook (docs/reports.md, "Excel workbook").

One .xlsx, a sheet each: Statement, Contributions, Pledges receivable,
Grants, Conference costs, Card payouts, Bank lines, Checks; each sheet is a
class of the exporter framework (``fundmgr.exporters``), listed in order in
``ReconciliationWorkbook.sheets``. Every figure is a ``Decimal`` read by the
same services the pages use; every total is a live formula (SUM, SUMIF,
cross-sheet references) so an auditor can follow it, and the Checks sheet
states each sheet's tie-outs as formulas that read TRUE.

The rows are written as they are read, streamed to disk, so memory does not
grow with the number of receipts, grants or bank lines. The row of each
total is known when it is written and kept (``refs``) for the checks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from donors.models import BankLine, DonorKind, Receipt, UnreconciledReason
from fundmgr.chart import AccountKey
from fundmgr.exporters import (
    Check,
    ChecksSheet,
    Exporter,
    Progress,
    Sheet,
    Summary,
    register,
    span,
    sum_of,
)
from fundmgr.formatting import country_name
from fundmgr.models import Fund
from fundmgr.services.ledger import account_balances
from fundmgr.spreadsheet import BOLD, PLAIN, RATE, TITLE, Cell, Formula, money, money_format, style
from grants.models import Grant, GrantState
from reports.models import FundingSource
from reports.services.conference import conference_reconciliation
from reports.services.payouts import payout_reconciliation
from reports.services.statement import AGEING_BANDS, fund_statement, receivable_shares
from reports.workbook_sheets import GrantFigures, grant_figures, grant_rows, receipt_rows

__all__ = ["ReconciliationWorkbook", "WorkbookSummary", "money_format"]

ONE = Decimal(1)
PERCENT = style(number_format="0.0")


@dataclass
class WorkbookSummary(Summary):
    """What was written: data rows per sheet (not headers or totals) and,
    for each tie-out on the Checks sheet, its label."""

    fund: str = ""
    as_of: datetime.date | None = None


class StatementSheet(Sheet):
    """The statement's lines, the closing identity, contributions by donor,
    the receivable and the position."""

    widths = (58, 22)
    header_rows = 3
    filtered = False

    def title(self):
        return _("Statement")

    def headings(self):
        return [_("Line"), _("Amount")]

    def head(self):
        e = self.export
        fund, statement = e.fund, e.statement
        yield [Cell(f"{fund.code} – {fund.name}: " + _("financial statement"), TITLE)]
        yield [
            _("From %(start)s to %(as_of)s, in %(currency)s")
            % {
                "start": statement.period_start.isoformat(),
                "as_of": e.as_of.isoformat(),
                "currency": e.currency,
            }
        ]
        yield from super().head()

    def line(self, label: str, amount, *, bold: bool = False, key: str | None = None):
        """One line (label, amount); ``n = yield from self.line(...)`` gives its row."""
        n = self.row + 1
        if key:
            self.export.refs[key] = self.ref("B", n)
        yield [
            Cell(label, BOLD if bold else PLAIN),
            Cell(amount, money(self.export.currency, bold=bold)),
        ]
        return n

    def rows(self):
        e, s, line = self.export, self.export.statement, self.line
        opening = yield from line(_("Opening balance"), s.opening.amount, key="opening")
        first_income = yield from line(
            _("Contributions"), s.contributions.amount, key="contributions"
        )
        yield from line(_("Interest and other income"), s.interest.amount)
        yield from line(_("Realised exchange gains"), s.fx_gains.amount)
        last_income = yield from line(_("Other income"), s.other_income.amount)
        first_charge = yield from line(_("Less realised exchange losses"), s.fx_losses.amount)
        yield from line(_("Less expenditure"), s.expenditure.amount, key="expenditure")
        yield from line(_("Less programme support cost"), s.psc.amount, key="psc")
        yield from line(_("Less refunds to donors"), s.donor_refunds.amount)
        yield from line(_("Less bank charges"), s.bank_fees.amount)
        yield from line(_("Less card fees"), s.card_fees.amount)
        last_charge = yield from line(_("Less other expenses"), s.other_expenses.amount)
        closing_formula = yield from line(
            _("Closing balance (opening + income - deductions)"),
            Formula(
                f"=B{opening}+SUM(B{first_income}:B{last_income})"
                f"-SUM(B{first_charge}:B{last_charge})"
            ),
            bold=True,
            key="closing_formula",
        )
        closing = yield from line(
            _("Closing balance (ledger)"), s.closing.amount, bold=True, key="closing"
        )
        yield from line(_("Difference"), Formula(f"=B{closing}-B{closing_formula}"))
        yield []
        yield from line(
            _("Memo: cash received from donors in the period"),
            s.cash_received.amount,
            bold=True,
            key="cash_received",
        )
        yield []
        yield [Cell(_("Contributions by donor"), BOLD)]
        first_donor = self.row + 1
        for donor in s.contributions_by_donor:
            originals = ", ".join(f"{m.amount:,} {m.currency}" for m in donor.originals)
            label = f"{donor.name} ({donor.kind})" if donor.kind else donor.name
            yield from line(f"{label}: {originals}" if originals else label, donor.amount.amount)
        yield from line(
            _("Total contributions by donor"),
            sum_of("B", first_donor, self.row) if s.contributions_by_donor else Decimal(0),
            bold=True,
            key="donors_total",
        )
        yield []
        yield [Cell(_("Pledges receivable at %(as_of)s") % {"as_of": e.as_of}, BOLD)]
        yield from line(_("Due"), s.receivable_due.amount, key="receivable_due")
        yield from line(_("Not yet due"), s.receivable_not_due.amount, key="receivable_not_due")
        yield from line(
            _("Unallocated"), s.receivable_unallocated.amount, key="receivable_unallocated"
        )
        yield from line(
            _("Pledges receivable (ledger)"), s.receivable.amount, bold=True, key="receivable"
        )
        for index, band in enumerate(s.ageing):
            yield from line(
                _("Due, %(band)s past due") % {"band": band.label},
                band.amount.amount,
                key=f"band{index}",
            )
        yield []
        yield [Cell(_("Position at %(as_of)s") % {"as_of": e.as_of}, BOLD)]
        p = s.position
        yield from line(_("Cash held"), p.cash.amount, key="cash")
        yield from line(_("Travel advances"), p.travel_advances.amount, key="advances")
        yield from line(
            _("Open commitments (unliquidated obligations)"), p.open_commitments.amount, key="open"
        )
        yield from line(_("PSC on open commitments"), p.psc_on_commitments.amount, key="psc_open")
        yield from line(_("PSC on travel advances"), p.psc_on_advances.amount, key="psc_advances")
        yield from line(_("Operating reserve"), p.operating_reserve.amount, key="reserve")
        yield from line(
            _("Available to commit"), p.available_to_commit.amount, bold=True, key="available"
        )

    def checks(self):
        refs = self.export.refs
        return [
            Check(
                _("Statement: closing balance from the lines = closing balance in the ledger"),
                refs["closing_formula"],
                refs["closing"],
            ),
            Check(
                _("Statement: contributions by donor = contributions"),
                refs["donors_total"],
                refs["contributions"],
            ),
            Check(
                _(
                    "Available to commit = cash - commitments - PSC on them and on advances"
                    " - reserve"
                ),
                Formula(
                    f"={refs['cash']}-{refs['open']}-{refs['psc_open']}"
                    f"-{refs['psc_advances']}-{refs['reserve']}"
                ),
                refs["available"],
            ),
        ]


class ContributionsSheet(Sheet):
    """One row per receipt of the period, with its rate and the bank line
    that made it; totals in the fund's currency and per original currency."""

    widths = (16, 32, 24, 12, 14, 14, 18, 9, 14, 20, 26)

    def title(self):
        return _("Contributions")

    def headings(self):
        return [
            _("Receipt"),
            _("Donor"),
            _("Kind of donor"),
            _("Value date"),
            _("Received by"),
            _("Pledge"),
            _("Amount received"),
            _("Currency"),
            _("UN rate (units per USD)"),
            _("Value in %(currency)s") % {"currency": self.export.currency},
            _("Bank line"),
        ]

    def expected_rows(self):
        return self.export.receipts.count()

    def rows(self):
        e = self.export
        usd = money(e.currency)
        kinds = {value: str(label) for value, label in DonorKind.choices}
        methods = {value: str(label) for value, label in Receipt.Method.choices}
        styles: dict[str, object] = {}
        self.currencies = currencies = set()
        one = Cell(ONE, RATE)
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
        ) in receipt_rows(e.fund, e.statement.period_start, e.as_of):
            style = styles.get(code)
            if style is None:
                style = styles[code] = money(code)
                currencies.add(code)
            yield (
                number,
                donor,
                kinds.get(kind, kind),
                day,
                methods.get(method, method),
                pledge or "",
                Cell(amount, style),
                code,
                Cell(rate, RATE) if code != "USD" and rate is not None else one,
                Cell(base, usd),
                f"{bank_file}, {bank_line_number}" if bank_file is not None else None,
            )

    def foot(self):
        e, refs = self.export, self.export.refs
        last = self.row
        refs["receipts_total"] = self.ref("J", self.row + 1)
        yield (
            [Cell(_("Total"), BOLD)]
            + [None] * 8
            + [Cell(sum_of("J", 2, last), money(e.currency, bold=True))]
        )
        # Original amounts cannot be added across currencies: one total each.
        lo, hi = span(last)
        for code in sorted(self.currencies):
            yield (
                [Cell(_("Total in %(currency)s") % {"currency": code}, BOLD)]
                + [None] * 5
                + [
                    Cell(
                        Formula(f'=SUMIF(H{lo}:H{hi},"{code}",G{lo}:G{hi})'), money(code, bold=True)
                    ),
                    code,
                ]
            )
        # The receipts bank lines made (a "Bank line" given): the Bank lines
        # sheet's check ties them, currency by currency, to its matched lines.
        for code in e.bank_currencies:
            refs[f"receipts_from_lines:{code}"] = self.ref("G", self.row + 1)
            yield (
                [Cell(_("Received through bank lines in %(currency)s") % {"currency": code}, BOLD)]
                + [None] * 5
                + [
                    Cell(
                        Formula(f'=SUMIFS(G{lo}:G{hi},H{lo}:H{hi},"{code}",K{lo}:K{hi},"<>")'),
                        money(code, bold=True),
                    ),
                    code,
                ]
            )

    def checks(self):
        refs = self.export.refs
        return [
            Check(
                _("Contributions sheet total = cash received from donors in the period"),
                refs["receipts_total"],
                refs["cash_received"],
            )
        ]


class PledgesReceivableSheet(Sheet):
    """One row per unpaid instalment share, as the statement splits the
    receivable; totals per status and per ageing band."""

    widths = (16, 32, 12, 12, 16, 14, 18, 9, 20)

    def title(self):
        return pgettext("Excel sheet name, 31 characters at most", "Pledges receivable")

    def status_labels(self):
        return {"due": _("Due"), "not_due": _("Not yet due"), "unallocated": _("Unallocated")}

    def headings(self):
        return [
            _("Pledge"),
            _("Donor"),
            _("Due date"),
            _("Days past due"),
            _("Ageing"),
            _("Status"),
            _("Amount open"),
            _("Currency"),
            _("Amount in %(currency)s") % {"currency": self.export.currency},
        ]

    def expected_rows(self):
        return len(self.export.receivables)

    def rows(self):
        usd = money(self.export.currency)
        labels = self.status_labels()
        for r in self.export.receivables:
            yield [
                r.pledge_reference,
                r.donor,
                r.due_date,
                r.days_past_due,
                str(AGEING_BANDS[r.band][0]) if r.band is not None else "",
                labels[r.status],
                Cell(r.original, money(r.currency)) if r.currency else None,
                r.currency,
                Cell(r.amount, usd),
            ]

    def foot(self):
        refs, usd = self.export.refs, money(self.export.currency)
        last = self.row
        lo, hi = span(last)
        refs["pr_total"] = self.ref("I", self.row + 1)
        yield (
            [Cell(_("Total"), BOLD)]
            + [None] * 7
            + [Cell(sum_of("I", 2, last), money(self.export.currency, bold=True))]
        )
        for key, label in self.status_labels().items():
            n = self.row + 1
            refs[f"pr_{key}"] = self.ref("I", n)
            yield (
                [Cell(label, BOLD)]
                + [None] * 7
                + [Cell(Formula(f"=SUMIF(F{lo}:F{hi},A{n},I{lo}:I{hi})"), usd)]
            )
        for index, (label, _most) in enumerate(AGEING_BANDS):
            n = self.row + 1
            refs[f"pr_band{index}"] = self.ref("I", n)
            yield (
                [Cell(str(label), BOLD)]
                + [None] * 7
                + [Cell(Formula(f"=SUMIF(E{lo}:E{hi},A{n},I{lo}:I{hi})"), usd)]
            )

    def checks(self):
        refs = self.export.refs
        checks = [
            Check(
                _("Pledges receivable sheet total = pledges receivable in the ledger"),
                refs["pr_total"],
                refs["receivable"],
            ),
            Check(
                _("Pledges receivable sheet, due = statement, due"),
                refs["pr_due"],
                refs["receivable_due"],
            ),
            Check(
                _("Pledges receivable sheet, not yet due = statement, not yet due"),
                refs["pr_not_due"],
                refs["receivable_not_due"],
            ),
            Check(
                _("Pledges receivable sheet, unallocated = statement, unallocated"),
                refs["pr_unallocated"],
                refs["receivable_unallocated"],
            ),
        ]
        for index, (label, _most) in enumerate(AGEING_BANDS):
            checks.append(
                Check(
                    _("Ageing %(band)s: sheet = statement") % {"band": label},
                    refs[f"pr_band{index}"],
                    refs[f"band{index}"],
                )
            )
        return checks


class GrantsSheet(Sheet):
    """One row per grant of the fund's events, its money from the ledger."""

    widths = (12, 16, 30, 22, 14, 18, 20, 18, 16, 18, 18, 18)

    def title(self):
        return _("Grants")

    def headings(self):
        return [
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

    def expected_rows(self):
        return Grant.objects.filter(event__fund=self.export.fund).count()

    def rows(self):
        e = self.export
        usd = money(e.currency)
        figures = grant_figures(e.fund, e.as_of)
        states = {value: str(label) for value, label in GrantState.choices}
        nothing = GrantFigures()
        for pk, event, reference, name, iso2, country, state in grant_rows(e.fund):
            g = figures.get(pk) or nothing
            yield (
                event,
                reference,
                name,
                # In the requester's language, as the headings (CLDR; the stored
                # English name for a country it does not know).
                country_name(iso2, country),
                states.get(state, state),
                Cell(g.committed, usd),
                Cell(g.disbursed, usd),
                Cell(g.settled, usd),
                Cell(g.psc, usd),
                Cell(g.refunded, usd),
                Cell(g.advances, usd),
                Cell(g.open_commitment, usd),
            )

    def foot(self):
        refs, last = self.export.refs, self.row
        total = money(self.export.currency, bold=True)
        n = self.row + 1
        for key, column in {
            "g_settled": "H",
            "g_psc": "I",
            "g_advances": "K",
            "g_open": "L",
        }.items():
            refs[key] = self.ref(column, n)
        yield (
            [Cell(_("Total"), BOLD)]
            + [None] * 4
            + [Cell(sum_of(c, 2, last), total) for c in "FGHIJKL"]
        )

    def checks(self):
        refs = self.export.refs
        return [
            Check(
                _("Grants: total settled = statement expenditure"),
                refs["g_settled"],
                refs["expenditure"],
            ),
            Check(
                _("Grants: total PSC charged = statement programme support cost"),
                refs["g_psc"],
                refs["psc"],
            ),
            Check(
                _("Grants: total open commitment = open commitments"), refs["g_open"], refs["open"]
            ),
            Check(
                _("Grants: advances not yet settled = travel advances"),
                refs["g_advances"],
                refs["advances"],
            ),
        ]


class ConferenceCostsSheet(Sheet):
    """Each event's reconciliation lines; per event its totals, the
    regular-budget impact and its causes."""

    widths = (12, 40, 26, 18, 18, 18, 12, 18, 18)

    def title(self):
        return _("Conference costs")

    def headings(self):
        return [
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

    def expected_rows(self):
        return sum(len(r.rows) for r in self.export.reconciliations)

    def rows(self):
        usd = money(self.export.currency)
        sources = {value: str(label) for value, label in FundingSource.choices}
        for rec in self.export.reconciliations:
            for r in rec.rows:
                n = self.row + 1
                percent = Cell(r.variance_pct, PERCENT) if r.variance_pct is not None else None
                yield [
                    rec.event.code,
                    r.line.name,
                    sources.get(r.line.funding_source, r.line.funding_source),
                    Cell(r.budget, usd),
                    Cell(r.actual, usd) if r.actual is not None else None,
                    Cell(Formula(f"=E{n}-D{n}"), usd) if r.actual is not None else None,
                    percent,
                    Cell(r.covered, usd) if r.covered is not None else None,
                    Cell(r.open_commitments, usd) if r.open_commitments is not None else None,
                ]

    def foot(self):
        e = self.export
        usd, total = money(e.currency), money(e.currency, bold=True)
        lo, hi = span(self.row)
        yield []
        for index, rec in enumerate(e.reconciliations):
            code = rec.event.code
            yield [Cell(f"{code} – {rec.event.name}", BOLD)]
            budget_row = self.row + 1
            for label, column in ((_("Total budget"), "D"), (_("Total actual"), "E")):
                yield (
                    [code, Cell(label, BOLD), None]
                    + [None] * (ord(column) - ord("D"))
                    + [
                        Cell(
                            Formula(f'=SUMIF(A{lo}:A{hi},"{code}",{column}{lo}:{column}{hi})'),
                            total,
                        )
                    ]
                )
            actual_row = budget_row + 1
            yield [
                code,
                Cell(_("Total variance"), BOLD),
                None,
                None,
                None,
                Cell(Formula(f"=E{actual_row}-D{budget_row}"), total),
            ]
            e.refs[f"impact{index}"] = self.ref("D", self.row + 1)
            yield [
                code,
                Cell(_("Regular-budget impact (must be zero)"), BOLD),
                None,
                Cell(rec.regular_budget_impact, total),
            ]
            for cause in rec.causes:
                yield [
                    code,
                    cause.line.name if cause.line else "",
                    cause.why,
                    Cell(cause.amount, usd),
                ]
            yield []

    def checks(self):
        return [
            Check(
                _("%(event)s: regular-budget impact is zero") % {"event": rec.event.code},
                self.export.refs[f"impact{index}"],
                "0",
            )
            for index, rec in enumerate(self.export.reconciliations)
        ]


class CardPayoutsSheet(Sheet):
    """Each payout with what it settles (``reports.services.payouts``, the
    bank page's figures), its exchange difference booked, what is left
    unexplained (a formula) and its bank line; then card clearing."""

    widths = (34, 12, 18, 9, 20, 20, 16, 16, 16, 16, 20, 20, 26, 12)

    def title(self):
        return _("Card payouts")

    def headings(self):
        return [
            _("Payout"),
            _("Arrival date"),
            _("Amount"),
            _("Currency"),
            _("Value in %(currency)s (as booked)") % {"currency": self.export.currency},
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

    def expected_rows(self):
        return len(self.export.payouts.rows)

    def rows(self):
        usd = money(self.export.currency)
        self.currencies = set()
        for row in self.export.payouts.rows:
            payout, settles = row.payout, row.settles
            code = payout.amount.currency.code
            self.currencies.add(code)
            line = row.bank_line
            at = self.row + 1
            yield [
                payout.payout_id,
                payout.arrival_date,
                Cell(payout.amount.amount, money(code)),
                code,
                Cell(row.base_amount, usd),
                Cell(settles.gross, usd),
                Cell(settles.fees, usd),
                Cell(settles.refunds, usd),
                Cell(settles.disputes, usd),
                Cell(settles.other, usd),
                Cell(row.exchange, usd),
                Cell(Formula(f"=E{at}-(F{at}-G{at}-H{at}-I{at}+J{at}+K{at})"), usd),
                f"{line.statement.file_name}, {line.line_number}" if line else "",
                payout.entry_id,
            ]

    def foot(self):
        e = self.export
        usd, total = money(e.currency), money(e.currency, bold=True)
        last = self.row
        lo, hi = span(last)
        differences = self.row + 1
        yield (
            [Cell(_("Total"), BOLD)]
            + [None] * 3
            + [Cell(sum_of(column, 2, last), total) for column in "EFGHIJKL"]
        )
        for code in sorted(self.currencies) or [e.currency]:
            yield [
                Cell(_("Total in %(currency)s") % {"currency": code}, BOLD),
                None,
                Cell(Formula(f'=SUMIF(D{lo}:D{hi},"{code}",C{lo}:C{hi})'), money(code, bold=True)),
                code,
            ]
        yield []
        left = e.payouts.unsettled
        unsettled = at = self.row + 1
        yield [
            Cell(_("Card clearing movements in no payout yet (net)"), BOLD),
            None,
            None,
            None,
            Cell(Formula(f"=F{at}-G{at}-H{at}-I{at}+J{at}"), total),
            Cell(left.gross, usd),
            Cell(left.fees, usd),
            Cell(left.refunds, usd),
            Cell(left.disputes, usd),
            Cell(left.other, usd),
        ]
        clearing = account_balances(e.fund, e.as_of).get(AccountKey.CARD_CLEARING)
        e.refs["clearing_ledger"] = self.ref("E", self.row + 1)
        yield [
            Cell(_("Card clearing in the ledger"), BOLD),
            None,
            None,
            None,
            Cell(clearing.balance if clearing else Decimal(0), total),
        ]
        e.refs["clearing_explained"] = Formula(
            f"={self.ref('E', unsettled)}-{self.ref('L', differences)}"
        )

    def checks(self):
        refs = self.export.refs
        return [
            Check(
                _(
                    "Card payouts: card clearing in the ledger = movements in no payout yet - "
                    "the payouts' differences"
                ),
                refs["clearing_explained"],
                refs["clearing_ledger"],
            )
        ]


class BankLinesSheet(Sheet):
    """One row per imported bank line; per currency, totals by state (the
    repeats of lines already imported beside them, not in the total) and the
    matched lines that made receipts."""

    widths = (24, 7, 12, 18, 9, 30, 26, 16, 14, 26, 20, 26, 26, 40)

    def title(self):
        return _("Bank lines")

    def headings(self):
        return [
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

    def expected_rows(self):
        return self.export.lines.count()

    def rows(self):
        states = {value: str(label) for value, label in BankLine.State.choices}
        left_because = {value: str(label) for value, label in UnreconciledReason.choices}
        self.currencies = set()
        for bank_line in (
            self.export.lines.select_related("statement", "pledge", "donor", "card_payout")
            .prefetch_related("receipts")
            .order_by("value_date", "statement_id", "line_number")
            .iterator(chunk_size=2000)
        ):
            code = bank_line.amount.currency.code
            self.currencies.add(code)
            yield [
                bank_line.statement.file_name,
                bank_line.line_number,
                bank_line.value_date,
                Cell(bank_line.amount.amount, money(code)),
                code,
                bank_line.reference,
                bank_line.counterparty,
                states.get(bank_line.state, bank_line.state),
                bank_line.pledge.reference if bank_line.pledge else "",
                bank_line.donor.name if bank_line.donor else "",
                ", ".join(sorted(r.number for r in bank_line.receipts.all())),
                bank_line.card_payout.payout_id if bank_line.card_payout else "",
                left_because.get(bank_line.unreconciled_reason, ""),
                bank_line.unreconciled_note or bank_line.resolution_note or bank_line.message_shown,
            ]

    def foot(self):
        # Totals by currency and state. Each state's row carries its currency (E)
        # and state (H) in the data's own columns, and its SUMIFS reads them
        # there. A line already imported repeats an earlier one (nothing was
        # recorded for it): its row is shown, but not added into the total.
        e = self.export
        states = {value: str(label) for value, label in BankLine.State.choices}
        lo, hi = span(self.row)
        counted = [
            BankLine.State.MATCHED,
            BankLine.State.UNMATCHED,
            BankLine.State.ERROR,
            BankLine.State.DISCARDED,
        ]

        def by_state(label: str, code: str, state: str, *, only_with_receipts=False):
            n = self.row + 1
            criteria = f"$E${lo}:$E${hi},E{n},$H${lo}:$H${hi},H{n}"
            if only_with_receipts:  # a card payout's line is matched too, with no receipt
                criteria += f',$K${lo}:$K${hi},"<>"'
            return [
                label,
                None,
                None,
                Cell(Formula(f"=SUMIFS($D${lo}:$D${hi},{criteria})"), money(code)),
                code,
                None,
                None,
                states[state],
            ]

        for code in sorted(self.currencies) or [e.currency]:
            yield []
            first = self.row + 1
            for state in counted:
                yield by_state(
                    _("%(state)s in %(currency)s") % {"state": states[state], "currency": code},
                    code,
                    state,
                )
            yield (
                [Cell(_("Total in %(currency)s") % {"currency": code}, BOLD)]
                + [None] * 2
                + [
                    Cell(sum_of("D", first, self.row), money(code, bold=True)),
                    code,
                ]
            )
            repeats = BankLine.State.ALREADY_IMPORTED
            yield by_state(
                _("%(state)s in %(currency)s (repeats of lines above, not in the total)")
                % {"state": states[repeats], "currency": code},
                code,
                repeats,
            )
            e.refs[f"lines_matched_to_receipts:{code}"] = self.ref("D", self.row + 1)
            yield by_state(
                _("Matched to receipts in %(currency)s") % {"currency": code},
                code,
                BankLine.State.MATCHED,
                only_with_receipts=True,
            )

    def checks(self):
        # In the bank lines' own currency: each matched line's receipts are in it.
        refs = self.export.refs
        return [
            Check(
                _(
                    "Bank lines matched to receipts in %(currency)s = "
                    "receipts made by bank lines in %(currency)s"
                )
                % {"currency": code},
                refs[f"lines_matched_to_receipts:{code}"],
                refs[f"receipts_from_lines:{code}"],
                code,
            )
            for code in self.export.bank_currencies
        ]


@register
class ReconciliationWorkbook(Exporter):
    """The fund's reconciliation workbook as of ``as_of`` (since the fund's
    first entry)."""

    identifier = "reconciliation"
    sheets = (
        StatementSheet,
        ContributionsSheet,
        PledgesReceivableSheet,
        GrantsSheet,
        ConferenceCostsSheet,
        CardPayoutsSheet,
        BankLinesSheet,
        ChecksSheet,
    )
    summary_class = WorkbookSummary

    def __init__(self, fund: Fund, as_of: datetime.date):
        self.fund = fund
        self.as_of = as_of
        self.currency = fund.base_currency

    def make_summary(self) -> WorkbookSummary:
        return WorkbookSummary(fund=self.fund.code, as_of=self.as_of)

    def prepare(self) -> None:
        fund, as_of = self.fund, self.as_of
        self.refs: dict[str, str] = {}
        self.statement = statement = fund_statement(fund, as_of)
        events = list(fund.events.select_related("fund").order_by("starts_on", "code"))
        self.reconciliations = [conference_reconciliation(event, as_of) for event in events]
        self.receivables = receivable_shares(fund, as_of, statement.receivable.amount)
        self.receipts = Receipt.objects.filter(
            fund=fund, value_date__gte=statement.period_start, value_date__lte=as_of
        )
        self.payouts = payout_reconciliation(fund, as_of)
        self.lines = BankLine.objects.filter(fund=fund, value_date__lte=as_of)
        # The bank lines' currencies, known before the Contributions sheet: it
        # gives, for each, the receipts made by bank lines (the Bank lines
        # sheet's check ties them to the matched lines).
        self.bank_currencies = sorted(
            set(self.lines.order_by().values_list("amount_currency", flat=True).distinct())
        )


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
    return ReconciliationWorkbook(fund, as_of).write(destination, progress=progress)
