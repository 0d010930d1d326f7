"""Card payments through Stripe: what the fund knows of each PaymentIntent, and
of the refunds, disputes and payouts that follow it (docs/stripe.md).

Every Stripe object is recorded once, under its own id (STYLE.md pattern 4):
a unique constraint on the payment intent, charge, refund, dispute, payout
and event ids is what makes a repeated webhook or a double click harmless.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from fundmgr.models import JournalEntry

__all__ = ["CardDispute", "CardPayment", "CardPayout", "CardRefund", "StripeEvent"]


class CardPayment(models.Model):
    """One pledge paid by card: one PaymentIntent, at most one successful charge.

    States (moved only by donors.payments.services, after reading Stripe's own
    state back): processing -> succeeded | failed; failed -> succeeded (the
    donor tried another card); succeeded -> partly_refunded | refunded |
    disputed; disputed -> succeeded | partly_refunded | refunded once closed.
    Nothing ever moves a payment that Stripe says succeeded back to failed."""

    class Status(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Declined")
        PARTLY_REFUNDED = "partly_refunded", _("Partly refunded")
        REFUNDED = "refunded", _("Refunded")
        DISPUTED = "disputed", _("Disputed")

    #: Stripe will not change these by itself any more: the status page stops waiting.
    FINAL = (
        Status.SUCCEEDED,
        Status.FAILED,
        Status.PARTLY_REFUNDED,
        Status.REFUNDED,
        Status.DISPUTED,
    )

    pledge = models.OneToOneField(
        "donors.Pledge",
        on_delete=models.PROTECT,
        related_name="card_payment",
        verbose_name=_("pledge"),
    )
    # NULL only between recording the pledge and Stripe answering the create call.
    payment_intent_id = models.CharField(  # noqa: DJ001
        _("Stripe payment intent"), max_length=255, unique=True, null=True, blank=True
    )
    client_secret = models.CharField(_("client secret"), max_length=255, blank=True)
    charge_id = models.CharField(  # noqa: DJ001
        _("Stripe charge"), max_length=255, unique=True, null=True, blank=True
    )
    # The pledge form's one-time token: a form posted twice makes one payment.
    checkout_token = models.CharField(_("form token"), max_length=64, unique=True)
    amount = MoneyField(_("amount"), max_digits=20, decimal_places=3)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROCESSING
    )
    failure_message = models.CharField(_("why it was declined"), max_length=500, blank=True)
    # The site's address as the donor's browser reached it (a host Django
    # allowed), for the links of the e-mail written when the outcome is known.
    site_url = models.URLField(_("site address"), max_length=300, blank=True)
    fee_base = models.DecimalField(
        _("processing fee (fund currency)"), max_digits=20, decimal_places=3, default=0
    )
    receipt = models.OneToOneField(
        "donors.Receipt",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="card_payment",
        verbose_name=_("receipt"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("card payment")
        verbose_name_plural = _("card payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="card_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(receipt__isnull=True)
                | Q(status__in=["succeeded", "partly_refunded", "refunded", "disputed"]),
                name="card_payment_with_receipt_is_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_intent_id or '(no intent yet)'} {self.amount} {self.status}"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL


class StripeEvent(models.Model):
    """A webhook delivery, stored once by its event id; a repeat does nothing.

    The verified request body is kept in ``payload``: the background task
    (donors.payments.tasks) acts on it after the webhook has answered."""

    event_id = models.CharField(_("Stripe event"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    object_id = models.CharField(_("Stripe object"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    payload = models.TextField(_("verified payload"), blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class CardRefund(models.Model):
    """A refund Stripe made on a card payment, booked once by its refund id."""

    refund_id = models.CharField(_("Stripe refund"), max_length=255, unique=True)
    card_payment = models.ForeignKey(
        CardPayment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    amount = MoneyField(_("amount"), max_digits=20, decimal_places=3)
    base_amount = models.DecimalField(
        _("value in the fund's currency"), max_digits=20, decimal_places=3
    )
    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, related_name="+", verbose_name=_("ledger entry")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("card refund")
        verbose_name_plural = _("card refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="card_refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.refund_id} {self.amount}"


class CardDispute(models.Model):
    """A chargeback: the amount Stripe withdrew while the bank decides.

    ``held_entry`` moves it out of card clearing (Dr refunds payable, Cr card
    clearing); ``closing_entry`` is the reversal of that entry when the fund
    won, or the loss (Dr refunds to donors, Cr refunds payable) when it lost.
    Stripe's dispute fee is booked apart (Dr card fees, Cr card clearing): a
    won dispute returns the money, not always the fee."""

    dispute_id = models.CharField(_("Stripe dispute"), max_length=255, unique=True)
    card_payment = models.ForeignKey(
        CardPayment, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("payment")
    )
    status = models.CharField(_("Stripe status"), max_length=40)
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    amount = MoneyField(_("amount"), max_digits=20, decimal_places=3)
    base_amount = models.DecimalField(
        _("value in the fund's currency"), max_digits=20, decimal_places=3, default=0
    )
    held_entry = models.OneToOneField(
        JournalEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("held by"),
    )
    closing_entry = models.OneToOneField(
        JournalEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    # Stripe's dispute fee, from the dispute's balance transactions: what is
    # booked so far (Dr card fees, Cr card clearing), in Stripe's minor units
    # of its currency and in the fund's currency, so a fee returned later
    # takes back exactly what was booked whatever the rates did meanwhile.
    fee_minor = models.BigIntegerField(_("dispute fee booked (minor units)"), default=0)
    fee_currency = models.CharField(_("dispute fee currency"), max_length=3, blank=True)
    fee_base = models.DecimalField(
        _("dispute fee booked, in the fund's currency"),
        max_digits=20,
        decimal_places=3,
        default=0,
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("card dispute")
        verbose_name_plural = _("card disputes")

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.amount} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.held_entry_id is not None and self.closing_entry_id is None


class CardPayout(models.Model):
    """Money Stripe paid into the fund's bank account from card clearing."""

    payout_id = models.CharField(_("Stripe payout"), max_length=255, unique=True)
    fund = models.ForeignKey(
        "fundmgr.Fund", on_delete=models.PROTECT, related_name="+", verbose_name=_("fund")
    )
    amount = MoneyField(_("amount"), max_digits=20, decimal_places=3)
    arrival_date = models.DateField(_("arrival date"))
    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, related_name="+", verbose_name=_("ledger entry")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-arrival_date", "-id"]
        verbose_name = _("card payout")
        verbose_name_plural = _("card payouts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="card_payout_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payout_id} {self.amount} {self.arrival_date}"
