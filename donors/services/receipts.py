"""Recording money received, for a pledge or not, with its ledger entry.

For a binding pledge the receipt clears the receivable at the rate it was
booked at; the cash comes in at the value date's rate; the difference is a
realised exchange gain or loss. Whatever exceeds what is still owed is a
contribution of its own, at the value date's rate. For a pledge that is not
binding, revenue is recognised on receipt.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models, transaction
from django.utils.translation import gettext as _

from donors.models import Donor, Pledge, Receipt
from donors.sentences import MEMO_RECEIPT, MEMO_RECEIPT_NO_PLEDGE
from donors.services.notifications import send_receipt_acknowledgement
from fundmgr.chart import AccountKey
from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import EntryKind, Fund, JournalEntry
from fundmgr.money import Money, quantum
from fundmgr.sentences import Sentence, money_kept
from fundmgr.services.audit import Actor, log_action
from fundmgr.services.ledger import LegSpec, credit, debit, post_or_find_entry
from fundmgr.services.rates import convert
from fundmgr.services.sequences import next_number


class ReceiptError(ValueError):
    pass


@dataclass(frozen=True)
class Fee:
    """A fee deducted before the money reached the fund (card or bank charges)."""

    amount: Money  # in the fund's currency
    account: str = AccountKey.CARD_FEES


def outstanding(pledge: Pledge) -> Decimal:
    """What is still owed on the pledge, in the pledge's currency."""
    paid = pledge.receipts.aggregate(total=ExactSum("applied"))["total"] or Decimal(0)
    return pledge.amount.amount - paid


def _receivable_base(pledge: Pledge) -> Decimal:
    entry = pledge.receivable_entry
    assert entry is not None  # called only for a pledge whose receivable is booked
    return entry.legs.get(account__key=AccountKey.PLEDGES_RECEIVABLE).debit


def _share(total: Decimal, part: Decimal, whole: Decimal, currency: str) -> Decimal:
    return (total * part / whole).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def _receipt_number(fund: Fund, day: datetime.date) -> str:
    return f"{fund.code}-{day.year}-{next_number(f'receipt:{fund.code}:{day.year}'):06d}"


@transaction.atomic
def record_receipt(
    *,
    fund: Fund,
    donor: Donor,
    amount: Money,
    value_date: datetime.date,
    by: Actor,
    pledge: Pledge | None = None,
    method: str = Receipt.Method.BANK,
    external_reference: str = "",
    fees: tuple[Fee, ...] = (),
    idempotency_key: str | None = None,
    notify: bool = True,
    key_is_new: bool = False,
    source: models.Model | None = None,
    kind: EntryKind = EntryKind.RECEIPT,
) -> Receipt:
    """Record one receipt and post its balanced entry; with ``idempotency_key``
    a second call returns the first receipt and records nothing.

    ``key_is_new``: the caller has made sure, in this transaction, that no
    entry holds ``idempotency_key`` (the bank import: the key is its line's,
    held by that line's unique dedupe key); the look for an earlier receipt
    is then skipped. A simultaneous post with the key is still caught.

    ``source``: what the money came through, the entry's source (a card
    payment, a bank line); by default the pledge, else the donor. ``kind``:
    a card receipt (``EntryKind.CARD_RECEIPT``) is one the processor's
    payment booked, which its payout settles."""
    if idempotency_key and not key_is_new:
        earlier = JournalEntry.objects.filter(fund=fund, idempotency_key=idempotency_key).first()
        if earlier is not None:
            return Receipt.objects.get(entry=earlier)
    if amount.amount <= 0:
        raise ReceiptError(_("A receipt must be greater than zero."))
    base = fund.base_currency
    if pledge is not None:
        pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if pledge.fund_id != fund.pk or pledge.donor_id != donor.pk:
            raise ReceiptError(_("That pledge is not this donor's pledge to this fund."))
        if pledge.status == Pledge.Status.CANCELLED:
            # Its receivable is written off: money for it would drive the
            # receivable negative and make a cancelled pledge "paid".
            raise ReceiptError(
                _(
                    "Pledge %(reference)s is cancelled: record the money for its donor "
                    "without the pledge."
                )
                % {"reference": pledge.reference}
            )
        if pledge.amount.currency != amount.currency:
            raise ReceiptError(
                _("Pledged in %(pledged)s but received in %(received)s: a person must decide.")
                % {"pledged": pledge.amount.currency, "received": amount.currency}
            )
        if value_date < pledge.pledge_date:
            # The receivable would be negative between the two dates.
            raise ReceiptError(
                _(
                    "The money arrived on %(value_date)s, before the pledge %(reference)s of "
                    "%(pledge_date)s. Move the pledge's date back to %(value_date)s (“Move the "
                    "pledge date” on the pledge's page or on the bank line in the queue; "
                    "possible while it has received nothing), or record the money for its "
                    "donor without the pledge."
                )
                % {
                    "value_date": value_date,
                    "reference": pledge.reference,
                    "pledge_date": pledge.pledge_date,
                }
            )
    cash = convert(amount, base, value_date).result.amount
    if cash <= 0:
        raise ReceiptError(
            _("%(amount)s is worth less than the smallest unit of %(currency)s: nothing to record.")
            % {"amount": amount, "currency": base}
        )
    cash_account = AccountKey.CARD_CLEARING if method == Receipt.Method.CARD else AccountKey.BANK
    for fee in fees:
        if fee.amount.currency.code != base:
            raise ReceiptError(
                _("A fee must be in the fund's currency %(currency)s, not %(fee)s.")
                % {"currency": base, "fee": fee.amount.currency.code}
            )
    fee_total = sum((fee.amount.amount for fee in fees), Decimal(0))
    if fee_total > cash:
        raise ReceiptError(
            _("Fees of %(fees)s %(currency)s are more than the %(cash)s %(currency)s received.")
            % {"fees": fee_total, "cash": cash, "currency": base}
        )
    legs: list[LegSpec] = []
    if cash - fee_total > 0:
        legs.append(debit(cash_account, Money(cash - fee_total, base)))
    legs += [debit(fee.account, fee.amount) for fee in fees]

    applied = Decimal(0)
    cleared = Decimal(0)
    owed = Decimal(0)  # still owed on the (locked) pledge before this receipt
    if pledge is not None:
        owed = outstanding(pledge)
        applied = min(amount.amount, max(owed, Decimal(0)))
    applied_cash = _share(cash, applied, amount.amount, base) if applied else Decimal(0)
    excess, excess_cash = amount.amount - applied, cash - applied_cash

    if pledge is not None and applied and pledge.receivable_entry_id:
        receivable = _receivable_base(pledge)
        cleared_before = pledge.receipts.aggregate(t=ExactSum("receivable_cleared"))[
            "t"
        ] or Decimal(0)
        if applied == owed:
            cleared = receivable - cleared_before  # the last payment clears it exactly
        else:
            cleared = _share(receivable, applied, pledge.amount.amount, base)
        if cleared <= 0:
            raise ReceiptError(
                _(
                    "%(amount)s clears less than the smallest unit of %(currency)s of pledge "
                    "%(reference)s: record it with the next payment."
                )
                % {"amount": amount, "currency": base, "reference": pledge.reference}
            )
        legs.append(
            credit(
                AccountKey.PLEDGES_RECEIVABLE, Money(applied, amount.currency), Money(cleared, base)
            )
        )
        difference = applied_cash - cleared
        if difference > 0:
            legs.append(credit(AccountKey.FX_GAINS, Money(difference, base)))
        elif difference < 0:
            legs.append(debit(AccountKey.FX_LOSSES, Money(-difference, base)))
    elif applied:
        legs.append(
            credit(
                AccountKey.CONTRIBUTIONS, Money(applied, amount.currency), Money(applied_cash, base)
            )
        )
    if excess:
        legs.append(
            credit(
                AccountKey.CONTRIBUTIONS, Money(excess, amount.currency), Money(excess_cash, base)
            )
        )

    # Kept by code, read in the reader's language (its English in ``memo``).
    said = {"donor": str(donor), "amount": money_kept(amount), "reference": external_reference}
    memo = (
        Sentence(MEMO_RECEIPT, {**said, "pledge": pledge.reference})
        if pledge
        else Sentence(MEMO_RECEIPT_NO_PLEDGE, said)
    )
    entry, posted = post_or_find_entry(
        fund,
        value_date,
        memo,
        legs,
        by,
        kind=kind,
        source=source or pledge or donor,
        idempotency_key=idempotency_key,
        key_is_new=key_is_new,
    )
    if not posted:
        # A simultaneous call with the same key posted first: its receipt stands.
        recorded = Receipt.objects.filter(entry=entry).first()
        if recorded is not None:
            return recorded
    receipt = Receipt.objects.create(
        fund=fund,
        number=_receipt_number(fund, value_date),
        donor=donor,
        pledge=pledge,
        amount=amount,
        value_date=value_date,
        method=method,
        base_amount=cash,
        applied=applied,
        receivable_cleared=cleared,
        entry=entry,
        external_reference=external_reference,
    )
    if pledge is not None:
        left = owed - applied  # the pledge is locked: what outstanding() now says
        pledge.status = Pledge.Status.PAID if left <= 0 else Pledge.Status.PARTLY_PAID
        pledge.save(update_fields=["status"])
    log_action(receipt, "receipt:recorded", by, external_reference, {"amount": str(amount)})
    if notify:
        # Written to the outbox with the receipt, sent once it commits
        # (fundmgr.services.mail); an import thanks for its receipts in bulk.
        send_receipt_acknowledgement(receipt)
    return receipt
