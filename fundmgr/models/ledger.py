"""The double-entry ledger.

A journal entry is created as a draft, its legs are added, then it is posted;
all three happen in one transaction (``fundmgr.services.ledger.post_entry``).
Database triggers (``fundmgr.db.guards``), on SQLite and PostgreSQL alike,
refuse to post an entry that does not balance, that has fewer than two legs,
that uses another fund's accounts or mixes host-country accounts with the
trust fund; and refuse any change to a posted entry or its legs.

Every entry says what it is (``kind``, one of ``EntryKind``) and what it was
posted for (``source``: the local record, and ``source_ref``: an outside
object's id, such as a Stripe refund), as columns readers filter on. The
idempotency key only makes a post happen once; nothing reads meaning from it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from fundmgr.models.funds import Account, Fund
from fundmgr.money import Money
from fundmgr.sentences import render


class LedgerImmutable(Exception):
    """A posted entry or leg was about to be changed."""


class EntryKind(models.TextChoices):
    """What an entry is: one list, one spelling each, held by a CHECK
    constraint. A new kind is a new member and a migration (the constraint
    changes with the list)."""

    OPENING = "opening", _("Opening balance")
    MANUAL = "manual", _("Manual entry")
    REVERSAL = "reversal", _("Reversal")
    PLEDGE = "pledge", _("Pledge receivable")
    PLEDGE_CANCELLATION = "pledge-cancellation", _("Pledge write-down")
    RECEIPT = "receipt", _("Receipt")
    CARD_RECEIPT = "card-receipt", _("Card receipt")
    CARD_REFUND = "card-refund", _("Card refund")
    CARD_DISPUTE = "card-dispute", _("Card dispute")
    CARD_DISPUTE_FEE = "card-dispute-fee", _("Card dispute fee")
    CARD_PAYOUT = "card-payout", _("Card payout")
    PAYOUT_FX = "payout-fx", _("Card payout exchange difference")
    GRANT_COMMITMENT = "grant-commitment", _("Grant commitment")
    GRANT_RELEASE = "grant-release", _("Grant commitment released")
    GRANT_ADVANCE = "grant-advance", _("Grant advance")
    GRANT_LIQUIDATION = "grant-liquidation", _("Grant advance liquidated")
    GRANT_NO_SHOW = "grant-no-show", _("Grant no-show")
    GRANT_SETTLEMENT = "grant-settlement", _("Grant settlement")
    GRANT_PSC = "grant-psc", _("Grant programme support cost")
    GRANT_REFUND = "grant-refund", _("Grant refund")
    HOST_CASH = "host-cash", _("Host country cash")
    HOST_IN_KIND = "host-in-kind", _("Host country in kind")
    HOST_COST = "host-cost", _("Host country cost")
    BANK_CHARGE = "bank-charge", _("Bank charge")
    BANK_INTEREST = "bank-interest", _("Bank interest")


def source_type_is(model: type[models.Model], prefix: str = "") -> dict[str, str]:
    """A filter on the source's model by name: a join to the content types,
    never a query of its own, so a page's query count does not depend on
    whether the content type is cached yet."""
    meta = model._meta.concrete_model._meta
    return {
        f"{prefix}source_type__app_label": meta.app_label,
        f"{prefix}source_type__model": meta.model_name,
    }


class JournalEntryQuerySet(models.QuerySet):
    def posted(self):
        return self.filter(status=JournalEntry.Status.POSTED)

    def from_source(self, source: models.Model):
        """The entries posted for ``source`` (reversals of them included)."""
        return self.filter(source_id=source.pk, **source_type_is(type(source)))

    def for_journal(self):
        """What the journal page shows, in a fixed number of queries."""
        return (
            self.posted()
            .select_related("fund", "created_by", "reverses")
            .prefetch_related("legs__account")
        )


def memo_shown(memo: str, memo_sentence: dict | None) -> str:
    """An entry's memo as read (``JournalEntry.memo_shown``), from its two
    columns: the sentence in the language active, else the text as written."""
    return render(memo_sentence).strip() if memo_sentence else memo


class JournalEntry(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="entries", verbose_name=_("fund")
    )
    date = models.DateField(_("transaction date"))
    memo = models.CharField(_("why"), max_length=500)
    # The memo the product wrote, by its sentence's code and values
    # (fundmgr.sentences, issue 15), read in the reader's language; ``memo``
    # keeps its English (the record) and a person's typed text. NULL for an
    # entry posted before, or whose memo a person typed.
    memo_sentence = models.JSONField(_("why, by its code"), null=True, blank=True)
    kind = models.CharField(
        _("kind"), max_length=40, choices=EntryKind.choices, default=EntryKind.MANUAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    # NULL, not "", for "no key": the unique constraint then ignores keyless entries.
    idempotency_key = models.CharField(  # noqa: DJ001
        _("idempotency key"), max_length=200, null=True, blank=True
    )
    # What the entry was posted for, without the core naming the apps' models:
    # the local record (a pledge, a grant, a card payment...) and, for an
    # outside object with no row of its own (a Stripe payout, a refund), its id.
    source_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kind of source"),
    )
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    source_ref = models.CharField(_("outside reference"), max_length=255, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("posted by"),
    )
    system_actor = models.CharField(_("posted by system"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = JournalEntryQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "idempotency_key"], name="entry_recorded_once_per_key"
            ),
            models.CheckConstraint(
                condition=Q(created_by__isnull=False) | ~Q(system_actor=""),
                name="entry_has_an_actor",
            ),
            models.CheckConstraint(condition=~Q(memo=""), name="entry_says_why"),
            models.CheckConstraint(
                condition=~Q(reverses=F("id")), name="entry_does_not_reverse_itself"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EntryKind.values), name="entry_kind_is_known"
            ),
            models.CheckConstraint(
                condition=Q(source_type__isnull=True, source_id__isnull=True)
                | Q(source_type__isnull=False, source_id__isnull=False),
                name="entry_source_is_whole",
            ),
        ]
        indexes = [
            models.Index(fields=["fund", "status", "date"]),
            models.Index(fields=["source_type", "source_id"], name="entry_by_source"),
            models.Index(fields=["fund", "kind"], name="entry_by_kind"),
            # The API's journal, every fund's posted entries newest first
            # (api/views/journal.py): read from this index, not sorted whole
            # (1.5-3 s a page at 120,000 entries: bench/api_lists.py).
            models.Index(fields=["status", "date", "id"], name="entry_by_status_and_date"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.date} {self.memo}"

    def save(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk, status=self.Status.POSTED).exists():
            raise LedgerImmutable(f"journal entry #{self.pk} is posted; post a reversing entry")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutable("journal entries are never deleted; post a reversing entry")

    @property
    def memo_shown(self) -> str:
        """Why the entry was made, in the reader's language where the product
        wrote it by code; else ``memo`` as it was written."""
        return memo_shown(self.memo, self.memo_sentence)

    @property
    def actor(self) -> str:
        return str(self.created_by) if self.created_by_id else self.system_actor


class Leg(models.Model):
    """One line of an entry: a debit or a credit, in the fund's currency,
    with the original amount and currency it came from and the rate used."""

    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="legs", verbose_name=_("entry")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="legs", verbose_name=_("account")
    )
    debit = models.DecimalField(_("debit"), max_digits=20, decimal_places=3, default=0)
    credit = models.DecimalField(_("credit"), max_digits=20, decimal_places=3, default=0)
    original = MoneyField(_("original amount"), max_digits=20, decimal_places=3)
    rate = models.DecimalField(
        _("units of the original currency per unit of the fund's"),
        max_digits=20,
        decimal_places=6,
        default=1,
    )
    rate_date = models.DateField(_("rate effective date"), null=True, blank=True)

    class Meta:
        ordering = ["entry", "id"]
        verbose_name = _("leg")
        verbose_name_plural = _("legs")
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(credit__gt=0) & Q(debit=0)),
                name="leg_one_positive_side",
            ),
            models.CheckConstraint(condition=Q(original__gt=0), name="leg_original_positive"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="leg_rate_positive"),
        ]

    def __str__(self) -> str:
        side = f"Dr {self.debit}" if self.debit else f"Cr {self.credit}"
        return f"{self.account.code} {side}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise LedgerImmutable("journal legs are never changed; post a reversing entry")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutable("journal legs are never deleted; post a reversing entry")

    @property
    def base_amount(self) -> Money:
        return Money(self.debit or self.credit, self.entry.fund.base_currency)


#: Day totals count in thousandths of the fund's currency, the finest unit a
#: leg keeps (``decimal_places=3``): integers add exactly on every database.
DAY_TOTAL_SCALE = 1000


class DayTotal(models.Model):
    """An account's posted debits and credits on one day: the ledger's running
    totals, one checkpoint per account and day, so that a balance or a period's
    lines are read from a few rows per account and day, whatever the number of
    legs. Kept in step by ``fundmgr.services.ledger.post_entry`` in the
    transaction that posts the entry (legs are immutable and entries are never
    deleted: a posting, back-dated or a reversal, only ever adds to its own
    day). ``check_day_totals`` compares them with the legs.

    Amounts are integers in thousandths (``DAY_TOTAL_SCALE``): SQLite would add
    decimals as binary floats."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="day_totals", verbose_name=_("account")
    )
    date = models.DateField(_("transaction date"))
    debits = models.BigIntegerField(_("debits (thousandths)"), default=0)
    credits = models.BigIntegerField(_("credits (thousandths)"), default=0)

    class Meta:
        ordering = ["account", "date"]
        verbose_name = _("day total")
        verbose_name_plural = _("day totals")
        constraints = [
            models.UniqueConstraint(fields=["account", "date"], name="day_total_once_per_day"),
            models.CheckConstraint(
                condition=Q(debits__gte=0, credits__gte=0), name="day_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.date} Dr {self.debits} Cr {self.credits}"
