"""A card payout's exchange difference, booked once a finance officer confirms it.

Each card receipt reaches card clearing at its charge date's rate and the
payout leaves it at its arrival date's, so a payout in another currency than
the fund's can leave a residue in clearing: the row's *difference* on the
bank reconciliation page (``reports.services.payouts``). Nothing tells an
exchange difference from a movement not booked yet, so a person confirms it;
it is then booked at the arrival date to realised exchange gains (4200) or
losses (5300), once per payout (key ``payout-fx:<payout pk>``).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from donors.payments.models import CardPayout
from fundmgr.chart import AccountKey
from fundmgr.models import EntryKind, JournalEntry
from fundmgr.money import Money, round_money
from fundmgr.sentences import Sentence, money_kept
from fundmgr.services.audit import Actor, log_action
from fundmgr.services.ledger import LedgerError, credit, debit, post_entry
from reports.sentences import MEMO_PAYOUT_FX_GAIN, MEMO_PAYOUT_FX_LOSS
from reports.services.bank_reconciliation import BankReconciliationError
from reports.services.payouts import exchange_key, payout_row


class PayoutExchangeError(BankReconciliationError):
    """The exchange difference cannot be booked; the message says why, nothing was saved."""


@transaction.atomic
def book_payout_exchange_difference(
    payout: CardPayout, by: Actor, expected: Decimal | None = None
) -> JournalEntry:
    """Book ``payout``'s difference as an exchange difference, at its arrival
    date: a positive one (more arrived than clearing held) Dr card clearing /
    Cr exchange gains, a negative one Dr exchange losses / Cr card clearing.
    ``expected``: the difference the person saw; refused if it has changed
    since. A second call returns the entry already booked."""
    payout = CardPayout.objects.select_for_update().select_related("fund").get(pk=payout.pk)
    fund, key = payout.fund, exchange_key(payout)
    booked = (
        JournalEntry.objects.posted()
        .from_source(payout)
        .filter(fund=fund, kind=EntryKind.PAYOUT_FX)
        .first()
    )
    if booked is not None:
        return booked  # a double click, or the page was stale: nothing twice
    difference = payout_row(payout).difference
    currency = fund.base_currency
    if difference == 0:
        raise PayoutExchangeError(
            _("Payout %(payout)s has no difference to book: it settles exactly its amount.")
            % {"payout": payout.payout_id}
        )
    if expected is not None and expected != difference:
        raise PayoutExchangeError(
            _(
                "The difference of payout %(payout)s is now %(now)s, not %(shown)s as shown: "
                "look at the page again before booking it."
            )
            % {
                "payout": payout.payout_id,
                "now": round_money(Money(difference, currency)),
                "shown": round_money(Money(expected, currency)),
            }
        )
    size = round_money(Money(abs(difference), currency))
    if difference > 0:
        account = AccountKey.FX_GAINS
        legs = [debit(AccountKey.CARD_CLEARING, size), credit(AccountKey.FX_GAINS, size)]
    else:
        account = AccountKey.FX_LOSSES
        legs = [debit(AccountKey.FX_LOSSES, size), credit(AccountKey.CARD_CLEARING, size)]
    try:
        entry = post_entry(
            fund,
            payout.arrival_date,
            # Kept by code, read in the reader's language (its English in ``memo``).
            Sentence(
                MEMO_PAYOUT_FX_GAIN if difference > 0 else MEMO_PAYOUT_FX_LOSS,
                {"payout": payout.payout_id, "amount": money_kept(size)},
            ),
            legs,
            by,
            kind=EntryKind.PAYOUT_FX,
            source=payout,
            idempotency_key=key,
        )
    except (LedgerError, LookupError) as refused:
        raise PayoutExchangeError(str(refused)) from refused
    log_action(
        payout,
        "card-payout:fx-booked",
        by,
        "",
        {
            "entry": entry.pk,
            "amount": str(round_money(Money(difference, currency)).amount),
            "account": str(account),
        },
    )
    return entry
