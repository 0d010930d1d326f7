"""Stripe's dispute fee: read from the dispute's balance transactions (the
withdrawal carries it; a reinstatement may return it with a negative fee),
booked Dr card fees / Cr card clearing once per change, through the signed
webhook around a real localstripe charge (localstripe has no disputes:
``fake_disputes`` answers in Stripe's shape)."""

# fake_disputes is imported as a fixture; pytest's arguments of that name are it.
# ruff: noqa: F811

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest

from donors.payments.models import CardDispute
from fundmgr.chart import AccountKey
from fundmgr.models import AuditRecord, JournalEntry

from .cards import balances, intent_object, send
from .test_webhooks import USD_250_EUR, fake_disputes, open_dispute, paid  # noqa: F401

pytestmark = pytest.mark.django_db

FEE_15_EUR = Decimal("16.22")  # 15 / 0.925, half up
HELD_250_EUR = USD_250_EUR  # the whole charge disputed: the receipt's value exactly


def balance_transaction(amount_minor: int, fee_minor: int, currency: str = "eur") -> dict:
    return {
        "id": f"txn_{secrets.token_hex(8)}",
        "object": "balance_transaction",
        "amount": amount_minor,
        "fee": fee_minor,
        "net": amount_minor - fee_minor,
        "currency": currency,
        "type": "adjustment",
        "reporting_category": "dispute" if amount_minor < 0 else "dispute_reversal",
    }


def disputed_with_fee(client, appeal, disputes, fee_minor=1500):
    payment = paid(appeal)
    send(client, "payment_intent.succeeded", intent_object(payment))
    dispute = open_dispute(disputes, payment)
    dispute["balance_transactions"] = [balance_transaction(-25000, fee_minor)]
    send(client, "charge.dispute.created", dispute)
    return payment, dispute


def test_a_dispute_fee_is_booked_to_card_fees_out_of_card_clearing_once(
    client, card_appeal, fund, fake_disputes
):
    _payment, dispute = disputed_with_fee(client, card_appeal, fake_disputes)
    send(client, "charge.dispute.updated", dispute)  # repeated: nothing more

    assert balances(fund) == {
        AccountKey.CONTRIBUTIONS: USD_250_EUR,
        AccountKey.REFUNDS_PAYABLE: -HELD_250_EUR,
        AccountKey.CARD_FEES: FEE_15_EUR,
        AccountKey.CARD_CLEARING: -FEE_15_EUR,
    }
    entry = JournalEntry.objects.get(kind="card-dispute-fee")
    assert entry.idempotency_key == f"card-dispute:{dispute['id']}:fee:1"
    assert entry.date == CardDispute.objects.get().held_entry.date
    record = CardDispute.objects.get()
    assert (record.fee_minor, record.fee_currency, record.fee_base) == (1500, "EUR", FEE_15_EUR)
    assert AuditRecord.objects.filter(action="card-payment:dispute-fee").count() == 1


def test_a_won_dispute_returns_the_money_but_not_a_fee_stripe_keeps(
    client, card_appeal, fund, fake_disputes
):
    _payment, dispute = disputed_with_fee(client, card_appeal, fake_disputes)
    dispute["status"] = "won"
    dispute["balance_transactions"].append(balance_transaction(25000, 0))
    send(client, "charge.dispute.closed", dispute)

    assert balances(fund) == {
        AccountKey.CONTRIBUTIONS: USD_250_EUR,
        AccountKey.CARD_CLEARING: USD_250_EUR - FEE_15_EUR,
        AccountKey.CARD_FEES: FEE_15_EUR,
    }


def test_a_fee_returned_with_the_reinstatement_takes_back_exactly_what_was_booked(
    client, card_appeal, fund, fake_disputes
):
    _payment, dispute = disputed_with_fee(client, card_appeal, fake_disputes)
    dispute["status"] = "won"
    dispute["balance_transactions"].append(balance_transaction(25000, -1500))
    send(client, "charge.dispute.closed", dispute)
    send(client, "charge.dispute.closed", dispute)

    assert balances(fund) == {
        AccountKey.CONTRIBUTIONS: USD_250_EUR,
        AccountKey.CARD_CLEARING: USD_250_EUR,
    }
    keys = list(
        JournalEntry.objects.filter(kind="card-dispute-fee")
        .order_by("pk")
        .values_list("idempotency_key", flat=True)
    )
    assert keys == [f"card-dispute:{dispute['id']}:fee:1", f"card-dispute:{dispute['id']}:fee:2"]
    record = CardDispute.objects.get()
    assert (record.fee_minor, record.fee_base) == (0, Decimal(0))


def test_a_lost_dispute_keeps_its_fee_as_a_card_fee(client, card_appeal, fund, fake_disputes):
    _payment, dispute = disputed_with_fee(client, card_appeal, fake_disputes)
    dispute["status"] = "lost"
    send(client, "charge.dispute.closed", dispute)

    assert balances(fund) == {
        AccountKey.CONTRIBUTIONS: USD_250_EUR,
        AccountKey.DONOR_REFUNDS: HELD_250_EUR,
        AccountKey.CARD_FEES: FEE_15_EUR,
        AccountKey.CARD_CLEARING: -FEE_15_EUR,
    }


def test_a_dispute_without_balance_transactions_books_no_fee(
    client, card_appeal, fund, fake_disputes
):
    payment = paid(card_appeal)
    send(client, "payment_intent.succeeded", intent_object(payment))
    send(client, "charge.dispute.created", open_dispute(fake_disputes, payment))

    assert not JournalEntry.objects.filter(kind="card-dispute-fee").exists()
    assert AccountKey.CARD_FEES not in balances(fund)


def test_an_inquiry_books_no_fee_even_if_stripe_lists_one(client, card_appeal, fund, fake_disputes):
    payment = paid(card_appeal)
    send(client, "payment_intent.succeeded", intent_object(payment))
    inquiry = open_dispute(fake_disputes, payment, status="warning_needs_response")
    inquiry["balance_transactions"] = [balance_transaction(0, 1500)]
    send(client, "charge.dispute.created", inquiry)

    assert not JournalEntry.objects.filter(kind__startswith="card-dispute").exists()
