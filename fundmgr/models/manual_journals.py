"""Manual journals: a correcting entry or a reversal that finance prepares
and a second finance officer approves before anything reaches the ledger.

The proposal is the record both people sign (``fundmgr.services.duties``), so
the Signature table's constraints keep preparer and approver two different
people whatever roles they hold; a check constraint here says the same of the
decision. The posted entry is an ordinary journal entry (immutable like any
other) linked back to the proposal that made it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fundmgr.models.funds import Account, Fund
from fundmgr.models.ledger import JournalEntry


class ManualJournal(models.Model):
    class Action(models.TextChoices):
        POST = "post", _("Correcting entry")
        REVERSE = "reverse", _("Reversal")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for approval")
        POSTED = "posted", _("Approved and posted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="manual_journals", verbose_name=_("fund")
    )
    action = models.CharField(_("what"), max_length=10, choices=Action.choices)
    date = models.DateField(_("transaction date"))
    reason = models.CharField(_("reason"), max_length=500)
    reverses = models.ForeignKey(
        JournalEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal_proposals",
        verbose_name=_("entry to reverse"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("prepared by"),
    )
    prepared_at = models.DateTimeField(_("prepared at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    entry = models.OneToOneField(
        JournalEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="manual_journal",
        verbose_name=_("posted entry"),
    )

    class Meta:
        ordering = ["-prepared_at", "-id"]
        verbose_name = _("manual journal")
        verbose_name_plural = _("manual journals")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="manual_journal_says_why"),
            models.CheckConstraint(
                condition=Q(action="reverse", reverses__isnull=False)
                | Q(action="post", reverses__isnull=True),
                name="manual_journal_reversal_names_its_entry",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("prepared_by")),
                name="manual_journal_decided_by_another_person",
            ),
            models.CheckConstraint(
                condition=Q(status="posted", entry__isnull=False)
                | (~Q(status="posted") & Q(entry__isnull=True)),
                name="manual_journal_posted_has_its_entry",
            ),
            models.UniqueConstraint(
                fields=["reverses"],
                condition=Q(status="proposed"),
                name="one_open_reversal_proposal_per_entry",
            ),
        ]
        indexes = [models.Index(fields=["fund", "status"])]

    def __str__(self) -> str:
        return f"MJ-{self.pk} {self.get_action_display()} {self.date}"

    @property
    def number(self) -> str:
        return f"MJ-{self.pk}"


class ManualJournalLine(models.Model):
    """One line of a correcting entry, in the fund's own currency."""

    journal = models.ForeignKey(
        ManualJournal, on_delete=models.CASCADE, related_name="lines", verbose_name=_("journal")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("account")
    )
    debit = models.DecimalField(_("debit"), max_digits=20, decimal_places=3, default=0)
    credit = models.DecimalField(_("credit"), max_digits=20, decimal_places=3, default=0)

    class Meta:
        ordering = ["journal", "id"]
        verbose_name = _("manual journal line")
        verbose_name_plural = _("manual journal lines")
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(credit__gt=0) & Q(debit=0)),
                name="manual_journal_line_one_positive_side",
            ),
        ]

    def __str__(self) -> str:
        side = f"Dr {self.debit}" if self.debit else f"Cr {self.credit}"
        return f"{self.account.code} {side}"
