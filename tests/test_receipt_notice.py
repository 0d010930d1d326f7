"""A donor's thank-you for each receipt (donors.services.notifications): it
always goes, whatever the donor chose for other e-mails, in the donor's
language, once per receipt however often its task runs, with the receipt's
acknowledgement letter attached as a PDF the mail worker makes when it sends
(nothing written to a disk another host lacks)."""

# ruff: noqa: F811 - the shared fixtures are imported
from __future__ import annotations

import pytest
from django.utils import translation

from donors.services import notifications
from donors.services.receipts import record_receipt
from fundmgr.models import NoticeSettings, OutgoingMail
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services import notices
from tests.pdf_reading import pdf_text
from tests.test_bank_statements import MARCH_10, make_pledge  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def receive(fund, admin_user, pledge, capture):
    with capture(execute=True):
        return record_receipt(
            fund=fund,
            donor=pledge.donor,
            pledge=pledge,
            amount=Money("100", "EUR"),
            value_date=MARCH_10,
            by=admin_user,
        )


def test_the_thank_you_carries_the_receipts_acknowledgement_as_a_readable_pdf(
    fund, admin_user, make_pledge, mailoutbox, django_capture_on_commit_callbacks
):
    pledge = make_pledge("100")
    receipt = receive(fund, admin_user, pledge, django_capture_on_commit_callbacks)

    (mail,) = mailoutbox
    ((name, content, mimetype),) = mail.attachments
    assert name == f"acknowledgement-{receipt.number}.pdf"
    assert mimetype == "application/pdf" and content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert f"Acknowledgement of receipt {receipt.number}" in text
    # Nothing of the file is kept: it is made by the worker as it sends.
    stored = OutgoingMail.objects.get()
    assert (stored.attachment, stored.attachment_ref) == (
        "receipt-acknowledgement",
        str(receipt.pk),
    )


def test_the_letter_is_in_the_donors_language_as_the_mail_is(
    fund, admin_user, make_pledge, mailoutbox, django_capture_on_commit_callbacks
):
    pledge = make_pledge("100")
    pledge.donor.language = "fr"
    pledge.donor.save()
    with translation.override("en"):
        receipt = receive(fund, admin_user, pledge, django_capture_on_commit_callbacks)

    (mail,) = mailoutbox
    assert mail.subject == f"Reçu {receipt.number}\u00a0: merci"
    with translation.override("fr"):
        title = notifications._("Acknowledgement of receipt %(number)s") % {
            "number": receipt.number
        }
    assert title in pdf_text(mail.attachments[0][1])


def test_a_donor_who_chose_a_language_when_signed_in_reads_it_in_that_one(
    fund, admin_user, make_pledge, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    pledge = make_pledge("100")
    user = make_user("donor-account", Role.DONOR)
    pledge.donor.user, pledge.donor.language = user, "en"
    pledge.donor.save()
    NoticeSettings.objects.create(user=user, language="es")

    receipt = receive(fund, admin_user, pledge, django_capture_on_commit_callbacks)

    (mail,) = mailoutbox
    assert mail.subject == f"Recibo {receipt.number}: gracias"


def test_the_receipt_always_goes_and_cannot_be_turned_off(make_user):
    user = make_user("donor-account", Role.DONOR)
    with pytest.raises(notices.PreferencesRefused):
        notices.set_preferences(
            user, language="en", deliveries={notifications.RECEIPT_KIND: "never"}
        )
    assert notices.preferences_of(user) == {notifications.RECEIPT_KIND: "at_once"}


def test_a_task_run_again_thanks_once(
    fund, admin_user, make_pledge, mailoutbox, django_capture_on_commit_callbacks
):
    pledge = make_pledge("100")
    receipt = receive(fund, admin_user, pledge, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        notifications.send_receipt_acknowledgements.call([receipt.pk])

    assert len(mailoutbox) == 1
    assert OutgoingMail.objects.count() == 1


def test_a_letter_that_cannot_be_made_is_retried_like_any_failed_send(
    fund, admin_user, make_pledge, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(receipt):
        raise OSError("font missing")

    monkeypatch.setattr("donors.services.letters.receipt_letter", broken)
    pledge = make_pledge("100")
    receive(fund, admin_user, pledge, django_capture_on_commit_callbacks)

    assert mailoutbox == []
    mail = OutgoingMail.objects.get()
    assert mail.status == "waiting" and mail.attempts == 1 and mail.next_attempt_at
    assert "font missing" in mail.last_error
