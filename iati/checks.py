"""The product's own rule for its IATI files: over any period, the sum of
each transaction type equals the books' figure for it (docs/iati.md).

The file's transactions are read from pledges, receipts and grant entries
(``iati.selectors``); the figures they must equal are read another way:
the statement's lines and the accounts' debits from the ledger's day totals
(``reports.services.statement.ledger_lines``, what the statement reads), and
the receipts:

- incoming funds (1) = the statement's cash received;
- expenditure (4) = the statement's travel expenditure;
- incoming commitments (11) = the change in pledges receivable over the
  period + what receipts of the period cleared from it;
- outgoing commitments (2) = the debits to the commitments account;
- disbursements (3) = the debits to the travel advances account.

A difference means something reached those accounts that the file does not
report (a manual journal, a reversal): the check names the type and both
figures, in the fund's currency.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from donors.models import Receipt
from fundmgr.chart import AccountKey
from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import Fund
from fundmgr.money import Money, round_amount
from iati import selectors as s
from reports.services.statement import cash_received, ledger_lines

LABELS = {
    s.INCOMING_COMMITMENT: "Incoming Commitment",
    s.INCOMING_FUNDS: "Incoming Funds",
    s.OUTGOING_COMMITMENT: "Outgoing Commitment",
    s.DISBURSEMENT: "Disbursement",
    s.EXPENDITURE: "Expenditure",
}


@dataclass(frozen=True)
class TypeCheck:
    type: str
    reported: Money
    expected: Money
    source: str

    @property
    def holds(self) -> bool:
        return self.reported == self.expected

    def problem(self) -> str:
        return _(
            "Transaction type %(code)s (%(label)s): the file reports %(reported)s, "
            "%(source)s is %(expected)s."
        ) % {
            "code": self.type,
            "label": LABELS[self.type],
            "reported": f"{self.reported.amount} {self.reported.currency}",
            "source": self.source,
            "expected": f"{self.expected.amount} {self.expected.currency}",
        }


def transaction_checks(
    fund: Fund,
    end: datetime.date,
    start: datetime.date | None = None,
    flows: Iterable[s.Flow] | None = None,
) -> list[TypeCheck]:
    """Each transaction type's sum over [start, end] beside the books' figure."""
    currency = fund.base_currency
    if flows is None:
        flows = s.all_flows(fund, end, start)
    reported: dict[str, Decimal] = defaultdict(Decimal)
    for flow in flows:
        if start is not None and flow.date < start or flow.date > end:
            continue
        reported[flow.type] += flow.base

    # The statement's lines and the accounts' debits, read once from the
    # ledger's day totals: what the statement reads, never the legs again.
    lines = ledger_lines(fund, end, start)
    receipts = Receipt.objects.filter(fund=fund, entry__date__lte=end)
    if start is not None:
        receipts = receipts.filter(entry__date__gte=start)
    cleared = receipts.aggregate(total=ExactSum("receivable_cleared"))["total"] or Decimal(0)
    zero = Decimal(0)
    expected = {
        s.INCOMING_COMMITMENT: (
            lines.within.get(AccountKey.PLEDGES_RECEIVABLE, zero) + cleared,
            _("the change in pledges receivable plus what receipts cleared from it"),
        ),
        s.INCOMING_FUNDS: (
            cash_received(fund, lines.start, end).amount,
            _("the statement's cash received"),
        ),
        s.OUTGOING_COMMITMENT: (
            lines.debits.get(AccountKey.COMMITMENTS, zero),
            _("the debits to the commitments account"),
        ),
        s.DISBURSEMENT: (
            lines.debits.get(AccountKey.TRAVEL_ADVANCES, zero),
            _("the debits to the travel advances account"),
        ),
        s.EXPENDITURE: (
            lines.line(AccountKey.TRAVEL_EXPENDITURE).amount,
            _("the statement's travel expenditure"),
        ),
    }
    return [
        TypeCheck(
            code,
            Money(round_amount(reported[code], currency), currency),
            Money(round_amount(figure, currency), currency),
            source,
        )
        for code, (figure, source) in expected.items()
    ]


def check_transactions(
    fund: Fund,
    end: datetime.date,
    start: datetime.date | None = None,
    flows: Iterable[s.Flow] | None = None,
) -> list[str]:
    """The rule's problems over [start, end], one sentence each; none when it holds."""
    return [
        check.problem() for check in transaction_checks(fund, end, start, flows) if not check.holds
    ]
