"""A validly signed Stripe webhook whose event is malformed: refused with a
400 and a message, never a server error, and nothing stored or booked.

The signature is Stripe's real scheme with the test secret, so each body
reaches the code that reads the event; no card processor is needed (the
refusal comes before any call to Stripe)."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from donors.models import Receipt
from donors.payments.models import StripeEvent
from fundmgr.models import JournalEntry

WEBHOOK_PATH = "/stripe/webhook/"
SECRET = "whsec_test_malformed_events"


@pytest.fixture
def stripe_webhook_settings(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_not_called"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    return settings


def post_signed(client, body: bytes):
    header = stripe.WebhookSignature.generate_signature_header(
        body.decode("utf-8", "replace"), SECRET, timestamp=int(time.time())
    )
    return client.post(
        WEBHOOK_PATH, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def event(**fields) -> dict:
    base = {
        "id": "evt_test_malformed",
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": {"id": "pi_test_1", "object": "payment_intent"}},
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not ...}


MALFORMED = {
    "without an id": event(id=...),
    "with an empty id": event(id=""),
    "with a numeric id": event(id=12345),
    "with a list for id": event(id=["evt_1"]),
    "without a type": event(type=...),
    "with a numeric type": event(type=7),
    "without data": event(data=...),
    "with data not an object": event(data="pi_test_1"),
    "without data.object": event(data={}),
    "with data.object a string": event(data={"object": "pi_test_1"}),
    "with data.object a list": event(data={"object": [1, 2]}),
    "with data.object null": event(data={"object": None}),
    "with a numeric object id": event(data={"object": {"id": 5, "object": "payment_intent"}}),
}


def counts():
    return (StripeEvent.objects.count(), Receipt.objects.count(), JournalEntry.objects.count())


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_event_of_the_wrong_shape_is_refused_with_400_and_nothing_stored(
    client, db, stripe_webhook_settings, body
):
    before = counts()

    response = post_signed(client, json.dumps(body).encode())

    assert response.status_code == 400
    assert b"event" in response.content.lower()
    assert counts() == before


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[]", b'"a string"', b"null", b"12", b"{", '{"id": "\u00e9"'.encode()],
    ids=["text", "a list", "a string", "null", "a number", "cut short", "cut after utf-8"],
)
def test_a_signed_body_that_is_not_an_event_object_is_refused_with_400(
    client, db, stripe_webhook_settings, raw
):
    before = counts()

    response = post_signed(client, raw)

    assert response.status_code == 400
    assert counts() == before


def test_a_well_formed_event_of_a_kind_fundmgr_ignores_is_still_acknowledged(
    client, db, stripe_webhook_settings
):
    body = event(type="customer.created", data={"object": {"id": "cus_1", "object": "customer"}})

    response = post_signed(client, json.dumps(body).encode())

    assert response.status_code == 200
    assert StripeEvent.objects.get().event_id == "evt_test_malformed"
