"""A card pledge's e-mail is about the card and is written once the card's
outcome is known (issue 15): never bank-transfer instructions, nothing at the
moment of pledging. After a decline, trying another card shows what the
processor answered, not "could not be reached". All against localstripe."""

from __future__ import annotations

from donors.models import Pledge
from donors.payments.models import CardPayment
from fundmgr.models import OutgoingMail

from .cards import intent_object, send

FORM_URL = "/appeals/ldc-travel/pledge/"
BANK_TEXT = "IBAN CH93 0000 0000 0000 0000 0"
TRANSFER_WORDS = "quote it on the transfer"


def form_data(**overrides):
    data = {
        "name": "Card Giver",
        "kind": "individual",
        "country": "",
        "email": "card-giver@example.org",
        "amount": "250",
        "currency": "EUR",
        "method": "card",
        "checkout_token": "one-rendering-of-the-form",
        "instalments-TOTAL_FORMS": "0",
        "instalments-INITIAL_FORMS": "0",
        "instalments-MIN_NUM_FORMS": "0",
        "instalments-MAX_NUM_FORMS": "20",
    }
    data.update(overrides)
    return data


def _pledge_by_card(client, card_appeal, **overrides) -> CardPayment:
    card_appeal.fund.bank_instructions = BANK_TEXT
    card_appeal.fund.save(update_fields=["bank_instructions"])
    response = client.post(FORM_URL, form_data(**overrides))
    assert response.status_code == 302
    return CardPayment.objects.get()


def _pay(client, payment: CardPayment, card: str) -> None:
    client.post(f"/pledges/{payment.pledge.reference}/pay/development-card/", {"card": card})


def _bodies(kind: str) -> list[str]:
    return list(OutgoingMail.objects.filter(kind=kind).values_list("body", flat=True))


def test_a_card_pledge_writes_no_email_until_the_card_outcome_is_known(client, card_appeal):
    _pledge_by_card(client, card_appeal)
    assert not OutgoingMail.objects.exists()


def test_a_paid_card_pledge_from_a_stranger_gets_its_receipt_and_a_confirmation_without_bank_transfer_text(  # noqa: E501
    client, card_appeal
):
    payment = _pledge_by_card(client, card_appeal)
    _pay(client, payment, "pm_card_visa")
    send(client, "payment_intent.succeeded", intent_object(payment))

    assert OutgoingMail.objects.filter(kind="receipt-acknowledgement").count() == 1
    [confirmation] = _bodies("pledge-confirmation")
    assert payment.pledge.reference in confirmation
    # The link is absolute: the address the browser pledged from.
    assert f"http://testserver/pledges/{payment.pledge.reference}/confirm/" in confirmation
    for body in _bodies("receipt-acknowledgement") + [confirmation]:
        assert BANK_TEXT not in body and TRANSFER_WORDS not in body
    assert not OutgoingMail.objects.filter(kind="pledge-acknowledgement").exists()


def test_a_signed_in_donors_paid_card_pledge_gets_one_email_its_receipt(client, card_appeal):
    from donors.services.pledges import find_or_create_donor
    from tests.test_donor_account import sign_in_by_link

    find_or_create_donor(name="Alice Real", kind="individual", email="alice@example.org")
    sign_in_by_link(client, "alice@example.org")
    payment = _pledge_by_card(client, card_appeal, email="alice@example.org")
    assert payment.pledge.confirmed
    assert not OutgoingMail.objects.exists()
    _pay(client, payment, "pm_card_visa")
    send(client, "payment_intent.succeeded", intent_object(payment))

    [mail] = OutgoingMail.objects.all()
    assert mail.kind == "receipt-acknowledgement" and mail.to == "alice@example.org"
    assert "Dear Alice Real" in mail.body and BANK_TEXT not in mail.body


def test_a_declined_card_writes_one_email_with_the_processors_reason_and_the_payment_page(
    client, card_appeal
):
    payment = _pledge_by_card(client, card_appeal)
    _pay(client, payment, "pm_card_chargeCustomerFail")
    assert not OutgoingMail.objects.exists()  # declined is Stripe's word, via the webhook
    send(client, "payment_intent.payment_failed", intent_object(payment))
    send(client, "payment_intent.payment_failed", intent_object(payment))  # again: no 2nd mail

    payment.refresh_from_db()
    assert payment.failure_message
    [mail] = OutgoingMail.objects.all()
    assert mail.kind == "card-declined" and mail.to == "card-giver@example.org"
    assert "Dear Card Giver" in mail.body
    assert payment.failure_message in mail.body
    assert f"http://testserver/pledges/{payment.pledge.reference}/pay/" in mail.body
    assert BANK_TEXT not in mail.body and TRANSFER_WORDS not in mail.body


def test_the_payment_and_status_pages_show_the_processors_reason_for_a_decline(client, card_appeal):
    payment = _pledge_by_card(client, card_appeal)
    _pay(client, payment, "pm_card_chargeCustomerFail")
    send(client, "payment_intent.payment_failed", intent_object(payment))
    payment.refresh_from_db()
    reference = payment.pledge.reference
    for url in (f"/pledges/{reference}/pay/", f"/pledges/{reference}/status/"):
        page = client.get(url).content.decode()
        assert payment.failure_message in page


def test_trying_another_card_after_a_decline_shows_the_processors_answer_not_unreachable(
    client, card_appeal
):
    payment = _pledge_by_card(client, card_appeal)
    _pay(client, payment, "pm_card_chargeCustomerFail")
    send(client, "payment_intent.payment_failed", intent_object(payment))

    # localstripe refuses to confirm an intent again after a decline (Stripe
    # accepts it): a real answer from the processor, which the donor reads.
    response = client.post(
        f"/pledges/{payment.pledge.reference}/pay/development-card/",
        {"card": "pm_card_visa"},
        follow=True,
    )
    page = response.content.decode()
    assert "could not be reached" not in page
    assert "The card processor refused the payment: Bad request" in page
    assert Pledge.objects.get().status != Pledge.Status.PAID


def test_an_unreachable_processor_is_still_said_to_be_unreachable(client, card_appeal, settings):
    payment = _pledge_by_card(client, card_appeal)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # the discard port: nothing answers
    response = client.post(
        f"/pledges/{payment.pledge.reference}/pay/development-card/",
        {"card": "pm_card_visa"},
        follow=True,
    )
    assert "The card processor could not be reached. Try again." in response.content.decode()
