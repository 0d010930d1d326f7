"""Helpers for the card payment tests: a card pledge with its PaymentIntent on
localstripe, and Stripe events signed with the session's webhook secret and
POSTed to fundmgr's own webhook view."""

from __future__ import annotations

import json
import secrets
import time
from decimal import Decimal
from typing import Any

import stripe

from donors.models import Appeal
from donors.payments import gateway
from donors.payments.models import CardPayment
from donors.payments.services import ensure_payment_intent, new_checkout_token, pledge_by_card
from fundmgr.money import Money
from fundmgr.services.ledger import account_balances

from .conftest import WEBHOOK_SECRET

VISA = "pm_card_visa"
DECLINED = "pm_card_chargeCustomerFail"
WEBHOOK_PATH = "/stripe/webhook/"


def card_payment(
    appeal: Appeal, amount: str = "250", currency: str = "EUR", **extra
) -> CardPayment:
    payment = pledge_by_card(
        checkout_token=new_checkout_token(),
        appeal=appeal,
        name=extra.get("name", "Card Giver"),
        kind="individual",
        email=extra.get("email", f"giver-{secrets.token_hex(4)}@example.org"),
        country=None,
        amount=Money(amount, currency),
        listed_publicly=False,
    )
    return ensure_payment_intent(payment)


def pay(payment: CardPayment, card: str = VISA) -> stripe.PaymentIntent:
    try:
        return gateway.confirm_payment_intent(payment.payment_intent_id, card)
    except stripe.CardError:
        return gateway.retrieve_payment_intent(payment.payment_intent_id)


def charge_of(payment: CardPayment) -> stripe.Charge:
    intent = gateway.retrieve_payment_intent(payment.payment_intent_id)
    return gateway.retrieve_charge(
        gateway.latest_charge_id(intent), expand_balance_transaction=False
    )


def refund(payment: CardPayment, amount: str) -> stripe.Refund:
    money = Money(amount, payment.amount.currency.code)
    return gateway.create_refund(
        payment.payment_intent_id,
        gateway.to_minor_units(money),
        gateway.idempotency_key("test-refund", secrets.token_hex(8)),
    )


def event_body(event_type: str, data_object: dict[str, Any], event_id: str | None = None) -> bytes:
    event = {
        "id": event_id or f"evt_test_{secrets.token_hex(10)}",
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": data_object},
    }
    return json.dumps(event).encode()


def post_signed(client, body: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    header = stripe.WebhookSignature.generate_signature_header(
        body.decode(), secret, timestamp=timestamp
    )
    return client.post(
        WEBHOOK_PATH, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def send(client, event_type: str, data_object: dict[str, Any], event_id: str | None = None):
    """POST one really signed event; fails the test unless the webhook answers 200."""
    response = post_signed(client, event_body(event_type, data_object, event_id))
    assert response.status_code == 200, response.content
    return response


def intent_object(payment: CardPayment) -> dict[str, Any]:
    return gateway.retrieve_payment_intent(payment.payment_intent_id).to_dict()


def balances(fund) -> dict[str, Decimal]:
    return {key: row.balance for key, row in account_balances(fund).items() if row.balance}
