"""The fund's financial statement for a period, as finance staff know it from
the MPTF Office Gateway and certified trust-fund reports (docs/reports.md,
"Financial statement").

Everything is read from the ledger's posted legs on the trust fund's own
accounts: never the host country's segregated accounts, and the memo
commitment accounts only for the position below the statement. A fixed
number of queries, whatever the number of entries, donors or pledges:

1. every leg up to ``as_of`` grouped by account and by "before the period" /
   "in the period" (the lines, the opening and closing balances, the position),
   read from the ledger's day totals (``fundmgr.models.DayTotal``: a row per
   account and day, kept in step by ``post_entry``), so independent of the
   number of legs;
2. contribution legs of the period traced to their donor, grouped by donor and
   original currency; 3. the names of those donors;
4. receivable legs up to ``as_of`` traced to their pledge, grouped by pledge;
   5. those pledges' dates and 6. their instalments (due / not yet due, ageing);
7. cash received from donors in the period; 8. the PSC rate for the position.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    DecimalField,
    F,
    IntegerField,
    Min,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from donors.models import Donor, DonorKind, Instalment, Pledge, Receipt
from fundmgr.chart import DEBIT_NORMAL, AccountKey, AccountKind
from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import DayTotal, EntryKind, Fund, JournalEntry, Leg, PscRate
from fundmgr.money import Money, round_amount
from fundmgr.services.funds import FundPosition, position_from_balances
from fundmgr.services.ledger import from_thousandths

K = AccountKey
AMOUNT = DecimalField(max_digits=20, decimal_places=3)

#: Revenue and expense accounts that have a line of their own; any other
#: revenue or expense account (a future one) falls on "other income" or
#: "other expenses", so the statement still balances.
INCOME_LINES = (K.CONTRIBUTIONS, K.INTEREST, K.FX_GAINS)
CHARGE_LINES = (
    K.FX_LOSSES,
    K.TRAVEL_EXPENDITURE,
    K.PSC,
    K.DONOR_REFUNDS,
    K.BANK_FEES,
    K.CARD_FEES,
)
NET_ASSET_KINDS = {AccountKind.ASSET, AccountKind.LIABILITY}

#: Ageing of the due part of pledges receivable: (label, most days past due).
AGEING_BANDS: tuple[tuple[StrOrPromise, int | None], ...] = (
    (gettext_lazy("0-30 days"), 30),
    (gettext_lazy("31-90 days"), 90),
    (gettext_lazy("91-180 days"), 180),
    (gettext_lazy("181-365 days"), 365),
    (gettext_lazy("over 365 days"), None),
)

BEFORE, WITHIN = 0, 1

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class StatementError(ValueError):
    """A statement that cannot be drawn up as asked; the message says why."""


@dataclass(frozen=True)
class DonorContribution:
    """One donor's contributions recognised in the period; ``donor_id`` None
    is the line for legs that could not be traced to a donor."""

    donor_id: int | None
    name: str
    kind: str
    amount: Money
    originals: tuple[Money, ...]


@dataclass(frozen=True)
class AgeingBand:
    label: str
    amount: Money


@dataclass(frozen=True)
class FundStatement:
    fund: Fund
    as_of: datetime.date
    period_start: datetime.date
    opening: Money
    contributions: Money
    contributions_by_donor: tuple[DonorContribution, ...]
    interest: Money
    fx_gains: Money
    other_income: Money
    fx_losses: Money
    expenditure: Money
    psc: Money
    donor_refunds: Money
    bank_fees: Money
    card_fees: Money
    other_expenses: Money
    #: Net assets at ``as_of``, read from the ledger, not from the lines above.
    closing: Money
    position: FundPosition
    receivable: Money
    receivable_due: Money
    receivable_not_due: Money
    receivable_unallocated: Money
    ageing: tuple[AgeingBand, ...]
    cash_received: Money
    currency: str = field(default="")

    @property
    def total_income(self) -> Money:
        return self.contributions + self.interest + self.fx_gains + self.other_income

    @property
    def fees(self) -> Money:
        return self.bank_fees + self.card_fees

    @property
    def total_charges(self) -> Money:
        return (
            self.fx_losses
            + self.expenditure
            + self.psc
            + self.donor_refunds
            + self.fees
            + self.other_expenses
        )

    @property
    def computed_closing(self) -> Money:
        """Opening + income - exchange losses - expenditure - PSC - refunds - fees."""
        return self.opening + self.total_income - self.total_charges

    @property
    def difference(self) -> Money:
        return self.closing - self.computed_closing

    @property
    def balances(self) -> bool:
        return self.difference.amount == 0


# --- tracing a leg to its pledge or donor -------------------------------------------


def _trace(fund: Fund, pledge_field: str, receipt_field: str) -> Coalesce:
    """The pledge's (or receipt's) ``*_field`` for a leg's entry: the entry that
    booked a pledge's receivable, a receipt's entry, the reversal of either,
    or a cancelled pledge's write-down (its source is the pledge)."""

    def via(entry_ref: str) -> list[Subquery]:
        return [
            Subquery(
                Pledge.objects.filter(receivable_entry_id=OuterRef(entry_ref))
                .order_by()
                .values(pledge_field)[:1]
            ),
            Subquery(
                Receipt.objects.filter(entry_id=OuterRef(entry_ref))
                .order_by()
                .values(receipt_field)[:1]
            ),
        ]

    # donors.services.pledges._write_down_receivable posts it for the pledge.
    write_down = (
        Pledge.objects.filter(fund=fund, pk=OuterRef("entry__source_id"))
        .order_by()
        .values(pledge_field)[:1]
    )
    return Coalesce(
        *via("entry_id"),
        *via("entry__reverses_id"),
        # Only a cancellation entry is looked up by key (CASE is evaluated lazily).
        Case(When(entry__kind=EntryKind.PLEDGE_CANCELLATION, then=Subquery(write_down))),
        output_field=IntegerField(),
    )


def _signed_original() -> tuple[Sum, Sum]:
    return (
        ExactSum(
            Case(When(credit__gt=0, then=F("original")), default=Value(0), output_field=AMOUNT)
        ),
        ExactSum(
            Case(When(debit__gt=0, then=F("original")), default=Value(0), output_field=AMOUNT)
        ),
    )


def _legs(fund: Fund, as_of: datetime.date):
    return Leg.objects.filter(
        entry__fund=fund,
        entry__status=JournalEntry.Status.POSTED,
        entry__date__lte=as_of,
        account__segregated=False,
    )


# --- the statement ------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerLines:
    """Query 1 of the statement: every account's movement up to ``as_of``
    on its normal side, before the period and within it, and the period's
    debits to each account; read from the ledger's day totals."""

    currency: str
    #: The period's first day: the one asked, or the fund's first entry's.
    start: datetime.date
    before: dict[str, Decimal]
    within: dict[str, Decimal]
    debits: dict[str, Decimal]
    kinds: dict[str, str]

    def line(self, key: str) -> Money:
        """An account's movement in the period, rounded as the statement's lines."""
        amount = self.within.get(key, Decimal(0))
        return Money(round_amount(amount, self.currency), self.currency)


def _check_period(as_of: datetime.date, period_start: datetime.date | None) -> None:
    if period_start is not None and period_start > as_of:
        raise StatementError(
            _("The period cannot start (%(start)s) after the statement date (%(as_of)s).")
            % {"start": period_start.isoformat(), "as_of": as_of.isoformat()}
        )


def ledger_lines(
    fund: Fund, as_of: datetime.date, period_start: datetime.date | None = None
) -> LedgerLines:
    """The statement's lines for [period_start, as_of], in one query of a
    few rows per account and day (not the legs): what the IATI files and
    their product rule read when they need the statement's line and not
    its donors or pledges (``iati.checks``, ``iati.organisation``)."""
    _check_period(as_of, period_start)
    bucket = (
        Case(When(date__lt=period_start, then=Value(BEFORE)), default=Value(WITHIN))
        if period_start is not None
        else Value(WITHIN)
    )
    rows = list(
        DayTotal.objects.filter(account__fund=fund, account__segregated=False, date__lte=as_of)
        .annotate(bucket=bucket)
        .values("account__key", "account__kind", "bucket")
        .annotate(debits=Sum("debits"), credits=Sum("credits"), first=Min("date"))
        .order_by()
    )
    start = period_start or min((row["first"] for row in rows), default=as_of)

    before: dict[str, Decimal] = defaultdict(Decimal)
    within: dict[str, Decimal] = defaultdict(Decimal)
    debits: dict[str, Decimal] = defaultdict(Decimal)
    kinds: dict[str, str] = {}
    for row in rows:
        key, kind = row["account__key"], row["account__kind"]
        sign = 1 if kind in DEBIT_NORMAL else -1
        amount = sign * (from_thousandths(row["debits"]) - from_thousandths(row["credits"]))
        if row["bucket"] == BEFORE:
            before[key] += amount
        else:
            within[key] += amount
            debits[key] += from_thousandths(row["debits"])
        kinds[key] = kind
    return LedgerLines(fund.base_currency, start, before, within, debits, kinds)


def cash_received(fund: Fund, start: datetime.date, as_of: datetime.date) -> Money:
    """Query 7: cash received from donors in [start, as_of] (receipts by
    value date; the Contributions sheet ties to it)."""
    cash = Receipt.objects.filter(
        fund=fund, value_date__gte=start, value_date__lte=as_of
    ).aggregate(total=ExactSum("base_amount"))["total"] or Decimal(0)
    currency = fund.base_currency
    return Money(round_amount(cash, currency), currency)


def fund_statement(
    fund: Fund, as_of: datetime.date, period_start: datetime.date | None = None
) -> FundStatement:
    """The statement of ``fund`` for [period_start, as_of], in its currency;
    ``period_start`` defaults to the date of the fund's first entry."""
    _check_period(as_of, period_start)
    currency = fund.base_currency

    def m(value: Decimal) -> Money:
        return Money(round_amount(value, currency), currency)

    # 1. Every leg up to as_of, by account and by side of the period start:
    # read from the ledger's day totals (a row per account and day), not the legs.
    lines = ledger_lines(fund, as_of, period_start)
    start, before, within, kinds = lines.start, lines.before, lines.within, lines.kinds
    at_as_of = {key: before[key] + within[key] for key in kinds}

    def net_assets(balances: dict[str, Decimal]) -> Decimal:
        total = Decimal(0)
        for key, amount in balances.items():
            if kinds[key] == AccountKind.ASSET:
                total += amount
            elif kinds[key] == AccountKind.LIABILITY:
                total -= amount
        return total

    brought_forward = sum(
        (amount for key, amount in within.items() if kinds[key] == AccountKind.NET_ASSETS),
        Decimal(0),
    )
    other_income = sum(
        (a for k, a in within.items() if kinds[k] == AccountKind.REVENUE and k not in INCOME_LINES),
        Decimal(0),
    )
    other_expenses = sum(
        (a for k, a in within.items() if kinds[k] == AccountKind.EXPENSE and k not in CHARGE_LINES),
        Decimal(0),
    )

    # 8. The position, with the PSC rate the fund page uses.
    rate = (
        PscRate.objects.filter(fund=fund, effective_from__lte=as_of)
        .order_by("-effective_from")
        .first()
    )
    position = position_from_balances(fund, at_as_of, as_of, rate.fraction if rate else Decimal(0))

    contributions = within.get(K.CONTRIBUTIONS, Decimal(0))
    by_donor = _contributions_by_donor(fund, start, as_of, m, contributions)
    receivable = at_as_of.get(K.PLEDGES_RECEIVABLE, Decimal(0))
    due, not_due, unallocated, ageing = _receivable_split(fund, as_of, receivable, m)

    return FundStatement(
        fund=fund,
        as_of=as_of,
        period_start=start,
        opening=m(net_assets(before) + brought_forward),
        contributions=m(contributions),
        contributions_by_donor=by_donor,
        interest=m(within.get(K.INTEREST, Decimal(0))),
        fx_gains=m(within.get(K.FX_GAINS, Decimal(0))),
        other_income=m(other_income),
        fx_losses=m(within.get(K.FX_LOSSES, Decimal(0))),
        expenditure=lines.line(K.TRAVEL_EXPENDITURE),
        psc=m(within.get(K.PSC, Decimal(0))),
        donor_refunds=m(within.get(K.DONOR_REFUNDS, Decimal(0))),
        bank_fees=m(within.get(K.BANK_FEES, Decimal(0))),
        card_fees=m(within.get(K.CARD_FEES, Decimal(0))),
        other_expenses=m(other_expenses),
        closing=m(net_assets(at_as_of)),
        position=position,
        receivable=m(receivable),
        receivable_due=due,
        receivable_not_due=not_due,
        receivable_unallocated=unallocated,
        ageing=ageing,
        cash_received=cash_received(fund, start, as_of),
        currency=currency,
    )


def statement_for_books(fund: Fund, as_of: datetime.date) -> Iterator[object]:
    """The fund's section of the books' fingerprint (fundmgr.services.books):
    its statement from its first entry to ``as_of``, the totals derived from
    it, and the receivable pledge by pledge."""
    statement = fund_statement(fund, as_of)
    yield statement
    yield {
        "total_income": statement.total_income,
        "total_charges": statement.total_charges,
        "computed_closing": statement.computed_closing,
        "difference": statement.difference,
    }
    yield from receivable_shares(fund, as_of, statement.receivable.amount)


def _contributions_by_donor(
    fund: Fund, start: datetime.date, as_of: datetime.date, m, total: Decimal
) -> tuple[DonorContribution, ...]:
    """Queries 2 and 3: the period's contribution legs by donor and original
    currency; what cannot be traced is an "other" line, so the lines always
    sum to the statement's contributions."""
    originals_cr, originals_dr = _signed_original()
    rows = (
        _legs(fund, as_of)
        .filter(entry__date__gte=start, account__key=K.CONTRIBUTIONS)
        .annotate(donor=_trace(fund, "donor_id", "donor_id"))
        .values("donor", "original_currency")
        .annotate(
            credits=ExactSum("credit"),
            debits=ExactSum("debit"),
            originals_cr=originals_cr,
            originals_dr=originals_dr,
        )
        .order_by()
    )
    amounts: dict[int, Decimal] = defaultdict(Decimal)
    originals: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        donor = row["donor"]
        if donor is None:
            continue  # the "other" line takes the rest below
        amounts[donor] += (row["credits"] or Decimal(0)) - (row["debits"] or Decimal(0))
        originals[donor][row["original_currency"]] += (row["originals_cr"] or Decimal(0)) - (
            row["originals_dr"] or Decimal(0)
        )
    donors = {d["pk"]: d for d in Donor.objects.filter(pk__in=amounts).values("pk", "name", "kind")}
    kind_labels = dict(DonorKind.choices)
    lines = []
    for donor_id in sorted(amounts, key=lambda pk: (donors[pk]["name"].casefold(), pk)):
        lines.append(
            DonorContribution(
                donor_id=donor_id,
                name=donors[donor_id]["name"],
                kind=str(kind_labels.get(donors[donor_id]["kind"], donors[donor_id]["kind"])),
                amount=m(amounts[donor_id]),
                originals=tuple(
                    Money(round_amount(value, code), code)
                    for code, value in sorted(originals[donor_id].items())
                    if value
                ),
            )
        )
    traced = sum((line.amount.amount for line in lines), Decimal(0))
    rest = m(total) - m(traced)
    if rest.amount:
        lines.append(DonorContribution(None, _("Other (not traced to a donor)"), "", rest, ()))
    return tuple(lines)


def _band(days: int) -> int:
    for index, (_label, most) in enumerate(AGEING_BANDS):
        if most is None or days <= most:
            return index
    return len(AGEING_BANDS) - 1  # pragma: no cover - the last band has no limit


def _receivable_split(fund: Fund, as_of: datetime.date, receivable: Decimal, m):
    """Queries 4-6: the receivable at ``as_of`` split into due, not yet due
    and unallocated, with the ageing of the due part: the sums of
    ``receivable_shares``, the rows the workbook lists."""
    due = not_due = unallocated = Decimal(0)
    bands = [Decimal(0)] * len(AGEING_BANDS)
    for row in receivable_shares(fund, as_of, receivable):
        if row.status == "due":
            due += row.amount
            assert row.band is not None  # every due row has its band
            bands[row.band] += row.amount
        elif row.status == "not_due":
            not_due += row.amount
        else:
            unallocated += row.amount
    ageing = tuple(
        AgeingBand(str(label), m(amount))
        for (label, _most), amount in zip(AGEING_BANDS, bands, strict=True)
    )
    return m(due), m(not_due), m(unallocated), ageing


@dataclass(frozen=True)
class ReceivableRow:
    pledge_reference: str
    donor: str
    due_date: datetime.date | None
    #: None: not yet due, or not allocated to an instalment.
    days_past_due: int | None
    #: Index into ``AGEING_BANDS`` for a due share, else None.
    band: int | None
    original: Decimal | None
    currency: str
    amount: Decimal
    #: "due", "not_due" or "unallocated".
    status: str


def receivable_shares(fund: Fund, as_of: datetime.date, receivable: Decimal) -> list[ReceivableRow]:
    """The receivable at ``as_of``, pledge by pledge, one row per unpaid
    instalment share, and a last "unallocated" row for what no pledge accounts
    for, so the rows sum to the ledger's receivable ``receivable``. Money
    received on a pledge pays its earliest instalments first; a pledge without
    instalments is due on its pledge date; each share is valued at the rate
    the pledge was booked at (the last takes what rounding left). Open pledges
    only: a few rows per pledge still owed, not one per pledge ever made.
    Three queries."""
    currency = fund.base_currency
    originals_cr, originals_dr = _signed_original()
    open_by_pledge = {
        row["pledge"]: (
            (row["debits"] or Decimal(0)) - (row["credits"] or Decimal(0)),
            (row["originals_dr"] or Decimal(0)) - (row["originals_cr"] or Decimal(0)),
        )
        for row in _legs(fund, as_of)
        .filter(account__key=K.PLEDGES_RECEIVABLE)
        .annotate(pledge=_trace(fund, "pk", "pledge_id"))
        .values("pledge")
        .annotate(
            debits=ExactSum("debit"),
            credits=ExactSum("credit"),
            originals_cr=originals_cr,
            originals_dr=originals_dr,
        )
        .order_by()
        if row["pledge"] is not None
    }
    pledges = {
        p["pk"]: p
        for p in Pledge.objects.filter(
            fund=fund, receivable_entry__date__lte=as_of, pk__in=list(open_by_pledge)
        ).values("pk", "pledge_date", "amount", "amount_currency", "reference", "donor__name")
    }
    schedules: dict[int, list[tuple[Decimal, datetime.date]]] = defaultdict(list)
    for pledge_id, amount, due_date in (
        Instalment.objects.filter(pledge_id__in=list(pledges))
        .order_by("pledge_id", "due_date", "sequence")
        .values_list("pledge_id", "amount", "due_date")
    ):
        schedules[pledge_id].append((amount, due_date))

    rows: list[ReceivableRow] = []
    allocated = Decimal(0)
    for pledge_id in sorted(pledges, key=lambda pk: pledges[pk]["reference"]):
        base, original = open_by_pledge[pledge_id]
        pledge = pledges[pledge_id]
        if base <= 0 or original <= 0:
            continue
        schedule = schedules.get(pledge_id) or [(pledge["amount"], pledge["pledge_date"])]
        paid = max(sum((a for a, _d in schedule), Decimal(0)) - original, Decimal(0))
        unpaid: list[tuple[Decimal, datetime.date]] = []
        for amount, due_date in schedule:
            taken = min(amount, paid)
            paid -= taken
            if amount - taken > 0:
                unpaid.append((amount - taken, due_date))
        if sum((a for a, _d in unpaid), Decimal(0)) != original:
            continue  # as the statement: left unallocated
        left = base
        for index, (amount, due_date) in enumerate(unpaid):
            share = (
                left
                if index == len(unpaid) - 1
                else round_amount(base * amount / original, currency)
            )
            left -= share
            due = due_date <= as_of
            days = (as_of - due_date).days if due else None
            rows.append(
                ReceivableRow(
                    pledge["reference"],
                    pledge["donor__name"],
                    due_date,
                    days,
                    _band(days) if days is not None else None,
                    amount,
                    pledge["amount_currency"],
                    round_amount(share, currency),
                    "due" if due else "not_due",
                )
            )
        allocated += base
    rest = round_amount(receivable - allocated, currency)
    if rest:
        rows.append(ReceivableRow("", "", None, None, None, None, "", rest, "unallocated"))
    return rows
