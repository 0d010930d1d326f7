"""Donors, appeals, pledges with their instalments, and receipts.

A pledge is a promise, not cash (IPSAS 23): a binding one (agreement signed)
is booked as a receivable and revenue at the pledge date's rate; a receipt
moves it to cash at the value date's rate, the difference being a realised
exchange gain or loss. Every amount keeps its original currency.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Least, Lower
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import Country, Event, Fund, JournalEntry
from fundmgr.private_files import UnguessableName, documents_storage
from fundmgr.sentences import render, render_all
from fundmgr.translated import TranslatedCharField, TranslatedTextField, TranslationsField
from iati.identifiers import validate_organisation_identifier


class DonorKind(models.TextChoices):
    """Member States and the stakeholders of resolution 71/318 para 8, and individuals."""

    MEMBER_STATE = "member_state", _("Member State")
    UN_ENTITY = "un_entity", _("United Nations entity")
    INTERGOVERNMENTAL = "intergovernmental", _("Intergovernmental organization")
    FINANCIAL_INSTITUTION = "financial_institution", _("International financial institution")
    NGO = "ngo", _("Non-governmental organization")
    CIVIL_SOCIETY = "civil_society", _("Civil society organization")
    ACADEMIA = "academia", _("Academic institution")
    SCIENTIFIC = "scientific", _("Scientific community")
    PRIVATE_SECTOR = "private_sector", _("Private sector")
    PHILANTHROPIC = "philanthropic", _("Philanthropic organization")
    INDIVIDUAL = "individual", _("Individual")


class Donor(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind of donor"), max_length=30, choices=DonorKind.choices)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("country"),
    )
    email = models.EmailField(_("e-mail"))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donor",
        verbose_name=_("sign-in account"),
    )
    listed_publicly = models.BooleanField(
        _("list my name among the donors"),
        default=False,
        help_text=_("Leave unticked to give anonymously."),
    )
    # Named in the fund's IATI activity file (docs/iati.md); empty when unknown.
    iati_identifier = models.CharField(
        _("IATI organisation identifier"),
        max_length=100,
        blank=True,
        default="",
        validators=[validate_organisation_identifier],
        help_text=_(
            "Registration agency and number, as the donor publishes it to IATI, "
            "e.g. XM-DAC-7 or GB-GOV-1. Leave empty if unknown."
        ),
    )
    # The language the donor used on the site when their record was made:
    # their e-mails' language until they choose one (fundmgr NoticeSettings).
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="one_donor_per_email"),
        ]

    def __str__(self) -> str:
        return self.name


class Appeal(models.Model):
    """What a fund asks money for: the fund in general, or a named purpose."""

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("fund")
    )
    slug = models.SlugField(_("address"), max_length=60, unique=True)
    title = TranslatedCharField(_("title"), max_length=200)
    title_i18n = TranslationsField(_("title in other languages"), for_field="title")
    purpose = TranslatedTextField(_("what the money does"))
    purpose_i18n = TranslationsField(
        _("what the money does, in other languages"), for_field="purpose", multiline=True
    )
    target = MoneyField(_("target"), max_digits=20, decimal_places=3)
    event = models.ForeignKey(
        Event,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("event"),
    )
    is_open = models.BooleanField(_("open for pledges"), default=True)

    class Meta:
        ordering = ["fund", "title"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.CheckConstraint(condition=Q(target__gt=0), name="appeal_target_positive")
        ]

    def __str__(self) -> str:
        return self.title


class FormOfAddress(models.TextChoices):
    """How a contact person is addressed in letters and e-mails ("Dear Ms Tanaka,")."""

    NONE = "", _("— none —")
    MS = "ms", _("Ms")
    MR = "mr", _("Mr")
    MX = "mx", _("Mx")
    DR = "dr", _("Dr")
    EXCELLENCY = "he", _("H.E.")


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card, now")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    SCHEDULE = "schedule", _("Instalments over time")


_AMOUNT = models.DecimalField(max_digits=20, decimal_places=3)

#: A pledge someone answerable stands behind (``PledgeQuerySet.vouched_for``).
VOUCHED_FOR = (Q(agreement_signed=True) | Q(confirmed=True)) & Q(held_for_review=False)
#: A pledge public figures count in full; any other counts for what it paid:
#: vouched for, not cancelled, not by card (a card pledge counts once paid).
COUNTED_IN_FULL = VOUCHED_FOR & ~Q(status="cancelled") & ~Q(method=PaymentMethod.CARD)


class PledgeQuerySet(models.QuerySet):
    def for_donor(self, donor: Donor) -> PledgeQuerySet:
        """The donor's own pledges: those confirmed as theirs. A pledge someone
        made on the public form with their address stays off their page until
        they (or finance) confirm it (docs/donors.md, "Whose pledge is it")."""
        return self.filter(donor=donor, confirmed=True)

    def vouched_for(self) -> PledgeQuerySet:
        """Pledges someone answerable stands behind, so public figures may
        count them in full and list their donor: binding (finance marked the
        agreement signed) or confirmed by the owner of the e-mail address, a
        signed-in donor or finance, and not held for finance's review."""
        return self.filter(VOUCHED_FOR)

    def with_public_value(self) -> PledgeQuerySet:
        """Each pledge annotated with ``paid`` (applied to it, pledge currency)
        and ``public_value``: what public figures count of it, in the fund's
        currency at the pledge date's rate (docs/donors.md, "What the appeal
        page counts"). In full (``base_amount``) when ``COUNTED_IN_FULL``;
        otherwise the share it has paid. The one definition the appeal page
        and the fund dashboard's public figures both use; no extra query."""
        paid = Coalesce(
            Subquery(
                Receipt.objects.filter(pledge=OuterRef("pk"))
                .order_by()
                .values("pledge")
                .annotate(total=ExactSum("applied"))
                .values("total")
            ),
            Value(Decimal(0)),
            output_field=_AMOUNT,
        )
        return self.annotate(
            paid=paid,
            public_value=Case(
                When(COUNTED_IN_FULL, then=F("base_amount")),
                When(
                    paid__gt=0,
                    then=F("base_amount") * Least(F("paid"), F("amount")) / F("amount"),
                ),
                default=Value(Decimal(0)),
                output_field=_AMOUNT,
            ),
        )

    def counted_publicly(self) -> PledgeQuerySet:
        """Pledges public figures count at all (in full or for money paid)."""
        return self.with_public_value().filter(public_value__gt=0)

    def for_table(self) -> PledgeQuerySet:
        return self.select_related("donor", "fund", "appeal").prefetch_related("instalments")


class Pledge(models.Model):
    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("fund")
    )
    donor = models.ForeignKey(
        Donor, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("donor")
    )
    appeal = models.ForeignKey(
        Appeal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pledges",
        verbose_name=_("earmark"),
        help_text=_("Empty: the fund in general."),
    )
    amount = MoneyField(_("amount"), max_digits=20, decimal_places=3)
    base_amount = models.DecimalField(
        _("value in the fund's currency at the pledge date"),
        max_digits=20,
        decimal_places=3,
        default=0,
    )
    pledge_date = models.DateField(_("pledge date"))
    method = models.CharField(_("how to pay"), max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(_("payment reference"), max_length=20, unique=True)
    source_reference = models.CharField(
        _("reference in the pledge register"), max_length=100, blank=True
    )
    agreement_signed = models.BooleanField(
        _("binding agreement signed"),
        default=False,
        help_text=_("Revenue is recognised when a binding agreement is signed (IPSAS 23)."),
    )
    letter = models.FileField(  # a personal document: fundmgr/private_files.py
        _("pledge letter (PDF)"),
        upload_to=UnguessableName("pledge-letters"),
        storage=documents_storage,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.AWAITING_PAYMENT
    )
    # The person letters and e-mails about the pledge greet (donors.services.greetings);
    # empty: the donor, by name, as before.
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_family_name = models.CharField(
        _("contact person's family name"), max_length=100, blank=True
    )
    contact_form_of_address = models.CharField(
        _("form of address"), max_length=2, choices=FormOfAddress.choices, blank=True
    )
    contact_title = models.CharField(_("contact person's title"), max_length=60, blank=True)
    receivable_entry = models.OneToOneField(
        JournalEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receivable booked by"),
    )
    # Whose pledge it is (docs/donors.md, "Whose pledge is it"). ``donor`` is the
    # one record the e-mail address may have (one_donor_per_email); a pledge from
    # the public form is not that donor's until the owner of the address
    # confirms it from the e-mailed link, or finance attaches it. Until then it
    # is on no donor page, in no donor e-mail, behind no public listing, and
    # counts publicly only for the money it brings.
    confirmed = models.BooleanField(
        _("confirmed as the donor's"),
        default=False,
        help_text=_(
            "Made by the donor signed in, recorded by finance, or confirmed by the owner "
            "of the e-mail address."
        ),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    held_for_review = models.BooleanField(
        _("held for finance's review"),
        default=False,
        help_text=_("A public pledge far above the appeal's target, not shown until released."),
    )
    # What was typed on the form, kept as typed: the donor's record is never
    # changed by an anonymous form.
    typed_name = models.CharField(_("name as typed"), max_length=200, blank=True)
    typed_kind = models.CharField(
        _("kind of donor as typed"), max_length=30, choices=DonorKind.choices, blank=True
    )
    typed_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("country as typed"),
    )
    typed_email = models.EmailField(_("e-mail as typed"), blank=True)
    wants_listing = models.BooleanField(_("asked to be listed"), default=False)
    # One per rendering of the public form: the same form posted twice (a double
    # click, a reload, two requests at once) makes one pledge.
    form_token = models.CharField(  # noqa: DJ001 - NULL for pledges not from the form
        _("form token"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PledgeQuerySet.as_manager()

    class Meta:
        ordering = ["-pledge_date", "-id"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pledge_amount_positive"),
            models.UniqueConstraint(
                fields=["fund", "source_reference"],
                condition=~Q(source_reference=""),
                name="register_line_recorded_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.donor} {self.amount}"

    @property
    def next_actor(self):
        """Who acts next on the pledge (donors.work.pledge_next_actor)."""
        from donors.work import pledge_next_actor

        return pledge_next_actor(self)


class Instalment(models.Model):
    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="instalments", verbose_name=_("pledge")
    )
    sequence = models.PositiveSmallIntegerField(_("number"))
    amount = MoneyField(_("amount"), max_digits=20, decimal_places=3)
    due_date = models.DateField(_("due date"))

    class Meta:
        ordering = ["pledge", "sequence"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "sequence"], name="instalment_number_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.pledge.reference}/{self.sequence} {self.amount} due {self.due_date}"


class ReceiptQuerySet(models.QuerySet):
    def for_donor(self, donor: Donor) -> ReceiptQuerySet:
        """The donor's own receipts: money for a pledge of theirs
        (``PledgeQuerySet.for_donor``) or for no pledge (finance assigned it)."""
        return self.filter(Q(pledge__isnull=True) | Q(pledge__confirmed=True), donor=donor)

    def vouched_for(self) -> ReceiptQuerySet:
        """Receipts a public listing may name their donor for: for no pledge
        (finance assigned the money) or for a vouched-for pledge."""
        return self.filter(Q(pledge__isnull=True) | Q(pledge__in=Pledge.objects.vouched_for()))


class Receipt(models.Model):
    """Money received: by bank transfer or card, for a pledge or not."""

    class Method(models.TextChoices):
        BANK = "bank", _("Bank transfer")
        CARD = "card", _("Card")

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("fund")
    )
    number = models.CharField(_("receipt number"), max_length=30, unique=True)
    donor = models.ForeignKey(
        Donor, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("donor")
    )
    pledge = models.ForeignKey(
        Pledge,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipts",
        verbose_name=_("pledge"),
    )
    amount = MoneyField(_("amount received"), max_digits=20, decimal_places=3)
    value_date = models.DateField(_("value date"))
    method = models.CharField(_("received by"), max_length=10, choices=Method.choices)
    base_amount = models.DecimalField(
        _("value in the fund's currency"), max_digits=20, decimal_places=3
    )
    applied = models.DecimalField(
        _("applied to the pledge (pledge currency)"), max_digits=20, decimal_places=3, default=0
    )
    receivable_cleared = models.DecimalField(
        _("receivable cleared (fund currency, at the pledge rate)"),
        max_digits=20,
        decimal_places=3,
        default=0,
    )
    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, related_name="+", verbose_name=_("ledger entry")
    )
    external_reference = models.CharField(_("bank or card reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        ordering = ["-value_date", "-id"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive"),
        ]
        indexes = [
            # The API's receipts, every fund's newest first (api/views/donors.py):
            # read from this index, not sorted whole (bench/api_lists.py).
            models.Index(fields=["value_date", "id"], name="receipt_by_value_date"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.amount}"


class BankStatement(models.Model):
    """One bank statement file imported for a fund: a job whose lines each
    end in an explicit match state (STYLE.md pattern 8)."""

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="bank_statements", verbose_name=_("fund")
    )
    file_name = models.CharField(_("file name"), max_length=255)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    system_actor = models.CharField(_("imported by system"), max_length=60, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    matched_count = models.PositiveIntegerField(_("matched"), default=0)
    already_imported_count = models.PositiveIntegerField(_("already imported"), default=0)
    unmatched_count = models.PositiveIntegerField(_("unmatched"), default=0)
    discarded_count = models.PositiveIntegerField(_("discarded"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        constraints = [
            models.CheckConstraint(
                condition=Q(imported_by__isnull=False) | ~Q(system_actor=""),
                name="bank_statement_has_an_importer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.fund_id})"


class BankLineQuerySet(models.QuerySet):
    def waiting(self) -> BankLineQuerySet:
        """The human queue: lines a person must assign or discard."""
        return self.filter(state__in=BankLine.WAITING)

    def for_table(self) -> BankLineQuerySet:
        return self.select_related("statement", "fund", "pledge", "donor")


class UnreconciledReason(models.TextChoices):
    """Why a finance officer leaves a bank line unreconciled (BRIEF rule 12)."""

    BANK_CHARGE = "bank_charge", _("Bank charge, booked separately")
    INTEREST = "interest", _("Interest")
    RETURNED_TRANSFER = "returned_transfer", _("Returned transfer")
    OTHER = "other", _("Other")


class BankLine(models.Model):
    """One line of a bank statement and what became of it."""

    class State(models.TextChoices):
        MATCHED = "matched", _("Matched")
        ALREADY_IMPORTED = "already_imported", _("Already imported")
        UNMATCHED = "unmatched", _("Unmatched")
        DISCARDED = "discarded", _("Discarded")
        ERROR = "error", _("Error")

    #: States of lines waiting for a person.
    WAITING = (State.UNMATCHED, State.ERROR)

    statement = models.ForeignKey(
        BankStatement, on_delete=models.PROTECT, related_name="lines", verbose_name=_("statement")
    )
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="bank_lines", verbose_name=_("fund")
    )
    line_number = models.PositiveIntegerField(_("line in the file"))
    value_date = models.DateField(_("value date"))
    amount = MoneyField(_("amount"), max_digits=20, decimal_places=3)
    reference = models.CharField(_("reference"), max_length=500, blank=True)
    counterparty = models.CharField(_("counterparty"), max_length=300, blank=True)
    bank_ref = models.CharField(_("bank's reference"), max_length=100, blank=True)
    # What a bank's own format says beyond the columns above (CAMT.053,
    # MT940): an instructed amount in another currency, the booking date,
    # the statement and account. Shown to the officer; never matched on.
    # As text on lines imported before these were kept by code; else empty.
    detail = models.TextField(_("bank's details"), blank=True, default="")
    #: The same, each part a sentence by code (donors.sentences) or the bank's
    #: own text as it was: shown in the reader's language (``detail_shown``).
    detail_parts = models.JSONField(_("bank's details, by code"), null=True, blank=True)
    # The bank's reference, or for a line without one its content and
    # occurrence in the file. NULL on a line that repeats an earlier one: the
    # unique constraint then holds only for the line that owns the key.
    dedupe_key = models.CharField(  # noqa: DJ001
        _("duplicate check key"), max_length=120, null=True, blank=True
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("same as"),
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    pledge = models.ForeignKey(
        Pledge,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_lines",
        verbose_name=_("pledge"),
    )
    donor = models.ForeignKey(
        Donor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_lines",
        verbose_name=_("donor"),
    )
    receipts = models.ManyToManyField(
        Receipt, blank=True, related_name="bank_lines", verbose_name=_("receipts")
    )
    #: What became of the line, as text: lines imported before sentences were
    #: kept by code (``message_sentence``) keep it; it is shown as it is.
    message = models.TextField(_("message"), blank=True)
    #: What became of the line, by its sentence's code and values
    #: (donors.sentences), shown in each reader's language (``message_shown``).
    message_sentence = models.JSONField(_("message, by its code"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_by_system = models.CharField(_("resolved by system"), max_length=60, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    # Bank reconciliation (reports.services.bank_reconciliation): a line ends
    # matched to a receipt or a card payout, or a finance officer leaves it
    # unreconciled with a reason, and may book a bank charge or interest.
    card_payout = models.OneToOneField(
        "donors.CardPayout",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_line",
        verbose_name=_("card payout"),
    )
    unreconciled_reason = models.CharField(
        _("left unreconciled because"),
        max_length=30,
        choices=UnreconciledReason.choices,
        blank=True,
    )
    unreconciled_note = models.TextField(_("why it is left unreconciled"), blank=True)
    unreconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("left unreconciled by"),
    )
    unreconciled_at = models.DateTimeField(_("left unreconciled at"), null=True, blank=True)
    unreconciled_entry = models.OneToOneField(
        JournalEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )

    objects = BankLineQuerySet.as_manager()

    class Meta:
        ordering = ["statement", "line_number"]
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        constraints = [
            models.UniqueConstraint(fields=["fund", "dedupe_key"], name="bank_line_imported_once"),
            models.UniqueConstraint(
                fields=["statement", "line_number"], name="bank_line_number_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}/{self.line_number} {self.value_date} {self.amount}"

    @property
    def message_shown(self) -> str:
        """What became of the line, in the reader's language where it was kept
        by code (``message``, as it was written, otherwise)."""
        return render(self.message_sentence) if self.message_sentence else self.message

    @property
    def detail_shown(self) -> str:
        """What the bank's format says beyond the columns, in the reader's language
        where it was kept by code (``detail``, as it was written, otherwise)."""
        return "; ".join(render_all(self.detail_parts)) if self.detail_parts else self.detail

    @property
    def next_actor(self):
        """Who acts next on the line (donors.work.bank_line_next_actor)."""
        from donors.work import bank_line_next_actor

        return bank_line_next_actor(self)


from donors.payments.models import *  # noqa: E402,F401,F403
