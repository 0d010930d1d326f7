"""donors.payments.gateway against localstripe over real HTTP, with really signed webhooks.

What localstripe does not emit (charge.refunded, charge.dispute.*) is built
from real localstripe objects and signed with the session's webhook secret by
Stripe's scheme (donors.payments.localstripe_server.deliver_event): real
signing, verified by the same verify_webhook production uses.
"""

from __future__ import annotations

import json
import secrets
import socket
import time
import urllib.request
from decimal import Decimal

import pytest
import stripe
from django.core.exceptions import ImproperlyConfigured
from djmoney.money import Money

from donors.payments import gateway, localstripe_server
from donors.payments.gateway import (
    confirm_payment_intent,
    create_payment_intent,
    create_refund,
    from_minor_units,
    idempotency_key,
    latest_charge_id,
    retrieve_charge,
    retrieve_dispute,
    retrieve_payment_intent,
    retrieve_payout,
    retrieve_refund,
    to_minor_units,
    verify_webhook,
)
from tests.test_settings import deployment, run_manage

from .conftest import WEBHOOK_SECRET

VISA = "pm_card_visa"  # localstripe's canonical test card, as in Stripe test mode
DECLINED = "pm_card_chargeCustomerFail"  # the test card localstripe declines at charge time


def unique_key(purpose: str = "test") -> str:
    # One localstripe serves the whole session: keys must not collide between tests.
    return idempotency_key(purpose, secrets.token_hex(8))


def paid_intent(amount_minor: int = 10_000, currency: str = "usd") -> stripe.PaymentIntent:
    intent = create_payment_intent(amount_minor, currency, unique_key(), {"test": "paid"})
    return confirm_payment_intent(intent.id, VISA)


def resign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        payload.decode(), secret, timestamp=timestamp
    )


def is_event(kind: str, object_id: str):
    return lambda event: event["type"] == kind and event["data"]["object"]["id"] == object_id


# -- minor units (no server) ---------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("1500", "JPY", 1500),
        ("12.34", "USD", 1234),
        ("12.3", "USD", 1230),
        ("0.01", "USD", 1),
        ("1.235", "KWD", 1235),
        ("25", "KWD", 25000),
    ],
)
def test_to_minor_units_uses_each_currencys_own_decimals(amount, currency, minor):
    assert to_minor_units(Money(Decimal(amount), currency)) == minor


@pytest.mark.parametrize(
    ("amount", "currency"), [("10.5", "JPY"), ("1.005", "USD"), ("0.0005", "KWD")]
)
def test_to_minor_units_refuses_amounts_finer_than_the_currency_instead_of_rounding(
    amount, currency
):
    with pytest.raises(ValueError, match="more decimals"):
        to_minor_units(Money(Decimal(amount), currency))


@pytest.mark.parametrize(
    ("minor", "currency", "amount"),
    [(1500, "jpy", "1500"), (1234, "usd", "12.34"), (1235, "kwd", "1.235"), (7, "KWD", "0.007")],
)
def test_from_minor_units_is_the_exact_decimal_inverse(minor, currency, amount):
    money = from_minor_units(minor, currency)
    assert money == Money(Decimal(amount), currency.upper())
    assert isinstance(money.amount, Decimal)
    assert to_minor_units(money) == minor


@pytest.mark.parametrize("not_an_int", [12.34, Decimal("1234"), "1234", True])
def test_from_minor_units_accepts_only_integers(not_an_int):
    with pytest.raises(TypeError):
        from_minor_units(not_an_int, "USD")


def test_idempotency_key_is_deterministic_per_purpose_and_parts():
    assert idempotency_key("donation-pi", 42) == idempotency_key("donation-pi", 42)
    assert idempotency_key("donation-pi", 42) != idempotency_key("donation-pi", 43)
    assert idempotency_key("donation-pi", 42) != idempotency_key("refund", 42)
    assert len(idempotency_key("donation-pi", "x" * 1000)) <= 255


def test_latest_charge_id_reads_a_plain_id_or_an_expanded_charge():
    as_id = stripe.PaymentIntent.construct_from({"id": "pi_1", "latest_charge": "ch_1"}, "k")
    expanded = stripe.PaymentIntent.construct_from(
        {"id": "pi_1", "latest_charge": {"id": "ch_1", "object": "charge"}}, "k"
    )
    none_yet = stripe.PaymentIntent.construct_from({"id": "pi_1", "latest_charge": None}, "k")
    assert latest_charge_id(as_id) == latest_charge_id(expanded) == "ch_1"
    assert latest_charge_id(none_yet) is None


# -- configuration ---------------------------------------------------------------


def test_development_settings_point_at_localstripe_on_loopback_with_fake_keys(settings):
    assert settings.STRIPE_SECRET_KEY.startswith("sk_test_")
    assert settings.STRIPE_PUBLISHABLE_KEY.startswith("pk_test_")
    assert settings.STRIPE_API_BASE.startswith("http://127.0.0.1:")
    assert settings.STRIPE_JS_URL.endswith("/js.stripe.com/v3/")


def test_gateway_without_a_secret_key_is_improperly_configured(settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="STRIPE_SECRET_KEY"):
        gateway.client()


def test_production_refuses_a_stripe_secret_key_without_its_webhook_secret():
    result = run_manage(
        "check",
        FUNDMGR_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="fund.example.org",
        STRIPE_SECRET_KEY="sk_live_placeholder",
        STRIPE_PUBLISHABLE_KEY="pk_live_placeholder",
    )
    assert result.returncode != 0
    assert "STRIPE_WEBHOOK_SECRET" in result.stderr


def test_check_deploy_stays_clean_with_stripe_configured_from_the_environment():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        **deployment(),  # a real deployment's environment (tests/test_settings.py)
        STRIPE_SECRET_KEY="sk_live_placeholder",
        STRIPE_PUBLISHABLE_KEY="pk_live_placeholder",
        STRIPE_WEBHOOK_SECRET="whsec_placeholder",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues (0 silenced)" in result.stdout


# -- PaymentIntents over HTTP ---------------------------------------------------------


def test_same_idempotency_key_twice_creates_one_payment_intent(stripe_settings):
    marker = secrets.token_hex(8)
    key = idempotency_key("donation-pi", marker)
    first = create_payment_intent(5000, "usd", key, {"marker": marker})
    second = create_payment_intent(5000, "usd", key, {"marker": marker})  # the double click

    assert second.id == first.id
    assert second.client_secret == first.client_secret
    listed = gateway.client().v1.payment_intents.list(params={"limit": 100})
    assert [
        pi.id for pi in listed.auto_paging_iter() if pi.metadata.to_dict().get("marker") == marker
    ] == [first.id]


def test_different_idempotency_keys_create_distinct_payment_intents(stripe_settings):
    first = create_payment_intent(5000, "usd", unique_key(), {})
    second = create_payment_intent(5000, "usd", unique_key(), {})
    assert first.id != second.id


def test_reusing_an_idempotency_key_with_another_amount_is_refused(stripe_settings):
    key = unique_key()
    create_payment_intent(5000, "usd", key, {})
    with pytest.raises(stripe.IdempotencyError):
        create_payment_intent(5001, "usd", key, {})


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("1500", "JPY", 1500), ("12.34", "USD", 1234), ("1.235", "KWD", 1235)],
)
def test_payment_intent_amounts_travel_in_the_currencys_minor_units(
    stripe_settings, amount, currency, minor
):
    money = Money(Decimal(amount), currency)
    created = create_payment_intent(to_minor_units(money), currency, unique_key(), {})
    fetched = retrieve_payment_intent(created.id)

    assert (fetched.amount, fetched.currency) == (minor, currency.lower())
    assert from_minor_units(fetched.amount, fetched.currency) == money


def test_payment_intent_with_a_fractional_or_float_amount_is_refused_before_any_request(
    stripe_settings,
):
    with pytest.raises(TypeError):
        create_payment_intent(12.34, "usd", unique_key(), {})  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        create_payment_intent(0, "usd", unique_key(), {})


def test_visa_test_card_confirms_to_succeeded_with_its_balance_transaction(stripe_settings):
    intent = create_payment_intent(1234, "usd", unique_key(), {"donation": "1"})
    assert intent.status == "requires_payment_method"

    confirmed = confirm_payment_intent(intent.id, VISA)
    charge = retrieve_charge(latest_charge_id(confirmed))

    assert confirmed.status == "succeeded"
    assert (charge.amount, charge.currency, charge.paid) == (1234, "usd", True)
    assert charge.payment_intent == intent.id
    txn = charge.balance_transaction  # expanded
    assert (txn.amount, txn.fee, txn.net, txn.currency) == (1234, 0, 1234, "usd")


def test_declining_test_card_raises_card_declined_and_awaits_another_card(stripe_settings):
    intent = create_payment_intent(1234, "usd", unique_key(), {})
    with pytest.raises(stripe.CardError) as declined:
        confirm_payment_intent(intent.id, DECLINED)

    assert declined.value.code == "card_declined"
    after = retrieve_payment_intent(intent.id)
    assert after.status == "requires_payment_method"
    assert after.last_payment_error.code == "card_declined"


# -- webhooks localstripe sends -------------------------------------------------------


def test_payment_succeeded_webhook_arrives_signed_and_verify_webhook_accepts_it(
    stripe_settings, webhook_receiver
):
    intent = paid_intent(2500, "jpy")
    delivery = webhook_receiver.wait_for(is_event("payment_intent.succeeded", intent.id))

    assert delivery.signature.startswith("t=")
    event = verify_webhook(delivery.body, delivery.signature)
    assert isinstance(event, stripe.Event)
    assert event.type == "payment_intent.succeeded"
    assert (event.data.object.id, event.data.object.amount) == (intent.id, 2500)


def test_payment_failed_webhook_arrives_signed_and_verify_webhook_accepts_it(
    stripe_settings, webhook_receiver
):
    intent = create_payment_intent(700, "usd", unique_key(), {})
    with pytest.raises(stripe.CardError):
        confirm_payment_intent(intent.id, DECLINED)
    delivery = webhook_receiver.wait_for(is_event("payment_intent.payment_failed", intent.id))

    event = verify_webhook(delivery.body, delivery.signature)
    assert event.data.object.last_payment_error.code == "card_declined"


def test_payout_paid_webhook_arrives_for_a_eur_payout_and_the_payout_is_retrievable(
    stripe_settings, webhook_receiver
):
    # localstripe only pays out EUR, and only "paid" on creation with its own
    # `status` parameter (Stripe decides that itself, days later).
    payout = gateway.client().v1.payouts.create(
        params={"amount": 5000, "currency": "eur", "status": "paid"}  # type: ignore[typeddict-unknown-key]
    )
    delivery = webhook_receiver.wait_for(is_event("payout.paid", payout.id))

    event = verify_webhook(delivery.body, delivery.signature)
    assert event.data.object.amount == 5000
    assert retrieve_payout(payout.id).status == "paid"


# -- refusing webhooks ---------------------------------------------------------------


@pytest.fixture(scope="module")
def delivered(localstripe, webhook_receiver):
    """One real payment_intent.succeeded delivery from localstripe."""
    client = stripe.StripeClient("sk_test_local", base_addresses={"api": localstripe.api_base})
    intent = client.v1.payment_intents.create(
        params={"amount": 4200, "currency": "usd", "payment_method": VISA}
    )
    client.v1.payment_intents.confirm(intent.id)
    return webhook_receiver.wait_for(is_event("payment_intent.succeeded", intent.id))


def test_delivered_webhook_is_accepted_as_sent(stripe_settings, delivered):
    assert verify_webhook(delivered.body, delivered.signature).type == "payment_intent.succeeded"


def test_tampered_webhook_payload_is_refused(stripe_settings, delivered):
    event = delivered.json()
    event["data"]["object"]["amount"] = 1  # a forged amount, original signature kept
    tampered = json.dumps(event, indent=2, sort_keys=True).encode()
    with pytest.raises(stripe.SignatureVerificationError):
        verify_webhook(tampered, delivered.signature)
    with pytest.raises(stripe.SignatureVerificationError):
        verify_webhook(delivered.body + b" ", delivered.signature)


def test_webhook_signed_with_another_secret_is_refused(stripe_settings, delivered):
    forged = resign(delivered.body, secret="whsec_someone_else")
    with pytest.raises(stripe.SignatureVerificationError):
        verify_webhook(delivered.body, forged)
    stripe_settings.STRIPE_WEBHOOK_SECRET = "whsec_not_the_one_localstripe_uses"
    with pytest.raises(stripe.SignatureVerificationError):
        verify_webhook(delivered.body, delivered.signature)


@pytest.mark.parametrize("header", [None, "", "garbage", "t=123", "v1=abc"])
def test_webhook_with_a_missing_or_malformed_signature_header_is_refused(
    stripe_settings, delivered, header
):
    with pytest.raises(stripe.SignatureVerificationError):
        verify_webhook(delivered.body, header)


def test_webhook_signed_more_than_300_seconds_ago_is_refused(stripe_settings, delivered):
    now = int(time.time())
    assert verify_webhook(delivered.body, resign(delivered.body, timestamp=now - 280))
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        verify_webhook(delivered.body, resign(delivered.body, timestamp=now - 301))


def test_webhook_signed_more_than_300_seconds_ahead_is_refused(stripe_settings, delivered):
    future = int(time.time()) + 301
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        verify_webhook(delivered.body, resign(delivered.body, timestamp=future))


# -- refunds, disputes: what localstripe models and what the tests build ----------------


def test_partial_and_repeated_refunds_add_up_on_the_charge(stripe_settings):
    intent = paid_intent(10_000, "usd")
    charge_id = latest_charge_id(intent)
    key = unique_key("refund")

    first = create_refund(intent.id, 2500, key)
    again = create_refund(intent.id, 2500, key)  # retried: the same refund
    second = create_refund(intent.id, 1000, unique_key("refund"))
    charge = retrieve_charge(charge_id, expand_balance_transaction=False)

    assert again.id == first.id
    assert (charge.amount_refunded, charge.refunded) == (3500, False)
    assert retrieve_refund(second.id).amount == 1000
    refund_txn = gateway.retrieve_balance_transaction(first.balance_transaction)
    assert (refund_txn.amount, refund_txn.type) == (-2500, "refund")

    create_refund(intent.id, 6500, unique_key("refund"))  # what remains
    charge = retrieve_charge(charge_id, expand_balance_transaction=False)
    assert (charge.amount_refunded, charge.refunded) == (10_000, True)


def test_charge_refunded_event_built_from_the_real_charge_is_signed_and_verified(
    stripe_settings, webhook_receiver
):
    intent = paid_intent(8000, "usd")
    create_refund(intent.id, 3000, unique_key("refund"))
    charge = retrieve_charge(latest_charge_id(intent), expand_balance_transaction=False)

    status = localstripe_server.deliver_event(
        "charge.refunded", charge.to_dict(), webhook_receiver.url, WEBHOOK_SECRET
    )
    delivery = webhook_receiver.wait_for(is_event("charge.refunded", charge.id))
    event = verify_webhook(delivery.body, delivery.signature)

    assert status == 200
    assert (event.data.object.amount, event.data.object.amount_refunded) == (8000, 3000)
    assert event.data.object.payment_intent == intent.id


def test_dispute_events_around_a_real_charge_are_signed_and_verified(
    stripe_settings, webhook_receiver
):
    intent = paid_intent(6000, "usd")
    charge = retrieve_charge(latest_charge_id(intent), expand_balance_transaction=False)
    dispute = {  # Stripe's dispute shape; localstripe has no disputes of its own
        "id": f"dp_local_{secrets.token_hex(6)}",
        "object": "dispute",
        "amount": charge.amount,
        "currency": charge.currency,
        "charge": charge.id,
        "payment_intent": intent.id,
        "reason": "fraudulent",
        "status": "needs_response",
        "balance_transactions": [],
        "created": int(time.time()),
        "livemode": False,
    }
    for kind, status in (
        ("charge.dispute.created", "needs_response"),
        ("charge.dispute.closed", "lost"),
    ):
        localstripe_server.deliver_event(
            kind, {**dispute, "status": status}, webhook_receiver.url, WEBHOOK_SECRET
        )
        delivery = webhook_receiver.wait_for(is_event(kind, dispute["id"]))
        event = verify_webhook(delivery.body, delivery.signature)
        assert (event.data.object.charge, event.data.object.status) == (charge.id, status)


def test_localstripe_has_no_disputes_so_retrieve_dispute_fails_there(stripe_settings):
    # A tripwire: if a localstripe upgrade adds disputes, test them for real.
    with pytest.raises(stripe.StripeError):
        retrieve_dispute("dp_missing")


# -- the server itself -------------------------------------------------------------------


def test_localstripe_serves_its_stripe_js_stand_in_at_the_configured_url(stripe_settings):
    with urllib.request.urlopen(stripe_settings.STRIPE_JS_URL, timeout=5) as response:  # noqa: S310
        script = response.read().decode()
        assert response.headers["Content-Type"].startswith("application/javascript")
    assert "localstripe" in script and "confirmCardPayment" in script


def test_started_server_takes_a_webhook_then_stops_and_frees_its_port(webhook_receiver):
    server = localstripe_server.start(webhook_url=webhook_receiver.url, webhook_secret="whsec_x")
    try:
        assert server.running()
        with pytest.raises(localstripe_server.LocalStripeError):
            server.register_webhook(webhook_receiver.url, "")  # localstripe needs a secret
    finally:
        server.stop()
    assert not server.running()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=1):
        pass
