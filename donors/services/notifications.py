"""E-mails to donors, in the language they used on the site."""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from donors.models import Pledge


def send_pledge_acknowledgement(pledge: Pledge) -> None:
    context = {"pledge": pledge, "fund": pledge.fund, "donor": pledge.donor}
    send_mail(
        subject=_("Your pledge %(reference)s to %(fund)s")
        % {"reference": pledge.reference, "fund": pledge.fund.name},
        message=render_to_string("donors/email/pledge_acknowledgement.txt", context),
        from_email=None,
        recipient_list=[pledge.donor.email],
    )


def send_receipt_acknowledgement(receipt) -> None:
    """Thank the donor for money received, with its receipt number."""
    context = {"receipt": receipt, "fund": receipt.fund, "donor": receipt.donor}
    send_mail(
        subject=_("Receipt %(number)s: thank you") % {"number": receipt.number},
        message=render_to_string("donors/email/receipt_acknowledgement.txt", context),
        from_email=None,
        recipient_list=[receipt.donor.email],
    )
