"""Row sources for the reconciliation workbook (``reports.workbook``): plain
tuples read from the database in chunks, so a sheet is written as it is read.

Each source reads the same records the pages read, with the same rules, so
its totals tie to the statement: the receivable rows are the statement's own
(``reports.services.statement.receivable_shares``), and the grants' figures
are read from the ledger up to ``as_of`` (each grant's entries carry the
idempotency key ``grant:<pk>:<what>``)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery

from donors.models import BankLine, Receipt
from fundmgr.chart import AccountKey as K
from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import EntryKind, ExchangeRate, Fund, JournalEntry, Leg
from fundmgr.models.ledger import source_type_is
from grants.models import Grant
from grants.services.workflow import KINDS as GRANT_ENTRY_KINDS

ZERO = Decimal(0)
CHUNK = 2000


def receipt_rows(fund: Fund, start: datetime.date, as_of: datetime.date) -> Iterator[tuple]:
    """(number, donor, donor kind, value date, method, pledge reference,
    amount, currency, UN rate, value in the fund's currency, bank statement
    file, line in it) for each receipt with a value date in [start, as_of],
    the rows the statement's "cash received" sums. The rate is the UN
    operational rate (units per US dollar) in force on the value date, the
    one the receipt was converted at; None for US dollars. The file and line
    are those of the bank line that made the receipt (None for a receipt
    recorded otherwise): two subqueries in the same query, not one per row."""
    rate = Subquery(
        ExchangeRate.objects.filter(
            currency=OuterRef("amount_currency"),
            effective_date__lte=OuterRef("value_date"),
            imported_at__lte=OuterRef("created_at"),
        )
        .filter(Q(superseded_at__isnull=True) | Q(superseded_at__gt=OuterRef("created_at")))
        .order_by("-effective_date")
        .values("units_per_usd")[:1]
    )
    made_by = BankLine.receipts.through.objects.filter(receipt_id=OuterRef("pk")).order_by(
        "bankline_id"
    )
    return (
        Receipt.objects.filter(fund=fund, value_date__gte=start, value_date__lte=as_of)
        .annotate(
            rate_used=rate,
            bank_file=Subquery(made_by.values("bankline__statement__file_name")[:1]),
            bank_line=Subquery(made_by.values("bankline__line_number")[:1]),
        )
        .order_by("value_date", "number")
        .values_list(
            "number",
            "donor__name",
            "donor__kind",
            "value_date",
            "method",
            "pledge__reference",
            "amount",
            "amount_currency",
            "rate_used",
            "base_amount",
            "bank_file",
            "bank_line",
        )
        .iterator(chunk_size=CHUNK)
    )


@dataclass
class GrantFigures:
    committed: Decimal = ZERO
    disbursed: Decimal = ZERO
    settled: Decimal = ZERO
    psc: Decimal = ZERO
    refunded: Decimal = ZERO
    advances: Decimal = ZERO
    open_commitment: Decimal = ZERO


def grant_figures(fund: Fund, as_of: datetime.date) -> dict[int, GrantFigures]:
    """Each grant's money up to ``as_of``, from its posted entries: committed
    at approval (8000 debits of ``grant-commitment``), disbursed (bank credits
    of advances and settlements: advance + balance paid), settled (5000),
    PSC charged (5100), refunded by the traveller (bank debits of refunds),
    the advance not yet settled (1200) and the open commitment (8000). One
    grouped query; a few decimals per grant."""
    figures: dict[int, GrantFigures] = defaultdict(GrantFigures)
    rows = (
        Leg.objects.filter(
            entry__fund=fund,
            entry__status=JournalEntry.Status.POSTED,
            entry__date__lte=as_of,
            entry__kind__in=GRANT_ENTRY_KINDS.values(),
            **source_type_is(Grant, "entry__"),
            account__key__in=[
                K.COMMITMENTS,
                K.BANK,
                K.TRAVEL_EXPENDITURE,
                K.PSC,
                K.TRAVEL_ADVANCES,
            ],
        )
        .values("entry__source_id", "entry__kind", "account__key")
        .annotate(debits=ExactSum("debit"), credits=ExactSum("credit"))
        .order_by()
    )
    for row in rows:
        g = figures[row["entry__source_id"]]
        dr, cr = row["debits"] or ZERO, row["credits"] or ZERO
        kind, account = row["entry__kind"], row["account__key"]
        if account == K.COMMITMENTS:
            g.open_commitment += dr - cr
            if kind == EntryKind.GRANT_COMMITMENT:
                g.committed += dr
        elif account == K.BANK:
            if kind in (EntryKind.GRANT_ADVANCE, EntryKind.GRANT_SETTLEMENT):
                g.disbursed += cr
            elif kind == EntryKind.GRANT_REFUND:
                g.refunded += dr
        elif account == K.TRAVEL_EXPENDITURE:
            g.settled += dr - cr
        elif account == K.PSC:
            g.psc += dr - cr
        elif account == K.TRAVEL_ADVANCES:
            g.advances += dr - cr
    return figures


def grant_rows(fund: Fund) -> Iterator[tuple]:
    """(pk, event code, reference, delegate, country ISO code, country name,
    state) of every grant of the fund's events."""
    return (
        Grant.objects.filter(event__fund=fund)
        .order_by("event__code", "reference")
        .values_list(
            "pk", "event__code", "reference", "nominee_name", "country_id", "country__name", "state"
        )
        .iterator(chunk_size=CHUNK)
    )
