"""The Stripe webhook: verified, stored once, acted on from Stripe's own state.

Every event here is really signed (Stripe's scheme, the session's secret) and
POSTed to fundmgr's webhook view; every object it names is real on
localstripe, except disputes, which localstripe does not have (see
``fake_disputes``)."""

from __future__ import annotations

import io
import random
import secrets
import time
from decimal import Decimal

import pytest
import stripe
from django.core.management import call_command
from django.db import transaction

from donors.models import Pledge, Receipt
from donors.payments import gateway
from donors.payments.models import CardDispute, CardPayment, CardPayout, CardRefund, StripeEvent
from fundmgr.chart import AccountKey
from fundmgr.models import AuditRecord, JournalEntry
from fundmgr.money import Money
from fundmgr.services.ledger import account_balances

from .cards import (
    DECLINED,
    balances,
    card_payment,
    charge_of,
    event_body,
    intent_object,
    pay,
    post_signed,
    refund,
    send,
)
from .conftest import WEBHOOK_SECRET

USD_250_EUR = Decimal("270.27")  # 250 / 0.925


def paid(appeal, amount="250"):
    payment = card_payment(appeal, amount)
    pay(payment)
    return payment


def test_a_succeeded_event_records_one_receipt_at_the_usd_value_in_card_clearing(
    client, card_appeal, fund
):
    payment = paid(card_appeal)
    send(client, "payment_intent.succeeded", intent_object(payment))

    payment.refresh_from_db()
    receipt = Receipt.objects.get()
    assert payment.status == CardPayment.Status.SUCCEEDED and payment.receipt == receipt
    assert receipt.method == Receipt.Method.CARD and receipt.amount == Money("250", "EUR")
    assert receipt.base_amount == USD_250_EUR and receipt.external_reference == payment.charge_id
    assert balances(fund) == {
        AccountKey.CARD_CLEARING: USD_250_EUR,
        AccountKey.CONTRIBUTIONS: USD_250_EUR,
    }
    assert Pledge.objects.get().status == Pledge.Status.PAID
    record = AuditRecord.objects.get(action="card-payment:succeeded")
    assert record.system_actor == "stripe-webhook" and record.actor is None


def test_the_event_localstripe_itself_sends_is_accepted_as_delivered(
    client, card_appeal, fund, webhook_receiver
):
    payment = paid(card_appeal)
    delivery = webhook_receiver.wait_for(
        lambda e: (
            e["type"] == "payment_intent.succeeded"
            and e["data"]["object"]["id"] == payment.payment_intent_id
        )
    )
    response = client.post(
        "/stripe/webhook/",
        data=delivery.body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=delivery.signature,
    )
    assert response.status_code == 200
    assert Receipt.objects.get().base_amount == USD_250_EUR


def test_a_duplicate_delivery_is_acknowledged_and_changes_nothing(client, card_appeal, fund):
    payment = paid(card_appeal)
    body = event_body("payment_intent.succeeded", intent_object(payment))
    assert post_signed(client, body).status_code == 200
    entries = JournalEntry.objects.count()
    assert post_signed(client, body).status_code == 200
    assert StripeEvent.objects.count() == 1 and Receipt.objects.count() == 1
    assert JournalEntry.objects.count() == entries


def test_the_same_fact_in_two_events_is_recorded_once(client, card_appeal, fund):
    payment = paid(card_appeal)
    send(client, "payment_intent.succeeded", intent_object(payment))
    send(client, "payment_intent.succeeded", intent_object(payment))
    assert StripeEvent.objects.count() == 2 and Receipt.objects.count() == 1
    assert balances(fund)[AccountKey.CARD_CLEARING] == USD_250_EUR


def test_a_failure_arriving_after_success_changes_nothing(client, card_appeal, fund):
    payment = paid(card_appeal)
    stale_failure = intent_object(payment) | {"status": "requires_payment_method"}
    send(client, "payment_intent.succeeded", intent_object(payment))
    send(client, "payment_intent.payment_failed", stale_failure)
    payment.refresh_from_db()
    assert payment.status == CardPayment.Status.SUCCEEDED
    assert balances(fund)[AccountKey.CONTRIBUTIONS] == USD_250_EUR


def test_a_declined_card_is_marked_failed_only_by_the_failure_event(client, card_appeal, fund):
    payment = card_payment(card_appeal)
    pay(payment, DECLINED)
    payment.refresh_from_db()
    assert payment.status == CardPayment.Status.PROCESSING  # until Stripe says so
    send(client, "payment_intent.payment_failed", intent_object(payment))
    payment.refresh_from_db()
    assert payment.status == CardPayment.Status.FAILED and payment.failure_message
    assert not JournalEntry.objects.filter(kind="receipt").exists()


def test_a_succeeded_event_whose_intent_has_not_succeeded_records_nothing(
    client, card_appeal, fund
):
    payment = card_payment(card_appeal)  # never confirmed: a forged or early event
    send(client, "payment_intent.succeeded", intent_object(payment) | {"status": "succeeded"})
    payment.refresh_from_db()
    assert payment.status == CardPayment.Status.PROCESSING and not Receipt.objects.exists()


def test_a_refund_before_the_success_event_records_the_receipt_then_the_refund(
    client, card_appeal, fund
):
    payment = paid(card_appeal)
    refund(payment, "50")
    send(client, "charge.refunded", charge_of(payment).to_dict())
    send(client, "payment_intent.succeeded", intent_object(payment))  # late, now harmless

    payment.refresh_from_db()
    assert Receipt.objects.count() == 1 and CardRefund.objects.count() == 1
    assert payment.status == CardPayment.Status.PARTLY_REFUNDED
    refunded = Decimal("54.05")  # 50 of 250 EUR at the receipt's rate
    assert balances(fund) == {
        AccountKey.CARD_CLEARING: USD_250_EUR - refunded,
        AccountKey.CONTRIBUTIONS: USD_250_EUR,
        AccountKey.DONOR_REFUNDS: refunded,
    }


def test_partial_and_repeated_refunds_are_each_booked_once(client, card_appeal, fund):
    payment = paid(card_appeal)
    send(client, "payment_intent.succeeded", intent_object(payment))
    refund(payment, "100")
    first = charge_of(payment).to_dict()
    send(client, "charge.refunded", first)
    refund(payment, "100")
    second = charge_of(payment).to_dict()
    send(client, "charge.refunded", second)
    send(client, "charge.refunded", first)  # late and repeated: already booked
    send(client, "charge.refunded", second)
    assert CardRefund.objects.count() == 2
    payment.refresh_from_db()
    assert payment.status == CardPayment.Status.PARTLY_REFUNDED
    assert balances(fund)[AccountKey.DONOR_REFUNDS] == Decimal("216.22")  # 2 x 108.11

    refund(payment, "50")
    send(client, "charge.refunded", charge_of(payment).to_dict())
    payment.refresh_from_db()
    assert payment.status == CardPayment.Status.REFUNDED
    # The last refund takes exactly what is left: clearing ends at zero, not a cent off.
    assert balances(fund) == {
        AccountKey.CONTRIBUTIONS: USD_250_EUR,
        AccountKey.DONOR_REFUNDS: USD_250_EUR,
    }
    assert AuditRecord.objects.filter(action="card-payment:refunded").count() == 3


@pytest.mark.parametrize(
    "how",
    ["missing", "another secret", "tampered body", "stale", "from the future", "garbage"],
)
def test_a_bad_missing_or_stale_signature_is_refused_and_nothing_stored(
    client, card_appeal, fund, how
):
    payment = paid(card_appeal)
    body = event_body("payment_intent.succeeded", intent_object(payment))
    if how == "missing":
        response = client.post("/stripe/webhook/", data=body, content_type="application/json")
    elif how == "another secret":
        response = post_signed(client, body, secret="whsec_someone_else")
    elif how == "tampered body":
        header = stripe.WebhookSignature.generate_signature_header(body.decode(), WEBHOOK_SECRET)
        response = client.post(
            "/stripe/webhook/",
            data=body.replace(b"succeeded", b"succeeded "),
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )
    elif how == "stale":
        response = post_signed(client, body, timestamp=int(time.time()) - 400)
    elif how == "from the future":
        response = post_signed(client, body, timestamp=int(time.time()) + 400)
    else:
        response = client.post(
            "/stripe/webhook/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE="t=1,v1=nonsense",
        )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists() and not Receipt.objects.exists()


def test_the_webhook_answers_only_post(client, stripe_settings):
    assert client.get("/stripe/webhook/").status_code == 405


@pytest.mark.parametrize(
    "event_type, data_object",
    [
        ("payment_intent.succeeded", {"id": "pi_nobody_knows", "object": "payment_intent"}),
        ("charge.refunded", {"id": "ch_nobody_knows", "object": "charge"}),
        ("charge.dispute.created", {"id": "dp_nobody", "object": "dispute", "charge": "ch_x"}),
        ("payout.paid", {"id": "po_nobody_knows", "object": "payout"}),
        ("customer.created", {"id": "cus_123", "object": "customer"}),
    ],
)
def test_an_event_for_an_unknown_object_is_acknowledged_and_records_nothing(
    client, card_appeal, fund, event_type, data_object
):
    entries = JournalEntry.objects.count()
    send(client, event_type, data_object)
    assert JournalEntry.objects.count() == entries and not CardPayment.objects.exists()
    event = StripeEvent.objects.get()
    assert event.processed_at is not None
    assert event.outcome.startswith(("unknown", "ignored"))


def test_a_payment_intent_of_someone_else_on_the_account_is_left_alone(client, card_appeal, fund):
    intent = gateway.create_payment_intent(
        1000, "eur", gateway.idempotency_key("other", secrets.token_hex(8)), {}
    )
    gateway.confirm_payment_intent(intent.id, "pm_card_visa")
    send(client, "payment_intent.succeeded", gateway.retrieve_payment_intent(intent.id).to_dict())
    assert not Receipt.objects.exists()
    assert StripeEvent.objects.get().outcome.startswith("unknown payment intent")


def test_stripe_unreachable_is_acknowledged_left_unprocessed_and_processed_on_the_next_run(
    client, card_appeal, fund, monkeypatch
):
    """Acknowledged at once (200), so Stripe does not deliver again: the event
    stays unprocessed, a redelivery changes nothing, and
    ``manage.py process_stripe_events`` books it once Stripe answers."""
    payment = paid(card_appeal)
    body = event_body("payment_intent.succeeded", intent_object(payment))
    real = gateway.retrieve_payment_intent

    def unreachable(payment_intent_id):
        raise stripe.APIConnectionError("network down")

    monkeypatch.setattr(gateway, "retrieve_payment_intent", unreachable)
    assert post_signed(client, body).status_code == 200
    assert not Receipt.objects.exists()
    assert StripeEvent.objects.get().processed_at is None
    assert post_signed(client, body).status_code == 200
    assert not Receipt.objects.exists() and StripeEvent.objects.get().processed_at is None
    call_command("process_stripe_events", older_than=0, stdout=io.StringIO(), stderr=io.StringIO())
    assert not Receipt.objects.exists()
    monkeypatch.setattr(gateway, "retrieve_payment_intent", real)
    call_command("process_stripe_events", older_than=0, stdout=io.StringIO())
    assert Receipt.objects.count() == 1 and StripeEvent.objects.count() == 1
    assert StripeEvent.objects.get().processed_at is not None


# -- disputes: localstripe has none, so Stripe's dispute object is built here --------------


@pytest.fixture
def fake_disputes(monkeypatch):
    """``gateway.retrieve_dispute`` answers from this dict (Stripe's shape,
    around a real localstripe charge); everything else is still localstripe."""
    disputes: dict[str, dict] = {}

    def retrieve(dispute_id):
        if dispute_id not in disputes:
            raise stripe.InvalidRequestError("No such dispute", "id", http_status=404)
        return stripe.Dispute.construct_from(dict(disputes[dispute_id]), "sk_test_local")

    monkeypatch.setattr(gateway, "retrieve_dispute", retrieve)
    return disputes


def open_dispute(disputes, payment, amount_minor=25000, status="needs_response"):
    charge = charge_of(payment)
    dispute = {
        "id": f"dp_test_{secrets.token_hex(8)}",
        "object": "dispute",
        "amount": amount_minor,
        "currency": charge.currency,
        "charge": charge.id,
        "payment_intent": payment.payment_intent_id,
        "created": int(time.time()),
        "reason": "fraudulent",
        "status": status,
    }
    disputes[dispute["id"]] = dispute
    return dispute


def test_a_dispute_holds_the_money_then_a_lost_dispute_is_a_refund_to_the_donor(
    client, card_appeal, fund, fake_disputes
):
    payment = paid(card_appeal)
    send(client, "payment_intent.succeeded", intent_object(payment))
    dispute = open_dispute(fake_disputes, payment)
    send(client, "charge.dispute.created", dispute)
    payment.refresh_from_db()
    assert payment.status == CardPayment.Status.DISPUTED
    assert balances(fund) == {
        AccountKey.CONTRIBUTIONS: USD_250_EUR,
        # refunds payable, a liability, carries a debit balance while the money is held
        AccountKey.REFUNDS_PAYABLE: -USD_250_EUR,
    }
    send(client, "charge.dispute.created", dispute)  # repeated: held once
    dispute["status"] = "lost"
    send(client, "charge.dispute.closed", dispute)
    send(client, "charge.dispute.closed", dispute)
    payment.refresh_from_db()
    assert payment.status == CardPayment.Status.REFUNDED
    assert balances(fund) == {
        AccountKey.CONTRIBUTIONS: USD_250_EUR,
        AccountKey.DONOR_REFUNDS: USD_250_EUR,
    }
    assert CardDispute.objects.get().status == "lost"


def test_a_won_dispute_returns_the_money_to_card_clearing(client, card_appeal, fund, fake_disputes):
    payment = paid(card_appeal)
    send(client, "payment_intent.succeeded", intent_object(payment))
    dispute = open_dispute(fake_disputes, payment, amount_minor=10000)
    send(client, "charge.dispute.created", dispute)
    assert balances(fund)[AccountKey.CARD_CLEARING] == USD_250_EUR - Decimal("108.11")
    dispute["status"] = "won"
    send(client, "charge.dispute.closed", dispute)
    payment.refresh_from_db()
    assert payment.status == CardPayment.Status.SUCCEEDED
    assert balances(fund) == {
        AccountKey.CARD_CLEARING: USD_250_EUR,
        AccountKey.CONTRIBUTIONS: USD_250_EUR,
    }
    record = CardDispute.objects.get()
    assert record.closing_entry.reverses == record.held_entry


def test_a_dispute_closed_before_its_created_event_is_held_and_closed_once(
    client, card_appeal, fund, fake_disputes
):
    payment = paid(card_appeal)
    dispute = open_dispute(fake_disputes, payment, status="lost")
    send(client, "charge.dispute.closed", dispute)  # before even the success event
    send(client, "charge.dispute.created", dispute | {"status": "needs_response"})
    send(client, "payment_intent.succeeded", intent_object(payment))
    assert Receipt.objects.count() == 1 and CardDispute.objects.count() == 1
    assert balances(fund) == {
        AccountKey.CONTRIBUTIONS: USD_250_EUR,
        AccountKey.DONOR_REFUNDS: USD_250_EUR,
    }


def test_an_inquiry_moves_no_money(client, card_appeal, fund, fake_disputes):
    payment = paid(card_appeal)
    dispute = open_dispute(fake_disputes, payment, status="warning_needs_response")
    send(client, "charge.dispute.created", dispute)
    assert balances(fund)[AccountKey.CARD_CLEARING] == USD_250_EUR
    assert CardDispute.objects.get().held_entry is None


# -- payouts -------------------------------------------------------------------------------


def test_a_payout_moves_card_clearing_to_the_bank_once(client, card_appeal, fund):
    payment = paid(card_appeal)
    send(client, "payment_intent.succeeded", intent_object(payment))
    payout = gateway.client().v1.payouts.create(
        params={"amount": 25000, "currency": "eur", "status": "paid", "metadata": {"fund": "TESTF"}}
    )
    send(client, "payout.paid", payout.to_dict())
    send(client, "payout.paid", payout.to_dict())
    assert CardPayout.objects.count() == 1
    assert balances(fund) == {
        AccountKey.BANK: USD_250_EUR,
        AccountKey.CONTRIBUTIONS: USD_250_EUR,
    }


def test_a_payout_not_yet_paid_records_nothing(client, card_appeal, fund):
    payout = gateway.client().v1.payouts.create(params={"amount": 1000, "currency": "eur"})
    send(client, "payout.paid", payout.to_dict() | {"status": "paid"})
    assert not CardPayout.objects.exists()


# -- the storm -------------------------------------------------------------------------------


def test_a_webhook_storm_leaves_the_ledger_exactly_as_one_clean_delivery(client, card_appeal, fund):
    """500 signed events for 100 payments (success, a stale failure, two
    partial refunds each), 20% delivered twice, all shuffled."""
    rng = random.Random(20261126)
    events = []
    for i in range(100):
        payment = paid(card_appeal, str(Decimal("10.00") + Decimal("3.17") * i))
        intent = intent_object(payment)
        events.append(event_body("payment_intent.succeeded", intent))
        events.append(event_body("payment_intent.payment_failed", intent))
        refund(payment, "1.00")
        events.append(event_body("charge.refunded", charge_of(payment).to_dict()))
        refund(payment, "2.33")
        events.append(event_body("charge.refunded", charge_of(payment).to_dict()))

    def counts():
        return (
            Receipt.objects.count(),
            CardRefund.objects.count(),
            JournalEntry.objects.count(),
            CardPayment.objects.filter(status=CardPayment.Status.PARTLY_REFUNDED).count(),
        )

    with transaction.atomic():  # the clean delivery, then undone
        for body in events:
            assert post_signed(client, body).status_code == 200
        clean, clean_counts = account_balances(fund), counts()
        transaction.set_rollback(True)
    assert not Receipt.objects.exists()

    storm = events + rng.sample(events, 100)
    rng.shuffle(storm)
    assert len(storm) == 500
    for body in storm:
        assert post_signed(client, body).status_code == 200

    assert account_balances(fund) == clean
    assert counts() == clean_counts == (100, 200, 300, 100)
    assert StripeEvent.objects.count() == 400
