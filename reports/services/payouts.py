"""Card payouts, each with what it settles and its line on the bank statement.

Stripe pays out the card clearing balance. The Stripe way to list what one
payout settles is its balance transactions (``balance_transactions.list``
with ``payout=``); localstripe 1.15.10 refuses that filter (its balance
history takes no parameters and its payouts' balance transaction ids are
fake), so the composition is read from the ledger instead: the movements
booked to card clearing (``AccountKey.CARD_CLEARING``) after the previous
payout's entry and before this payout's own, in booking order:

* card receipts: gross = what reached clearing + the card fee booked with it;
* fees: the ``CARD_FEES`` legs of those receipts, and Stripe's dispute fees
  (``card-dispute-fee`` entries, donors.payments.services);
* refunds (``card-refund`` entries) and disputes (money held by a
  ``card-dispute`` entry, less any held money returned by a dispute won);
* anything else that touched clearing, shown as "other".

All in the fund's currency, as the ledger holds them: the payout is booked at
its arrival date's rate, each receipt at its charge date's. The difference
(payout less what it settles and its exchange difference booked) is zero when
everything is booked; a non-zero difference is a movement not booked yet, or
an exchange difference between the charge and arrival dates, which a finance
officer books once confirmed (``reports.services.payout_exchange``). That
entry (kind ``payout-fx``, its source the payout) is dated at the arrival but
booked later, so it is given to its own payout by its source, not by booking
order.

Fixed number of queries whatever the number of payouts and movements:
clearing and fee legs (one; the exchange entries' clearing legs among them),
payouts with their bank lines (one), the bank lines that could be a
payout's (one).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.db.models import Q

from donors.models import BankLine
from donors.payments.models import CardPayout
from fundmgr.chart import AccountKey
from fundmgr.models import EntryKind, Fund, JournalEntry, Leg

ZERO = Decimal(0)


def exchange_key(payout: CardPayout) -> str:
    """The idempotency key of ``payout``'s exchange entry: booked once."""
    return f"payout-fx:{payout.pk}"


@dataclass
class Settlement:
    """Clearing movements between two payouts, in the fund's currency."""

    gross: Decimal = ZERO
    fees: Decimal = ZERO
    refunds: Decimal = ZERO
    disputes: Decimal = ZERO
    other: Decimal = ZERO
    receipts: int = 0
    movements: int = 0
    first_date: datetime.date | None = None
    last_date: datetime.date | None = None

    @property
    def net(self) -> Decimal:
        """What these movements left in card clearing."""
        return self.gross - self.fees - self.refunds - self.disputes + self.other

    def add_date(self, day: datetime.date) -> None:
        self.first_date = min(self.first_date or day, day)
        self.last_date = max(self.last_date or day, day)


@dataclass
class PayoutRow:
    payout: CardPayout
    base_amount: Decimal  # the payout in the fund's currency, as booked
    settles: Settlement
    bank_line: BankLine | None
    suggested_line: BankLine | None = None
    #: Waiting lines of the payout's amount dated on or after its arrival.
    candidates: list[BankLine] = field(default_factory=list)
    #: The exchange difference booked to clearing for this payout (+ a gain).
    exchange: Decimal = ZERO

    @property
    def difference(self) -> Decimal:
        return self.base_amount - (self.settles.net + self.exchange)

    @property
    def balanced(self) -> bool:
        return self.difference == ZERO


@dataclass
class PayoutReconciliation:
    fund: Fund
    as_of: datetime.date
    rows: list[PayoutRow] = field(default_factory=list)
    #: Clearing movements after the last payout: in no payout yet.
    unsettled: Settlement = field(default_factory=Settlement)

    @property
    def without_bank_line(self) -> list[PayoutRow]:
        return [row for row in self.rows if row.bank_line is None]

    @property
    def unbalanced(self) -> list[PayoutRow]:
        return [row for row in self.rows if not row.balanced]

    @property
    def total_paid_out(self) -> Decimal:
        return sum((row.base_amount for row in self.rows), ZERO)


def _legs(fund: Fund, as_of: datetime.date | None) -> Iterator[Any]:
    """The clearing (and card receipts' fee) legs in booking order, read in
    chunks: one query, and memory that does not grow with the fund's history."""
    legs = Leg.objects.filter(entry__fund=fund, entry__status=JournalEntry.Status.POSTED)
    if as_of is not None:
        legs = legs.filter(entry__date__lte=as_of)
    return (
        legs.filter(
            Q(account__key=AccountKey.CARD_CLEARING)
            | Q(account__key=AccountKey.CARD_FEES, entry__kind=EntryKind.CARD_RECEIPT)
        )
        .order_by("entry_id", "id")
        .values(
            "entry_id",
            "entry__date",
            "entry__kind",
            "entry__source_id",
            "entry__reverses__kind",
            "account__key",
            "debit",
            "credit",
        )
        .iterator(chunk_size=2000)
    )


def _clearing(legs: list[dict]) -> Decimal:
    """What one entry's legs put into card clearing (a debit is positive)."""
    return sum(
        (
            leg["debit"] - leg["credit"]
            for leg in legs
            if leg["account__key"] != AccountKey.CARD_FEES
        ),
        ZERO,
    )


def _exchange_of(legs: list[dict]) -> int | None:
    """The payout pk an exchange entry (or its reversal) belongs to, else None."""
    first = legs[0]
    if EntryKind.PAYOUT_FX in (first["entry__kind"], first["entry__reverses__kind"]):
        return first["entry__source_id"]  # a reversal keeps its entry's source
    return None


def _add(settlement: Settlement, legs: list[dict]) -> None:
    """One entry's clearing (and fee) legs into ``settlement``."""
    first = legs[0]
    kind = first["entry__kind"]
    clearing = _clearing(legs)
    settlement.movements += 1
    settlement.add_date(first["entry__date"])
    if kind == EntryKind.CARD_RECEIPT:
        fee = sum(
            (
                leg["debit"] - leg["credit"]
                for leg in legs
                if leg["account__key"] == AccountKey.CARD_FEES
            ),
            ZERO,
        )
        settlement.receipts += 1
        settlement.fees += fee
        settlement.gross += clearing + fee
    elif kind == EntryKind.CARD_REFUND:
        settlement.refunds -= clearing
    elif kind == EntryKind.CARD_DISPUTE_FEE:
        settlement.fees -= clearing  # Stripe's dispute fee (a fee it returns: negative)
    elif EntryKind.CARD_DISPUTE in (kind, first["entry__reverses__kind"]):
        settlement.disputes -= clearing  # held: a credit; a dispute won: returned, a debit
    else:
        settlement.other += clearing


def payout_reconciliation(fund: Fund, as_of: datetime.date | None = None) -> PayoutReconciliation:
    """Every payout of ``fund`` arrived by ``as_of`` (today if None), each with
    the clearing movements it settles and its bank line (matched, or a unique
    suggestion), and the clearing movements in no payout yet."""
    from django.utils import timezone

    as_of = as_of or timezone.localdate()
    result = PayoutReconciliation(fund=fund, as_of=as_of)
    result.rows, result.unsettled = _compose(fund, as_of)
    _suggest(fund, result.rows)
    return result


def payout_row(payout: CardPayout) -> PayoutRow:
    """``payout``'s row as the page computes it, with everything booked so far
    (no date limit): what its exchange difference is booked from. Two
    queries; reads the fund's clearing legs."""
    rows, _unsettled = _compose(payout.fund, None)
    return next(row for row in rows if row.payout.pk == payout.pk)


def _compose(fund: Fund, as_of: datetime.date | None) -> tuple[list[PayoutRow], Settlement]:
    """The payouts arrived by ``as_of`` (all if None) with what each settles,
    and the movements in no payout yet."""
    payouts = CardPayout.objects.filter(fund=fund).select_related("bank_line__statement")
    if as_of is not None:
        payouts = payouts.filter(arrival_date__lte=as_of)
    by_entry_id = {payout.entry_id: payout for payout in payouts.order_by("entry_id")}
    rows: list[PayoutRow] = []
    current = Settlement()
    exchange: dict[int, list[list[dict]]] = {}  # payout pk -> its exchange entries' legs
    # One entry's legs at a time, in booking order (the legs come ordered by entry).
    for entry_id, grouped in groupby(_legs(fund, as_of), key=itemgetter("entry_id")):
        legs = list(grouped)
        payout_pk = _exchange_of(legs)
        if payout_pk is not None:
            exchange.setdefault(payout_pk, []).append(legs)
            continue
        payout = by_entry_id.pop(entry_id, None)
        if payout is None:
            _add(current, legs)
            continue
        base = sum((leg["credit"] - leg["debit"] for leg in legs), ZERO)
        rows.append(PayoutRow(payout, base, current, _line_of(payout)))
        current = Settlement()
    # A payout whose entry touched no clearing leg by as_of (cannot happen with
    # entries booked by on_payout_paid, but a report must not drop it).
    for payout in by_entry_id.values():
        rows.append(PayoutRow(payout, ZERO, Settlement(), _line_of(payout)))
    for row in rows:
        for legs in exchange.pop(row.payout.pk, []):
            row.exchange += _clearing(legs)
    for entries in exchange.values():  # a payout not shown (cannot happen): not dropped
        for legs in entries:
            _add(current, legs)
    return rows, current


def _line_of(payout: CardPayout) -> BankLine | None:
    try:
        return payout.bank_line
    except BankLine.DoesNotExist:
        return None


def candidate_lines(fund: Fund, payouts: list[CardPayout]):
    """Bank lines that could be one of ``payouts``': same amount and
    currency, waiting for a person, not given to any payout (one query)."""
    amounts = {payout.amount.amount for payout in payouts}
    if not amounts:
        return BankLine.objects.none()
    return (
        BankLine.objects.filter(
            fund=fund,
            state__in=BankLine.WAITING,
            card_payout__isnull=True,
            amount__in=amounts,
        )
        .select_related("statement")
        .order_by("value_date", "id")
    )


def fits(payout: CardPayout, line: BankLine) -> bool:
    return line.amount == payout.amount and line.value_date >= payout.arrival_date


def _suggest(fund: Fund, rows: list[PayoutRow]) -> None:
    """A line is suggested for a payout when it is the payout's only
    candidate and the payout is the line's only candidate."""
    open_rows = [row for row in rows if row.bank_line is None]
    lines = list(candidate_lines(fund, [row.payout for row in open_rows]))
    payouts_per_line: dict[int, int] = {}
    fitting: dict[int, list[BankLine]] = {}
    for row in open_rows:
        fitting[row.payout.pk] = [line for line in lines if fits(row.payout, line)]
        for line in fitting[row.payout.pk]:
            payouts_per_line[line.pk] = payouts_per_line.get(line.pk, 0) + 1
    for row in open_rows:
        found = row.candidates = fitting[row.payout.pk]
        if len(found) == 1 and payouts_per_line[found[0].pk] == 1:
            row.suggested_line = found[0]
