"""Card payments: starting one for a pledge, and acting on Stripe's webhooks.

Webhooks are hints (STYLE.md pattern 3). ``process_event`` stores the event id
once, then each handler reads the object's *current* state back from Stripe
through ``donors.payments.gateway`` and acts on that, inside a transaction
that locks the ``CardPayment`` row first and re-checks what is already
recorded (pattern 2). Every Stripe object is booked once under its own id
(pattern 4), so a repeated, late or out-of-order event changes nothing twice.

Accounts (fundmgr/chart.py), all at the rate the receipt was booked at, so
card clearing is emptied exactly by what filled it:

* payment succeeded: ``record_receipt`` - Dr card clearing (gross less fee),
  Dr card fees, Cr contributions (a card pledge is not binding: revenue on
  receipt), at the charge date's rate.
* refund: Dr refunds to donors, Cr card clearing, for the refunded share.
  Contribution revenue stays what was received; what went back is shown on
  its own line, as a lost dispute is.
* dispute opened (money withdrawn by Stripe): Dr refunds payable, Cr card
  clearing. While open, refunds payable carries a *debit* balance: an amount
  the processor holds that may go back to the donor. Won: that entry is
  reversed (the money returns to clearing). Lost: Dr refunds to donors,
  Cr refunds payable, so it ends as a refund. Inquiries (``warning_*``) move
  no money and book nothing.
* dispute fee (the fees on the dispute's balance transactions): Dr card fees,
  Cr card clearing, at the rate of the day it was withdrawn; a fee Stripe
  returns later is taken back at the value it was booked at.
* payout paid: Dr bank, Cr card clearing, at the arrival date's rate.
"""

from __future__ import annotations

import datetime
import json
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from donors.models import PaymentMethod, Pledge, Receipt
from donors.payments import gateway
from donors.payments.models import CardDispute, CardPayment, CardPayout, CardRefund, StripeEvent
from donors.sentences import (
    MEMO_CARD_DISPUTE_FEE,
    MEMO_CARD_DISPUTE_FEE_RETURNED,
    MEMO_CARD_DISPUTE_HELD,
    MEMO_CARD_DISPUTE_LOST,
    MEMO_CARD_DISPUTE_WON,
    MEMO_CARD_PAYOUT,
    MEMO_CARD_REFUND,
)
from donors.services.online import ONLINE_ACTOR, pledge_online, send_card_outcome
from donors.services.receipts import Fee, record_receipt
from fundmgr.chart import AccountKey
from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import EntryKind, Fund, JournalEntry
from fundmgr.money import Money, round_amount
from fundmgr.sentences import Sentence, money_kept
from fundmgr.services.audit import log_action
from fundmgr.services.ledger import credit, debit, post_entry, reverse_entry
from fundmgr.services.rates import convert

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "stripe-webhook"
#: Test cards the development payment page offers (localstripe knows them).
DEVELOPMENT_CARDS = ("pm_card_visa", "pm_card_chargeCustomerFail")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


# -- starting a payment --------------------------------------------------------------


def card_payments_enabled() -> bool:
    return bool(getattr(settings, "STRIPE_SECRET_KEY", ""))


def development_cards_enabled() -> bool:
    """True when the gateway talks to localstripe on this machine (never real Stripe)."""
    base = getattr(settings, "STRIPE_API_BASE", None)
    return card_payments_enabled() and bool(base) and urlsplit(base).hostname in LOOPBACK_HOSTS


def new_checkout_token() -> str:
    return secrets.token_urlsafe(24)


def pledge_by_card(*, checkout_token: str, **pledge_fields) -> CardPayment:
    """Record an online pledge paid by card and its CardPayment, in one transaction.

    The same ``checkout_token`` (one per rendering of the form) again returns
    the first CardPayment: a form posted twice makes one pledge and one payment.
    The donor is found or made, and the pledge left unconfirmed unless the
    donor is signed in, exactly as for a bank transfer (``pledge_online``)."""
    existing = CardPayment.objects.filter(checkout_token=checkout_token).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            pledge = pledge_online(
                method=PaymentMethod.CARD, form_token=checkout_token, **pledge_fields
            )
            payment = CardPayment.objects.create(
                pledge=pledge,
                amount=pledge.amount,
                checkout_token=checkout_token,
                site_url=pledge_fields.get("base_url", "")[:300],
            )
            log_action(
                payment, "card-payment:started", ONLINE_ACTOR, "", {"amount": str(pledge.amount)}
            )
    except IntegrityError:
        existing = CardPayment.objects.filter(checkout_token=checkout_token).first()
        if existing is None:
            raise
        return existing
    return payment


def payment_intent_key(pledge: Pledge) -> str:
    """Deterministic: a retried create reaches Stripe with the same Idempotency-Key."""
    return gateway.idempotency_key("pledge-payment-intent", pledge.fund.code, pledge.reference)


def ensure_payment_intent(payment: CardPayment) -> CardPayment:
    """The PaymentIntent for this card payment, created once.

    Stripe creates one PaymentIntent per key, and the locked row keeps the
    first id it stored, so two requests at once still end with one."""
    if payment.payment_intent_id:
        return payment
    pledge = payment.pledge
    intent = gateway.create_payment_intent(
        gateway.to_minor_units(payment.amount),
        payment.amount.currency.code,
        payment_intent_key(pledge),
        {"pledge": pledge.reference, "fund": pledge.fund.code},
    )
    with transaction.atomic():
        locked = CardPayment.objects.select_for_update().get(pk=payment.pk)
        if not locked.payment_intent_id:
            locked.payment_intent_id = intent.id
            locked.client_secret = intent.client_secret or ""
            locked.save(update_fields=["payment_intent_id", "client_secret", "updated_at"])
            log_action(
                locked, "card-payment:intent-created", ONLINE_ACTOR, "", {"intent": intent.id}
            )
    return locked


def confirm_with_development_card(payment: CardPayment, payment_method: str) -> str:
    """Development only: confirm server-side with a localstripe test card.

    Returns "confirmed", "declined" or "already"; what is recorded still comes
    from the webhook, never from this answer."""
    if not development_cards_enabled():
        raise PermissionError("development cards are only for localstripe")
    if payment_method not in DEVELOPMENT_CARDS:
        raise ValueError(f"not a development card: {payment_method!r}")
    payment = ensure_payment_intent(payment)
    intent = gateway.retrieve_payment_intent(payment.payment_intent_id)
    if intent.status not in ("requires_payment_method", "requires_confirmation"):
        return "already"
    try:
        gateway.confirm_payment_intent(
            payment.payment_intent_id,
            payment_method,
            idempotency_key=gateway.idempotency_key(
                "pledge-confirm", payment.payment_intent_id, payment_method
            ),
        )
    except stripe.CardError:
        return "declined"  # the payment_failed webhook marks it
    with transaction.atomic():
        locked = CardPayment.objects.select_for_update().get(pk=payment.pk)
        if locked.status == CardPayment.Status.FAILED:
            # A new attempt went through after a decline: wait for Stripe's word on it.
            # (A webhook that already moved it to succeeded is left alone.)
            locked.status = CardPayment.Status.PROCESSING
            locked.save(update_fields=["status", "updated_at"])
    return "confirmed"


# -- reading Stripe's state ------------------------------------------------------------


@dataclass(frozen=True)
class PaymentState:
    intent: stripe.PaymentIntent
    charge: stripe.Charge | None  # the succeeded charge, balance transaction expanded


def _fetch_payment(payment_intent_id: str) -> PaymentState:
    intent = gateway.retrieve_payment_intent(payment_intent_id)
    charge = None
    if intent.status == "succeeded":
        charge_id = gateway.latest_charge_id(intent)
        if charge_id:
            charge = gateway.retrieve_charge(charge_id)
    return PaymentState(intent, charge)


def _day(timestamp: int) -> datetime.date:
    return timezone.localdate(datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC))


def _missing(error: stripe.StripeError) -> bool:
    return getattr(error, "http_status", None) == 404


def _locked(payment_id: int) -> CardPayment:
    return (
        CardPayment.objects.select_for_update(of=("self",))
        .select_related("pledge__fund", "pledge__donor", "receipt")
        .get(pk=payment_id)
    )


# -- acting on a payment's state -------------------------------------------------------


def _fee_base(charge: stripe.Charge, base_currency: str, day: datetime.date) -> Decimal:
    transaction_ = getattr(charge, "balance_transaction", None)
    if transaction_ is None:
        return Decimal(0)
    if isinstance(transaction_, str):
        transaction_ = gateway.retrieve_balance_transaction(transaction_)
    fee_minor = getattr(transaction_, "fee", None) or 0
    if not fee_minor:
        return Decimal(0)
    fee = gateway.from_minor_units(int(fee_minor), transaction_.currency)
    return convert(fee, base_currency, day).result.amount


def _apply_payment(payment: CardPayment, state: PaymentState) -> str:
    """Lock held by the caller. Records the receipt once; marks a decline once."""
    intent = state.intent
    if intent.status == "succeeded" and state.charge is not None:
        if payment.receipt_id:
            return f"no change: receipt {payment.receipt.number} already recorded"
        pledge = payment.pledge
        fund = pledge.fund
        charge = state.charge
        received = (
            getattr(intent, "amount_received", None) or intent.amount
        )  # localstripe: amount only
        amount = gateway.from_minor_units(int(received), intent.currency)
        value_date = _day(charge.created)
        fee_base = _fee_base(charge, fund.base_currency, value_date)
        # A pledge cancelled while the donor's payment page was open takes no
        # receipt; the money arrived all the same and is the donor's contribution.
        cancelled = pledge.status == Pledge.Status.CANCELLED
        receipt = record_receipt(
            fund=fund,
            donor=pledge.donor,
            amount=amount,
            value_date=value_date,
            by=SYSTEM_ACTOR,
            pledge=None if cancelled else pledge,
            method=Receipt.Method.CARD,
            external_reference=charge.id,
            fees=(Fee(Money(fee_base, fund.base_currency)),) if fee_base > 0 else (),
            idempotency_key=f"card:{intent.id}",
            source=payment,
            kind=EntryKind.CARD_RECEIPT,
        )
        payment.status = CardPayment.Status.SUCCEEDED
        payment.charge_id = charge.id
        payment.receipt = receipt
        payment.fee_base = fee_base
        payment.failure_message = ""
        payment.save()
        log_action(
            payment,
            "card-payment:succeeded",
            SYSTEM_ACTOR,
            "",
            {"intent": intent.id, "charge": charge.id, "receipt": receipt.number},
        )
        send_card_outcome(pledge, paid=True, base_url=payment.site_url)
        return f"receipt {receipt.number} recorded"
    if payment.receipt_id:
        return f"no change: already paid, Stripe says {intent.status}"
    error = getattr(intent, "last_payment_error", None)
    if intent.status == "requires_payment_method" and error:
        if payment.status == CardPayment.Status.FAILED:
            return "no change: already marked declined"
        payment.status = CardPayment.Status.FAILED
        payment.failure_message = str(
            getattr(error, "message", None) or getattr(error, "code", None) or ""
        )[:500]
        payment.save(update_fields=["status", "failure_message", "updated_at"])
        log_action(
            payment,
            "card-payment:failed",
            SYSTEM_ACTOR,
            payment.failure_message,
            {"intent": intent.id},
        )
        send_card_outcome(
            payment.pledge, paid=False, reason=payment.failure_message, base_url=payment.site_url
        )
        return "marked declined"
    return f"no change: payment intent is {intent.status}"


def _withdrawn(payment: CardPayment) -> tuple[Decimal, Decimal]:
    """What already left card clearing for this payment: (original amount, base)."""
    refunds = payment.refunds.aggregate(a=ExactSum("amount"), b=ExactSum("base_amount"))
    disputes = (
        payment.disputes.filter(held_entry__isnull=False)
        .exclude(status="won")
        .aggregate(a=ExactSum("amount"), b=ExactSum("base_amount"))
    )
    return (
        (refunds["a"] or Decimal(0)) + (disputes["a"] or Decimal(0)),
        (refunds["b"] or Decimal(0)) + (disputes["b"] or Decimal(0)),
    )


def _base_share(payment: CardPayment, amount: Money) -> Decimal:
    """``amount``'s value at the receipt's rate; what completes the whole gets the rest exactly."""
    receipt = payment.receipt
    base_currency = payment.pledge.fund.base_currency
    taken, taken_base = _withdrawn(payment)
    if taken + amount.amount >= receipt.amount.amount:
        return receipt.base_amount - taken_base
    share = receipt.base_amount * amount.amount / receipt.amount.amount
    return round_amount(share, base_currency)


def _settle_status(payment: CardPayment) -> None:
    if payment.disputes.filter(held_entry__isnull=False, closing_entry__isnull=True).exists():
        status = CardPayment.Status.DISPUTED
    else:
        refunded = payment.refunds.aggregate(a=ExactSum("amount"))["a"] or Decimal(0)
        lost = payment.disputes.filter(status="lost").aggregate(a=ExactSum("amount"))["a"]
        back = refunded + (lost or Decimal(0))
        if back >= payment.receipt.amount.amount:
            status = CardPayment.Status.REFUNDED
        elif back > 0:
            status = CardPayment.Status.PARTLY_REFUNDED
        else:
            status = CardPayment.Status.SUCCEEDED
    if status != payment.status:
        payment.status = status
        payment.save(update_fields=["status", "updated_at"])


def _apply_refunds(payment: CardPayment, refunds: Iterable[stripe.Refund]) -> list[str]:
    known = set(payment.refunds.values_list("refund_id", flat=True))
    fund = payment.pledge.fund
    done = []
    for refund in sorted(refunds, key=lambda r: (r.created, r.id)):
        # A pending refund has left the balance already; a failed one has not.
        if refund.id in known or refund.status not in ("succeeded", "pending"):
            continue
        amount = gateway.from_minor_units(int(refund.amount), refund.currency)
        base = Money(_base_share(payment, amount), fund.base_currency)
        entry = post_entry(
            fund,
            max(_day(refund.created), payment.receipt.value_date),
            Sentence(
                MEMO_CARD_REFUND,
                {
                    "refund": refund.id,
                    "charge": payment.charge_id,
                    "pledge": payment.pledge.reference,
                    "amount": money_kept(amount),
                },
            ),
            [
                debit(AccountKey.DONOR_REFUNDS, amount, base),
                credit(AccountKey.CARD_CLEARING, amount, base),
            ],
            SYSTEM_ACTOR,
            kind=EntryKind.CARD_REFUND,
            source=payment,
            source_ref=refund.id,
            idempotency_key=f"card-refund:{refund.id}",
        )
        CardRefund.objects.create(
            refund_id=refund.id,
            card_payment=payment,
            amount=amount,
            base_amount=base.amount,
            entry=entry,
        )
        log_action(
            payment,
            "card-payment:refunded",
            SYSTEM_ACTOR,
            "",
            {"refund": refund.id, "amount": str(amount)},
        )
        known.add(refund.id)
        done.append(f"refund {refund.id} recorded")
    _settle_status(payment)
    return done


def _apply_dispute(payment: CardPayment, dispute: stripe.Dispute) -> list[str]:
    fund = payment.pledge.fund
    base_currency = fund.base_currency
    amount = gateway.from_minor_units(int(dispute.amount), dispute.currency)
    record = CardDispute.objects.filter(dispute_id=dispute.id).first()
    done = []
    if record is None:
        record = CardDispute.objects.create(
            dispute_id=dispute.id,
            card_payment=payment,
            status=dispute.status,
            reason=getattr(dispute, "reason", None) or "",
            amount=amount,
        )
    status = dispute.status
    if not status.startswith("warning_") and record.held_entry_id is None:
        base = _base_share(payment, amount)
        held = post_entry(
            fund,
            max(_day(dispute.created), payment.receipt.value_date),
            Sentence(
                MEMO_CARD_DISPUTE_HELD,
                {
                    "dispute": dispute.id,
                    "charge": payment.charge_id,
                    "pledge": payment.pledge.reference,
                    "amount": money_kept(amount),
                },
            ),
            [
                debit(AccountKey.REFUNDS_PAYABLE, amount, Money(base, base_currency)),
                credit(AccountKey.CARD_CLEARING, amount, Money(base, base_currency)),
            ],
            SYSTEM_ACTOR,
            kind=EntryKind.CARD_DISPUTE,
            source=record,
            idempotency_key=f"card-dispute:{dispute.id}:held",
        )
        record.held_entry, record.base_amount = held, base
        done.append(f"dispute {dispute.id} held")
        log_action(
            payment,
            "card-payment:disputed",
            SYSTEM_ACTOR,
            record.reason,
            {"dispute": dispute.id, "amount": str(amount)},
        )
    if record.held_entry_id:
        done += _book_dispute_fee(payment, record, dispute)
    if status in ("won", "lost") and record.held_entry_id and record.closing_entry_id is None:
        if status == "won":
            closing = reverse_entry(
                record.held_entry,
                SYSTEM_ACTOR,
                Sentence(MEMO_CARD_DISPUTE_WON, {"dispute": dispute.id}),
            )
        else:
            held_base = Money(record.base_amount, base_currency)
            closing = post_entry(
                fund,
                max(timezone.localdate(), record.held_entry.date),
                Sentence(
                    MEMO_CARD_DISPUTE_LOST,
                    {"dispute": dispute.id, "pledge": payment.pledge.reference},
                ),
                [
                    debit(AccountKey.DONOR_REFUNDS, amount, held_base),
                    credit(AccountKey.REFUNDS_PAYABLE, amount, held_base),
                ],
                SYSTEM_ACTOR,
                kind=EntryKind.CARD_DISPUTE,
                source=record,
                idempotency_key=f"card-dispute:{dispute.id}:lost",
            )
        record.closing_entry, record.closed_at = closing, timezone.now()
        done.append(f"dispute {dispute.id} {status}")
        log_action(
            payment, f"card-payment:dispute-{status}", SYSTEM_ACTOR, "", {"dispute": dispute.id}
        )
    record.status = status
    record.save()
    _settle_status(payment)
    return done or [f"no change: dispute {dispute.id} is {status}"]


def _dispute_fee(dispute: stripe.Dispute) -> tuple[int, str]:
    """Stripe's fee on ``dispute`` now, in minor units of its currency: the sum
    of the fees of the dispute's balance transactions (the withdrawal carries
    the dispute fee; a reinstatement may return it with a negative fee)."""
    total, currency = 0, ""
    for transaction_ in getattr(dispute, "balance_transactions", None) or []:
        fee = int(getattr(transaction_, "fee", 0) or 0)
        if not fee:
            continue
        code = str(transaction_.currency).upper()
        if currency and code != currency:
            raise ValueError(
                f"dispute {dispute.id}: fees in {currency} and {code}; book them by hand"
            )
        total, currency = total + fee, code
    return total, currency


def _book_dispute_fee(payment: CardPayment, record: CardDispute, dispute: stripe.Dispute):
    """Book what changed in the dispute's fee since last time: a new fee,
    Dr card fees / Cr card clearing (Stripe takes it from the balance it pays
    out); a fee returned, the opposite, at the value it was booked at. Each
    change is its own entry, keyed by the dispute and a count (the payment's
    row lock is held), so a repeated event books nothing twice."""
    total, currency = _dispute_fee(dispute)
    change = total - record.fee_minor
    if not change:
        return []
    currency = currency or record.fee_currency
    if record.fee_currency and currency != record.fee_currency:
        raise ValueError(
            f"dispute {dispute.id}: fee now in {currency}, booked in {record.fee_currency}"
        )
    fund = payment.pledge.fund
    base_currency = fund.base_currency
    # A first fee is withdrawn with the disputed amount; a later change is booked when seen.
    held_on = record.held_entry.date
    day = held_on if record.fee_minor == 0 else max(timezone.localdate(), held_on)
    size = gateway.from_minor_units(abs(change), currency)
    if change < 0 and record.fee_minor:
        # Returned: the booked value's share; all of it returns exactly what was booked.
        share = record.fee_base * Decimal(-change) / Decimal(record.fee_minor)
        base = (
            record.fee_base if -change >= record.fee_minor else round_amount(share, base_currency)
        )
    else:
        base = convert(size, base_currency, day).result.amount
    value = Money(base, base_currency)
    earlier = (
        JournalEntry.objects.from_source(record)
        .filter(fund=fund, kind=EntryKind.CARD_DISPUTE_FEE)
        .count()
    )
    if change > 0:
        legs = [
            debit(AccountKey.CARD_FEES, size, value),
            credit(AccountKey.CARD_CLEARING, size, value),
        ]
        what = MEMO_CARD_DISPUTE_FEE
    else:
        legs = [
            debit(AccountKey.CARD_CLEARING, size, value),
            credit(AccountKey.CARD_FEES, size, value),
        ]
        what = MEMO_CARD_DISPUTE_FEE_RETURNED
    post_entry(
        fund,
        day,
        Sentence(
            what,
            {"dispute": dispute.id, "pledge": payment.pledge.reference, "amount": money_kept(size)},
        ),
        legs,
        SYSTEM_ACTOR,
        kind=EntryKind.CARD_DISPUTE_FEE,
        source=record,
        idempotency_key=f"card-dispute:{dispute.id}:fee:{earlier + 1}",
    )
    record.fee_minor, record.fee_currency = total, currency
    record.fee_base += base if change > 0 else -base
    log_action(
        payment,
        "card-payment:dispute-fee",
        SYSTEM_ACTOR,
        "",
        {"dispute": dispute.id, "fee": str(size), "returned": change < 0},
    )
    return [f"dispute {dispute.id} {'fee' if change > 0 else 'fee returned'} {size}"]


# -- one function per event kind ----------------------------------------------------------


def _payment_for(
    payment_intent_id: str | None = None, charge_id: str | None = None
) -> CardPayment | None:
    if charge_id:
        found = CardPayment.objects.filter(charge_id=charge_id).first()
        if found is not None:
            return found
    if payment_intent_id:
        return CardPayment.objects.filter(payment_intent_id=payment_intent_id).first()
    return None


def on_payment_intent(data: dict) -> str:
    """``payment_intent.succeeded`` and ``payment_intent.payment_failed``: the
    intent's current state decides, so a late failure after success does nothing."""
    payment = _payment_for(payment_intent_id=data.get("id"))
    if payment is None:
        return f"unknown payment intent {data.get('id')}"
    state = _fetch_payment(payment.payment_intent_id)
    with transaction.atomic():
        return _apply_payment(_locked(payment.pk), state)


def on_charge_refunded(data: dict) -> str:
    """``charge.refunded``: every refund on the charge not yet booked, each once.
    If the success was not recorded yet, it is recorded first."""
    payment = _payment_for(data.get("payment_intent"), data.get("id"))
    if payment is None:
        return f"unknown charge {data.get('id')}"
    state = _fetch_payment(payment.payment_intent_id)
    if state.charge is None or state.charge.id != data.get("id"):
        return f"no change: charge {data.get('id')} is not this payment's successful charge"
    refunds = gateway.list_refunds(state.charge.id)
    with transaction.atomic():
        payment = _locked(payment.pk)
        outcome = [_apply_payment(payment, state)]
        outcome += _apply_refunds(payment, refunds)
    return "; ".join(outcome)


def on_dispute(data: dict) -> str:
    """``charge.dispute.created`` / ``.closed`` (and ``.updated``): the
    dispute's current state decides, whichever event arrives first."""
    payment = _payment_for(data.get("payment_intent"), data.get("charge"))
    if payment is None:
        return f"unknown dispute {data.get('id')} (charge {data.get('charge')})"
    dispute = gateway.retrieve_dispute(data["id"])
    if dispute.charge != data.get("charge") and payment.charge_id not in (None, dispute.charge):
        return f"no change: dispute {dispute.id} is on another charge"
    state = _fetch_payment(payment.payment_intent_id)
    if state.charge is None or state.charge.id != dispute.charge:
        return f"no change: dispute {dispute.id} is not on this payment's successful charge"
    with transaction.atomic():
        payment = _locked(payment.pk)
        outcome = [_apply_payment(payment, state)]
        outcome += _apply_dispute(payment, dispute)
    return "; ".join(outcome)


def _payout_fund(payout: stripe.Payout) -> Fund | None:
    metadata = getattr(payout, "metadata", None)
    code = metadata.to_dict().get("fund") if metadata else None
    if code:
        return Fund.objects.filter(code=code).first()
    funds = Fund.objects.filter(pledges__card_payment__isnull=False).distinct()[:2]
    return funds[0] if len(funds) == 1 else None


def on_payout_paid(data: dict) -> str:
    """``payout.paid``: Dr bank, Cr card clearing, once per payout id."""
    payout_id = data.get("id")
    if CardPayout.objects.filter(payout_id=payout_id).exists():
        return f"no change: payout {payout_id} already recorded"
    payout = gateway.retrieve_payout(payout_id)
    if payout.status != "paid":
        return f"no change: payout {payout_id} is {payout.status}"
    fund = _payout_fund(payout)
    if fund is None:
        return f"unknown fund for payout {payout_id}: a person must book it"
    amount = gateway.from_minor_units(int(payout.amount), payout.currency)
    arrival = _day(payout.arrival_date)
    with transaction.atomic():
        entry = post_entry(
            fund,
            arrival,
            Sentence(MEMO_CARD_PAYOUT, {"payout": payout_id, "amount": money_kept(amount)}),
            [debit(AccountKey.BANK, amount), credit(AccountKey.CARD_CLEARING, amount)],
            SYSTEM_ACTOR,
            kind=EntryKind.CARD_PAYOUT,
            source_ref=payout_id,
            idempotency_key=f"card-payout:{payout_id}",
        )
        try:
            with transaction.atomic():
                record = CardPayout.objects.create(
                    payout_id=payout_id, fund=fund, amount=amount, arrival_date=arrival, entry=entry
                )
        except IntegrityError:
            return f"no change: payout {payout_id} already recorded"
        log_action(record, "card-payout:recorded", SYSTEM_ACTOR, "", {"amount": str(amount)})
    return f"payout {payout_id} recorded"


HANDLERS: dict[str, Callable[[dict], str]] = {
    "payment_intent.succeeded": on_payment_intent,
    "payment_intent.payment_failed": on_payment_intent,
    "charge.refunded": on_charge_refunded,
    "charge.dispute.created": on_dispute,
    "charge.dispute.updated": on_dispute,
    "charge.dispute.closed": on_dispute,
    "payout.paid": on_payout_paid,
}


# -- the webhook: stored and acknowledged at once, processed in the background ----------


def _event_record(event: stripe.Event, object_id: str, payload: str = "") -> StripeEvent:
    record, _created = _store(event, object_id, payload)
    return record


def _store(event: stripe.Event, object_id: str, payload: str) -> tuple[StripeEvent, bool]:
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                event_id=event.id,
                type=event.type[:100],
                object_id=object_id[:255],
                payload=payload,
            )
            return record, True
    except IntegrityError:
        return StripeEvent.objects.get(event_id=event.id), False


class MalformedEvent(ValueError):
    """A verified webhook body that is not an event fundmgr can store; the
    message says what is wrong (the webhook answers 400 with it)."""


def check_event_payload(payload: bytes) -> None:
    """Refuse (MalformedEvent) a signed body that is not a Stripe event of the
    shape the rest of this module reads: an object with a text ``id`` and
    ``type`` and ``data.object`` an object (whose ``id``, if any, is text).

    The signature proves who sent the body, not that it is well formed: a
    body missing its id would otherwise fail while being stored (a 500 Stripe
    retries for days) or, stored, fail in the background task every time."""
    try:
        event = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as bad:
        raise MalformedEvent(f"the body is not JSON: {bad}") from None
    if not isinstance(event, dict):
        raise MalformedEvent("the body is not a JSON object: a Stripe event is one")
    for field, limit in (("id", 255), ("type", 100)):
        value = event.get(field)
        if not isinstance(value, str) or not value.strip():
            raise MalformedEvent(f"the event has no {field} (text)")
        if len(value) > limit:
            raise MalformedEvent(f"the event's {field} is longer than {limit} characters")
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise MalformedEvent("the event has no data.object (an object)")
    object_id = data["object"].get("id")
    if object_id is not None and not isinstance(object_id, str):
        raise MalformedEvent("the event's data.object.id is not text")


def acknowledge_event(event: stripe.Event, payload: bytes) -> bool:
    """Store a verified event once and enqueue its processing; True if it was new.

    The row and the task are written in one transaction: with the database
    task backend neither exists without the other, and the worker never sees
    the task before the event is committed. A repeated delivery (same event
    id) stores and enqueues nothing."""
    from donors.payments.tasks import process_stripe_event

    object_id = str(getattr(event.data.object, "id", None) or "")
    with transaction.atomic():
        new = _store_event_once(
            event.id, event.type[:100], object_id[:255], payload.decode("utf-8")
        )
        if new:
            process_stripe_event.enqueue(event.id)
    return new


def _store_event_once(event_id: str, event_type: str, object_id: str, payload: str) -> bool:
    """Insert the event's row unless its id is stored (then False), in one
    statement: the endpoint's speed is its round trips to the database.

    On PostgreSQL the same round trip tells this transaction's commit not to
    wait for the disk (``synchronous_commit = off``, this transaction only):
    that wait is what kept the endpoint from keeping up with Stripe. The risk
    is bounded and closed: a crash within the WAL writer's delay (well under a
    second) can lose an event already acknowledged, and
    ``manage.py process_stripe_events --catch-up-hours`` stores any event Stripe
    sent that fundmgr does not hold. Nothing else is relaxed: the ledger is
    written by the worker, in transactions that wait for the disk."""
    connection = transaction.get_connection()
    relax = "SET LOCAL synchronous_commit TO OFF; " if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        # A constant table name; every value is a parameter.
        sql = f"{relax}INSERT INTO {STRIPE_EVENT_TABLE} "  # noqa: S608
        cursor.execute(
            sql + "(event_id, type, object_id, received_at, outcome, payload) "
            "VALUES (%s, %s, %s, %s, '', %s) ON CONFLICT (event_id) DO NOTHING RETURNING id",
            [
                event_id,
                event_type,
                object_id,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                payload,
            ],
        )
        if relax:
            cursor.nextset()  # past the SET's result, to the INSERT's
        return cursor.fetchone() is not None


#: Quoted once; the insert above names the model's columns (tests cover it).
STRIPE_EVENT_TABLE = f'"{StripeEvent._meta.db_table}"'


def catch_up_events(since: datetime.datetime) -> int:
    """Store, once, every event Stripe created since ``since`` that fundmgr
    does not hold (an acknowledgement lost in a crash, a delivery Stripe gave up
    on); returns how many were new. Each is enqueued like a delivered one."""
    created = 0
    for event in gateway.list_events(since):
        # acknowledge_event stores nothing for an id already held.
        payload = json.dumps(event.to_dict(), default=str).encode("utf-8")
        created += acknowledge_event(event, payload)
    return created


def process_stored_event(event_id: str) -> str:
    """Act on a stored event's object, from Stripe's current state, once.

    An already processed event does nothing ("duplicate"). An event about an
    object Stripe or fundmgr does not know is marked processed with that
    outcome (logged). Stripe being unreachable raises ``stripe.StripeError``
    and the event stays unprocessed, for the retry (donors.payments.tasks) or
    ``manage.py process_stripe_events``."""
    record = StripeEvent.objects.get(event_id=event_id)
    if record.processed_at is not None:
        return "duplicate"
    data = json.loads(record.payload)["data"]["object"] if record.payload else {}
    return _process(record, data)


def _process(record: StripeEvent, data: dict) -> str:
    object_id = record.object_id
    handler = HANDLERS.get(record.type)
    if handler is None:
        outcome = f"ignored: {record.type} needs nothing"
    else:
        try:
            outcome = handler(data)
        except stripe.InvalidRequestError as refused:
            if not _missing(refused):
                raise
            outcome = f"unknown to Stripe: {object_id}"
    if outcome.startswith("unknown"):
        logger.warning("Stripe event %s (%s): %s", record.event_id, record.type, outcome)
    else:
        logger.info("Stripe event %s (%s): %s", record.event_id, record.type, outcome)
    StripeEvent.objects.filter(pk=record.pk).update(processed_at=timezone.now(), outcome=outcome)
    return outcome


def process_event(event: stripe.Event) -> str:
    """Store the event once and act on it now, in this process (no task).

    The webhook view acknowledges and enqueues instead (``acknowledge_event``);
    this is the same processing for a caller that has an Event in hand."""
    data = event.data.object.to_dict()
    record = _event_record(event, str(data.get("id") or ""))
    if record.processed_at is not None:
        return "duplicate"
    return _process(record, data)
