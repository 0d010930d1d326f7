"""E-mails to donors, written to the outbox (``fundmgr.services.mail``) and
sent in the background once the transaction that decided them commits.

A pledge's acknowledgement is written in the language the donor is using
on the site as they pledge. A receipt's thank-you is written in the donor's
own language (``donor_language``: the one they chose, else the one their
record was made in, never the language of the finance officer who recorded
the money), with the receipt's acknowledgement letter attached as a PDF made
by the mail worker when it sends the mail (``receipt_attachment``): nothing
is stored on one host's disk. It always goes, whatever the donor chose for
other e-mails, and once per receipt (the mail's key), however many times its
task runs.

Receipts' thank-yous are written by a background task of their own, after
the money's transaction commits: an import that records a thousand receipts
writes no e-mail itself, and a mail server that is down does not undo or
delay the books."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from donors.models import Donor, Pledge, Receipt
from donors.services.greetings import pledge_salutation, salutation
from fundmgr.services.mail import queue_mail
from fundmgr.services.notices import supported_language

logger = logging.getLogger(__name__)

#: Receipts thanked for by one background task.
RECEIPTS_PER_TASK = 200
#: The kind of notice a receipt's thank-you is (it always goes) and the name
#: its PDF is made under when the mail is sent.
RECEIPT_KIND = "receipt-acknowledgement"


def send_pledge_acknowledgement(pledge: Pledge) -> None:
    context = {
        "pledge": pledge,
        "fund": pledge.fund,
        "donor": pledge.donor,
        "greeting": pledge_salutation(pledge, pledge.donor.name),
    }
    queue_mail(
        kind="pledge-acknowledgement",
        to=pledge.donor.email,
        subject=_("Your pledge %(reference)s to %(fund)s")
        % {"reference": pledge.reference, "fund": pledge.fund.name},
        body=render_to_string("donors/email/pledge_acknowledgement.txt", context),
    )


def donor_language(donor: Donor) -> str:
    """The language of the donor's e-mails: the one their sign-in account
    chose (or signed in with), else the one their record was made in."""
    chosen = None
    if donor.user is not None:
        try:
            chosen = donor.user.notice_settings.language
        except ObjectDoesNotExist:
            chosen = None
    return (
        supported_language(chosen) or supported_language(donor.language) or settings.LANGUAGE_CODE
    )


def send_receipt_acknowledgement(receipt: Receipt) -> None:
    """Thank the donor for money received, with its receipt number and its
    acknowledgement letter attached, in the donor's language; once per receipt."""
    language = donor_language(receipt.donor)
    with translation.override(language):
        context = {
            "receipt": receipt,
            "fund": receipt.fund,
            "donor": receipt.donor,
            "greeting": _receipt_salutation(receipt),
        }
        queue_mail(
            kind=RECEIPT_KIND,
            to=receipt.donor.email,
            subject=_("Receipt %(number)s: thank you") % {"number": receipt.number},
            body=render_to_string("donors/email/receipt_acknowledgement.txt", context),
            key=f"receipt:{receipt.pk}",
            language=language,
            attachment=RECEIPT_KIND,
            attachment_ref=str(receipt.pk),
        )


def receipt_attachment(ref: str) -> tuple[str, bytes, str]:
    """The receipt's acknowledgement letter, made by the mail worker as it
    sends the mail, in the language then active (the donor's)."""
    from donors.services import letters

    receipt = Receipt.objects.select_related("fund", "pledge", "donor__country").get(pk=int(ref))
    return (
        f"acknowledgement-{receipt.number}.pdf",
        letters.receipt_letter(receipt),
        "application/pdf",
    )


def _receipt_salutation(receipt: Receipt) -> str:
    """The pledge's contact person, else the donor; money for a pledge nobody
    confirmed as the donor's greets no one by name (docs/donors.md)."""
    pledge = receipt.pledge
    if pledge is None:
        return salutation(None, receipt.donor.name)
    if not pledge.confirmed:
        return salutation(None)
    return pledge_salutation(pledge, receipt.donor.name)


@task(queue_name="email")
def send_receipt_acknowledgements(receipt_ids: list[int], language: str = "") -> int:
    """Write each receipt's thank-you to the outbox; one that cannot be
    written does not keep the others from going (the task then fails,
    naming how many). ``language`` is no longer read (each donor's own is):
    kept for tasks queued before."""
    sent = failed = 0
    receipts = (
        Receipt.objects.filter(pk__in=receipt_ids)
        .select_related("fund", "donor__user__notice_settings", "pledge")
        .order_by("pk")
    )
    for receipt in receipts:
        try:
            send_receipt_acknowledgement(receipt)
        except Exception:
            failed += 1
            logger.exception("receipt %s: the acknowledgement was not sent", receipt.number)
        else:
            sent += 1
    if failed:
        raise RuntimeError(f"{failed} of {failed + sent} receipt acknowledgements were not sent")
    return sent


def acknowledge_receipts(receipts: Iterable[Receipt]) -> None:
    """Once the current transaction commits (never if it rolls back), hand
    the receipts' thank-you e-mails to the background, RECEIPTS_PER_TASK
    receipts to a task."""
    ids = [receipt.pk for receipt in receipts]
    if not ids:
        return

    def enqueue() -> None:
        for start in range(0, len(ids), RECEIPTS_PER_TASK):
            send_receipt_acknowledgements.enqueue(ids[start : start + RECEIPTS_PER_TASK])

    transaction.on_commit(enqueue)
