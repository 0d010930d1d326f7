"""A card payment that succeeds after its pledge was cancelled (the donor's
payment page was still open) is money received all the same: it is recorded
for the donor without the pledge, and the pledge stays cancelled."""

from __future__ import annotations

from decimal import Decimal

from donors.models import Pledge, Receipt
from donors.payments.models import CardPayment
from donors.services.pledges import cancel_pledge
from fundmgr.chart import AccountKey
from fundmgr.roles import Role

from .cards import balances, card_payment, intent_object, pay, send

USD_250_EUR = Decimal("270.27")  # 250 / 0.925 (tests/donors/conftest.py's rate)


def test_a_card_payment_for_a_pledge_cancelled_meanwhile_is_recorded_for_its_donor(
    client, card_appeal, fund, make_user
):
    payment = card_payment(card_appeal)
    # a first card was declined; finance cancelled the pledge; the page was still open
    CardPayment.objects.filter(pk=payment.pk).update(status=CardPayment.Status.FAILED)
    pledge = payment.pledge
    cancel_pledge(pledge, make_user("finance", Role.FINANCE_OFFICER), reason="Withdrawn")
    pay(payment)

    send(client, "payment_intent.succeeded", intent_object(payment))

    payment.refresh_from_db()
    receipt = Receipt.objects.get()
    assert payment.status == CardPayment.Status.SUCCEEDED and payment.receipt == receipt
    assert receipt.pledge is None and receipt.donor == pledge.donor
    assert receipt.amount.amount == Decimal("250")
    assert Pledge.objects.get(pk=pledge.pk).status == Pledge.Status.CANCELLED
    assert balances(fund) == {
        AccountKey.CARD_CLEARING: USD_250_EUR,
        AccountKey.CONTRIBUTIONS: USD_250_EUR,
    }
