"""The labels of the donors app's audit actions (fundmgr.audit_actions)."""

from django.utils.translation import gettext_lazy as _

from fundmgr.audit_actions import define_all

define_all(
    {
        "donor:created": _("Donor added"),
        "donor:listing-changed": _("Donor's public listing changed"),
        "donor:password-set": _("Donor's password set"),
        "pledge:recorded": _("Pledge recorded"),
        "pledge:confirmed": _("Pledge confirmed"),
        "pledge:marked-binding": _("Pledge marked binding"),
        "pledge:redated": _("Pledge's date changed"),
        "pledge:released": _("Pledge released from review"),
        "pledge:cancelled": _("Pledge cancelled"),
        "pledges:imported": _("Pledges imported"),
        "receipt:recorded": _("Receipt recorded"),
        "bank-statement:imported": _("Bank statement imported"),
        "bank-line:assigned": _("Bank line assigned"),
        "bank-line:discarded": _("Bank line discarded"),
        "card-payment:intent-created": _("Card payment prepared"),
        "card-payment:started": _("Card payment started"),
        "card-payment:succeeded": _("Card payment succeeded"),
        "card-payment:failed": _("Card payment failed"),
        "card-payment:refunded": _("Card payment refunded"),
        "card-payment:disputed": _("Card payment disputed"),
        "card-payment:dispute-fee": _("Card dispute fee booked"),
        "card-payment:dispute-won": _("Card dispute won"),
        "card-payment:dispute-lost": _("Card dispute lost"),
        "card-payout:recorded": _("Card payout recorded"),
    }
)
