"""E-mails to donors, in the language they used on the site, written to the
outbox (``fundmgr.services.mail``) and sent in the background once the
transaction that decided them commits.

Receipts' thank-yous are written by a background task of their own, after
the money's transaction commits: an import that records a thousand receipts
writes no e-mail itself, and a mail server that is down does not undo or
delay the books."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from donors.models import Pledge, Receipt
from donors.services.greetings import pledge_salutation, salutation
from fundmgr.services.mail import queue_mail

logger = logging.getLogger(__name__)

#: Receipts thanked for by one background task.
RECEIPTS_PER_TASK = 200


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


def send_receipt_acknowledgement(receipt) -> None:
    """Thank the donor for money received, with its receipt number."""
    context = {
        "receipt": receipt,
        "fund": receipt.fund,
        "donor": receipt.donor,
        "greeting": _receipt_salutation(receipt),
    }
    queue_mail(
        kind="receipt-acknowledgement",
        to=receipt.donor.email,
        subject=_("Receipt %(number)s: thank you") % {"number": receipt.number},
        body=render_to_string("donors/email/receipt_acknowledgement.txt", context),
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
def send_receipt_acknowledgements(receipt_ids: list[int], language: str) -> int:
    """Write each receipt's thank-you to the outbox; one that cannot be
    written does not keep the others from going (the task then fails,
    naming how many)."""
    sent = failed = 0
    receipts = (
        Receipt.objects.filter(pk__in=receipt_ids)
        .select_related("fund", "donor", "pledge")
        .order_by("pk")
    )
    with translation.override(language):
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
    the receipts' thank-you e-mails to the background, in the language now
    active, RECEIPTS_PER_TASK receipts to a task."""
    ids = [receipt.pk for receipt in receipts]
    if not ids:
        return
    language = translation.get_language() or settings.LANGUAGE_CODE

    def enqueue() -> None:
        for start in range(0, len(ids), RECEIPTS_PER_TASK):
            send_receipt_acknowledgements.enqueue(ids[start : start + RECEIPTS_PER_TASK], language)

    transaction.on_commit(enqueue)
