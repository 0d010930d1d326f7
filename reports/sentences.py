"""The sentences the reports app keeps, by code (fundmgr.sentences): why a
journal entry it posts was made (JournalEntry.memo_sentence), read in the
reader's language. References, descriptions a person typed, budget lines'
names and amounts are kept as written. A code, once stored, keeps its
meaning; its wording may change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fundmgr.sentences import define, money_shown

MEMO_BANK_CHARGE = define(
    "memo.bank-charge",
    _("Bank charge, statement %(statement)s line %(line)s %(amount)s"),
    amount=money_shown,
)
MEMO_BANK_INTEREST = define(
    "memo.bank-interest",
    _("Bank interest, statement %(statement)s line %(line)s %(amount)s"),
    amount=money_shown,
)
MEMO_PAYOUT_FX_GAIN = define(
    "memo.payout-fx.gain",
    _("Exchange difference on card payout %(payout)s (gain) %(amount)s"),
    amount=money_shown,
)
MEMO_PAYOUT_FX_LOSS = define(
    "memo.payout-fx.loss",
    _("Exchange difference on card payout %(payout)s (loss) %(amount)s"),
    amount=money_shown,
)
MEMO_HOST_CASH_RECEIVED = define(
    "memo.host.cash-received",
    _(
        "Host country cash contribution received for %(event)s: %(description)s "
        "(ref. %(reference)s)"
    ),
)
MEMO_HOST_IN_KIND = define(
    "memo.host.in-kind",
    _("Host country services provided in kind for %(event)s: %(description)s (ref. %(reference)s)"),
)


def _budget_line(line: dict) -> str:
    """A budget line's name (BudgetLine.name) in the reader's language: its
    category from the catalogue, its label as typed."""
    from reports.models import BudgetCategory

    category, label = line.get("category", ""), line.get("label", "")
    if category == BudgetCategory.OTHER:
        return label
    shown = str(BudgetCategory(category).label) if category in BudgetCategory.values else category
    return f"{shown}: {label}" if label else shown


MEMO_HOST_COST = define(
    "memo.host.cost",
    _(
        "Conference cost paid from host country cash for %(event)s, %(line)s: "
        "%(description)s (ref. %(reference)s)"
    ),
    line=_budget_line,
)
