"""A thin, typed layer over the Stripe SDK for card donations (PaymentIntents).

Configured from Django settings (see the Stripe block of fundmgr/settings.py):
``STRIPE_SECRET_KEY``, ``STRIPE_PUBLISHABLE_KEY``, ``STRIPE_WEBHOOK_SECRET``,
``STRIPE_API_BASE`` (None: the real Stripe; development: localstripe) and
``STRIPE_JS_URL``. Each call uses a ``stripe.StripeClient`` instance, never the
SDK's global ``stripe.api_key``.

Amounts cross this boundary in the currency's minor unit as ISO 4217 defines
it (``fundmgr.money.minor_units``: JPY 0 decimals, USD 2, KWD 3), converted with
``to_minor_units`` and ``from_minor_units`` in Decimal, never ``* 100``.

Everything Stripe refuses surfaces as ``stripe.StripeError`` subclasses
(``CardError`` for a declined card); a webhook that fails verification raises
``stripe.SignatureVerificationError``.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from djmoney.money import Money

from fundmgr.money import minor_units

__all__ = [
    "WEBHOOK_TOLERANCE_SECONDS",
    "StripeConfig",
    "client",
    "config",
    "confirm_payment_intent",
    "create_payment_intent",
    "create_refund",
    "from_minor_units",
    "idempotency_key",
    "latest_charge_id",
    "list_refunds",
    "retrieve_balance_transaction",
    "retrieve_charge",
    "retrieve_dispute",
    "retrieve_payment_intent",
    "retrieve_payout",
    "retrieve_refund",
    "to_minor_units",
    "verify_webhook",
]

WEBHOOK_TOLERANCE_SECONDS = 300
MAX_IDEMPOTENCY_KEY_LENGTH = 255  # Stripe's limit
MAX_METADATA_KEYS = 50  # Stripe's limits on metadata
MAX_METADATA_KEY_LENGTH = 40
MAX_METADATA_VALUE_LENGTH = 500


# -- money ------------------------------------------------------------------


def to_minor_units(amount: Money) -> int:
    """``Money`` to an integer count of the currency's minor unit, exactly.

    USD 12.34 -> 1234, JPY 1500 -> 1500, KWD 1.235 -> 1235. An amount with
    more decimals than its currency has is refused (ValueError), never rounded
    here: round with ``fundmgr.money.round_money`` first if that is meant."""
    value = amount.amount
    if not isinstance(value, Decimal):
        raise TypeError(f"amount must be Decimal-backed, not {type(value).__name__}")
    currency = amount.currency.code
    scaled = value.scaleb(minor_units(currency))
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        raise ValueError(
            f"{value} {currency} has more decimals than {currency} has "
            f"({minor_units(currency)}); round it before charging"
        )
    return int(scaled)


def from_minor_units(value: int, currency: str) -> Money:
    """An integer count of minor units (as Stripe reports amounts) to ``Money``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"minor units are an int, not {type(value).__name__}")
    code = currency.upper()
    places = minor_units(code)
    return Money(Decimal(value).scaleb(-places).quantize(Decimal(1).scaleb(-places)), code)


# -- configuration -----------------------------------------------------------


@dataclass(frozen=True)
class StripeConfig:
    secret_key: str
    publishable_key: str
    webhook_secret: str
    api_base: str | None
    js_url: str


def config() -> StripeConfig:
    """The Stripe settings in force; ImproperlyConfigured if card payments are off."""
    secret_key = getattr(settings, "STRIPE_SECRET_KEY", "") or ""
    if not secret_key:
        raise ImproperlyConfigured(
            "Card payments are not configured: set STRIPE_SECRET_KEY (docs/stripe.md)"
        )
    return StripeConfig(
        secret_key=secret_key,
        publishable_key=getattr(settings, "STRIPE_PUBLISHABLE_KEY", "") or "",
        webhook_secret=getattr(settings, "STRIPE_WEBHOOK_SECRET", "") or "",
        api_base=getattr(settings, "STRIPE_API_BASE", None) or None,
        js_url=getattr(settings, "STRIPE_JS_URL", "https://js.stripe.com/v3/"),
    )


@lru_cache(maxsize=8)
def _client_for(secret_key: str, api_base: str | None) -> stripe.StripeClient:
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_base} if api_base else None,
        # Retries reuse the request's Idempotency-Key, so they never duplicate.
        max_network_retries=2,
    )


def client() -> stripe.StripeClient:
    """A StripeClient for the current settings (cached per key and API base)."""
    current = config()
    return _client_for(current.secret_key, current.api_base)


# -- idempotency ---------------------------------------------------------------


def idempotency_key(purpose: str, *parts: object) -> str:
    """A deterministic Idempotency-Key: the same purpose and parts give the same key.

    ``idempotency_key("donation-payment-intent", donation.pk)`` makes a double
    click, a retried form post or a retried request reach Stripe with the same
    key, so Stripe creates one PaymentIntent and answers the others with it."""
    if not purpose or any(part is None or str(part) == "" for part in parts):
        raise ValueError("an idempotency key needs a purpose and non-empty parts")
    digest = hashlib.sha256("\x1f".join(map(str, (purpose, *parts))).encode()).hexdigest()
    return f"fundmgr-{purpose}-{digest[:40]}"[:MAX_IDEMPOTENCY_KEY_LENGTH]


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValueError("idempotency_key must be a non-empty string of at most 255 characters")


def _check_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    if len(metadata) > MAX_METADATA_KEYS:
        raise ValueError(f"Stripe keeps at most {MAX_METADATA_KEYS} metadata keys")
    checked: dict[str, str] = {}
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("metadata keys and values must be strings")
        if not key or len(key) > MAX_METADATA_KEY_LENGTH or "[" in key or "]" in key:
            raise ValueError(f"metadata key {key!r} is not one Stripe accepts")
        if len(value) > MAX_METADATA_VALUE_LENGTH:
            raise ValueError(f"metadata value for {key!r} is longer than Stripe accepts")
        checked[key] = value
    return checked


# -- PaymentIntents and what follows them -----------------------------------------


def create_payment_intent(
    amount_minor: int,
    currency: str,
    idempotency_key: str,
    metadata: Mapping[str, str],
) -> stripe.PaymentIntent:
    """Create a card PaymentIntent for ``amount_minor`` minor units of ``currency``.

    Sent with ``idempotency_key``: the same key and parameters return the first
    PaymentIntent (no second one is created); the same key with other
    parameters raises ``stripe.IdempotencyError``."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise TypeError("amount_minor is an int count of minor units (use to_minor_units)")
    if amount_minor <= 0:
        raise ValueError("a payment amount must be positive")
    minor_units(currency)  # UnknownCurrency for a code ISO 4217 does not know
    _check_key(idempotency_key)
    return client().v1.payment_intents.create(
        params={
            "amount": amount_minor,
            "currency": currency.lower(),
            "metadata": _check_metadata(metadata),
            "payment_method_types": ["card"],
        },
        options={"idempotency_key": idempotency_key},
    )


def retrieve_payment_intent(payment_intent_id: str) -> stripe.PaymentIntent:
    return client().v1.payment_intents.retrieve(payment_intent_id)


def confirm_payment_intent(
    payment_intent_id: str, payment_method: str, idempotency_key: str | None = None
) -> stripe.PaymentIntent:
    """Confirm server-side with ``payment_method`` (donors normally confirm in
    the browser with Stripe.js; this serves tests, support and retries).

    Sets the payment method, then confirms: localstripe refuses a
    payment_method passed to confirm itself, Stripe accepts both ways.
    A declined card raises ``stripe.CardError``."""
    stripe_client = client()
    stripe_client.v1.payment_intents.update(
        payment_intent_id, params={"payment_method": payment_method}
    )
    options: stripe.RequestOptions = {}
    if idempotency_key is not None:
        _check_key(idempotency_key)
        options["idempotency_key"] = idempotency_key
    return stripe_client.v1.payment_intents.confirm(payment_intent_id, options=options)


def latest_charge_id(payment_intent: stripe.PaymentIntent) -> str | None:
    """The id of the PaymentIntent's latest charge: Stripe gives an id,
    localstripe (and Stripe when expanded) the whole Charge."""
    charge = getattr(payment_intent, "latest_charge", None)
    if charge is None or isinstance(charge, str):
        return charge
    return charge["id"]


def retrieve_charge(charge_id: str, expand_balance_transaction: bool = True) -> stripe.Charge:
    """The charge, with its balance transaction (amount, fee, net) expanded by default."""
    params: stripe.params.ChargeRetrieveParams = {}
    if expand_balance_transaction:
        params["expand"] = ["balance_transaction"]
    return client().v1.charges.retrieve(charge_id, params=params)


def retrieve_balance_transaction(balance_transaction_id: str) -> stripe.BalanceTransaction:
    return client().v1.balance_transactions.retrieve(balance_transaction_id)


def create_refund(
    payment_intent_id: str,
    amount_minor: int | None,
    idempotency_key: str,
    metadata: Mapping[str, str] | None = None,
) -> stripe.Refund:
    """Refund ``amount_minor`` (None: what remains) of a PaymentIntent's charge."""
    params: stripe.params.RefundCreateParams = {"payment_intent": payment_intent_id}
    if amount_minor is not None:
        if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
            raise TypeError("amount_minor is an int count of minor units")
        if amount_minor <= 0:
            raise ValueError("a refund amount must be positive")
        params["amount"] = amount_minor
    if metadata:
        params["metadata"] = _check_metadata(metadata)
    _check_key(idempotency_key)
    return client().v1.refunds.create(params=params, options={"idempotency_key": idempotency_key})


def list_refunds(charge_id: str) -> list[stripe.Refund]:
    """Every refund of a charge (all pages): Stripe no longer embeds them in the charge."""
    page = client().v1.refunds.list(params={"charge": charge_id, "limit": 100})
    return list(page.auto_paging_iter())


def retrieve_refund(refund_id: str) -> stripe.Refund:
    return client().v1.refunds.retrieve(refund_id)


def retrieve_dispute(dispute_id: str) -> stripe.Dispute:
    """Stripe only: localstripe has no disputes (it answers 404)."""
    return client().v1.disputes.retrieve(dispute_id)


def retrieve_payout(payout_id: str) -> stripe.Payout:
    return client().v1.payouts.retrieve(payout_id)


def list_events(since: datetime.datetime) -> Iterator[stripe.Event]:
    """Every event Stripe created since ``since``, all pages (Stripe keeps 30 days)."""
    page = client().v1.events.list(
        params={"created": {"gte": int(since.timestamp())}, "limit": 100}
    )
    return page.auto_paging_iter()


# -- webhooks --------------------------------------------------------------------


def _signed_timestamp(signature_header: str) -> int | None:
    for item in signature_header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t" and value.isdigit():
            return int(value)
    return None


def verify_webhook(payload: bytes, signature_header: str | None) -> stripe.Event:
    """The Event in a webhook request, once its Stripe-Signature is proven.

    Raises ``stripe.SignatureVerificationError`` for a missing or malformed
    header, a signature made with another secret or over another body, and a
    timestamp more than 300 s old or ahead (a replay, or a clock far off).
    Pass the raw request body (``request.body``), never re-serialised JSON."""
    secret = config().webhook_secret
    if not secret:
        raise ImproperlyConfigured("STRIPE_WEBHOOK_SECRET is not set (docs/stripe.md)")
    event = client().construct_event(
        payload, signature_header, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
    )
    # The SDK refuses old timestamps only; a future one is as suspect.
    signed_at = _signed_timestamp(signature_header or "")
    if signed_at is None or signed_at > time.time() + WEBHOOK_TOLERANCE_SECONDS:
        raise stripe.SignatureVerificationError(
            f"Timestamp outside the tolerance zone ({signed_at})",
            signature_header,
            payload.decode("utf-8", "replace"),
        )
    return event
