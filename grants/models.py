"""Travel grants for delegates: nominations, the reference data a travel unit
keeps (DSA, terminal expenses), airfare quotes, and every state a grant goes
through. The state machine itself lives in ``grants.workflow``; the database
holds what it can: one funding per person per event, dates in order, amounts
never negative, transitions append-only."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from fundmgr.models import Country, Event
from fundmgr.private_files import UnguessableName, documents_storage
from fundmgr.roles import Role
from fundmgr.sentences import render, render_all
from grants import sentences as _sentences  # noqa: F401 - defines the codes shown here

ZERO = Decimal(0)


def amount_field(verbose_name, **kwargs):
    """An amount in the fund's currency (USD for BAPA+40), to the cent."""
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Another gender")
    UNDISCLOSED = "undisclosed", _("Prefers not to say")


class GrantState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CERTIFIED = "certified", _("Certified")
    APPROVED = "approved", _("Approved")
    COMMITTED = "committed", _("Committed")
    ADVANCE_PAID = "advance_paid", _("Advance paid")
    TRAVELLED = "travelled", _("Travelled")
    SETTLED = "settled", _("Settled")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    NO_SHOW = "no_show", _("No-show")


#: States in which a nomination no longer holds the person's one funding for
#: the event (the constraint one_funding_per_person_per_event), nor a place.
RELEASED_STATES = (GrantState.REJECTED, GrantState.WITHDRAWN)

#: A delegate who did not attend: a no-show, open or closed. Closing keeps no
#: trace in the state, but the actual cost does: settling a claim needs one
#: above zero, and a no-show never has a claim (closed comes from settled or
#: no_show only). docs/grants-workflow.md, "A no-show's place".
DID_NOT_ATTEND = Q(state=GrantState.NO_SHOW) | Q(state=GrantState.CLOSED, actual_cost=0)

#: States whose grant holds a funded place (a closed no-show excepted): counted
#: against the event's per-country cap when a grant is committed, and as a
#: funded delegate in the figures.
FUNDED_STATES = (
    GrantState.APPROVED,
    GrantState.COMMITTED,
    GrantState.ADVANCE_PAID,
    GrantState.TRAVELLED,
    GrantState.SETTLED,
    GrantState.CLOSED,
)


class Priority(models.IntegerChoices):
    NOT_ELIGIBLE = 0, _("Not eligible")
    LDC = 1, _("First priority: least developed country")
    OTHER_DEVELOPING = 2, _("Second priority: other developing country")


class TravelPolicy(models.Model):
    """How an event's travel grants are computed and paid."""

    event = models.OneToOneField(
        Event, on_delete=models.CASCADE, related_name="travel_policy", verbose_name=_("event")
    )
    advance_pct = models.DecimalField(
        # xgettext:no-python-format
        _("advance (% of the commitment)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(80),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(100))],
    )
    travel_days = models.PositiveSmallIntegerField(
        _("DSA nights for travel"),
        default=2,
        help_text=_("Nights paid on top of the conference nights for the journey."),
    )
    arrive_days_before = models.PositiveSmallIntegerField(
        _("earliest departure, days before the opening"), default=2
    )
    leave_days_after = models.PositiveSmallIntegerField(
        _("latest return, days after the closing"), default=2
    )
    routing_tolerance_hours = models.DecimalField(
        _("extra hours that justify a more direct routing"),
        max_digits=4,
        decimal_places=1,
        default=Decimal(4),
    )
    claim_due_days = models.PositiveSmallIntegerField(
        _("travel claim due, days after return"), default=14
    )

    class Meta:
        verbose_name = _("travel policy")
        verbose_name_plural = _("travel policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(advance_pct__gte=0, advance_pct__lte=100),
                name="advance_pct_between_0_and_100",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event.code}: {self.advance_pct}% advance"


class ApprovalLevel(models.Model):
    """One signature a grant needs before funds are committed, in order.

    The first level certifies, the last approves; the roles are data, so a
    fund can add a level without a code change. Whatever roles a person holds,
    they sign one level of a grant only (``fundmgr.services.duties``)."""

    order = models.PositiveSmallIntegerField(_("order"), unique=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)
    label = models.CharField(_("label"), max_length=100)
    role = models.CharField(_("role that signs"), max_length=30, choices=Role.choices)

    class Meta:
        ordering = ["order"]
        verbose_name = _("approval level")
        verbose_name_plural = _("approval levels")

    def __str__(self) -> str:
        return f"{self.order}. {self.label} ({self.get_role_display()})"


class FocalPoint(models.Model):
    """A person at a permanent mission who may nominate for their country."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="focal_points",
        verbose_name=_("person"),
    )
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country")
    )

    class Meta:
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")
        constraints = [
            models.UniqueConstraint(fields=["user", "country"], name="one_focal_point_per_country")
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.country}"


class DsaRate(models.Model):
    """Daily subsistence allowance for a city, per night, from a date on (ICSC)."""

    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country")
    )
    city = models.CharField(_("city"), max_length=100)
    amount = amount_field(_("rate per night (USD)"))
    effective_from = models.DateField(_("effective from"))
    illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Demo value, not an ICSC-published rate.")
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["country", "city", "-effective_from"]
        verbose_name = _("DSA rate")
        verbose_name_plural = _("DSA rates")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "city", "effective_from"], name="one_dsa_rate_per_city_and_day"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="dsa_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"DSA {self.city} {self.amount} USD from {self.effective_from}"


class TerminalExpense(models.Model):
    """Terminal expenses for a round trip from a country (blank: everywhere else)."""

    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("departure country"),
    )
    amount = amount_field(_("amount per trip (USD)"))
    effective_from = models.DateField(_("effective from"))
    illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        ordering = ["country", "-effective_from"]
        verbose_name = _("terminal expense")
        verbose_name_plural = _("terminal expenses")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "effective_from"], name="one_terminal_expense_per_day"
            ),
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=Q(country__isnull=True),
                name="one_default_terminal_expense_per_day",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="terminal_expense_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country or '*'} {self.amount} USD from {self.effective_from}"


airport_validator = RegexValidator(r"^[A-Z]{3}$", _("An airport is three capital letters (IATA)."))


class GrantQuerySet(models.QuerySet):
    def holding_the_person(self) -> GrantQuerySet:
        """Nominations that keep their delegate from being nominated again for
        the event: a no-show too (the person was funded, and owes it back)."""
        return self.exclude(state__in=RELEASED_STATES)

    def holding_a_place(self) -> GrantQuerySet:
        """Nominations that count against the country's cap at intake: not
        rejected, withdrawn or a no-show (its place is free for a replacement)."""
        return self.exclude(state__in=RELEASED_STATES).exclude(DID_NOT_ATTEND)

    def funded(self) -> GrantQuerySet:
        """Funded delegates: approved to closed, never a no-show."""
        return self.filter(state__in=FUNDED_STATES).exclude(DID_NOT_ATTEND)

    def without_no_shows(self) -> GrantQuerySet:
        return self.exclude(DID_NOT_ATTEND)

    def for_queue(self) -> GrantQuerySet:
        """Everything the officer queue shows, in one query."""
        return self.select_related("event", "country").defer(
            "routing_note", "routing_reason", "claim_reason", "eligibility_reasons"
        )


class Grant(models.Model):
    """A nomination and, once approved, the travel grant it becomes."""

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="grants", verbose_name=_("event")
    )
    reference = models.CharField(_("reference"), max_length=30, unique=True)
    state = models.CharField(
        _("state"), max_length=20, choices=GrantState.choices, default=GrantState.DRAFT
    )
    # The nominee.
    nominee_name = models.CharField(_("delegate's name"), max_length=200)
    nominee_title = models.CharField(_("title or function"), max_length=200)
    gender = models.CharField(_("gender"), max_length=20, choices=Gender.choices)
    nominee_email = models.EmailField(_("delegate's e-mail"), blank=True)
    nominee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="grants_as_nominee",
        null=True,
        blank=True,
        verbose_name=_("delegate's account"),
    )
    person_key = models.CharField(
        _("person key"),
        max_length=200,
        help_text=_("The name folded for comparison: one funding per person per event."),
    )
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("nominating country")
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="nominations",
        verbose_name=_("nominated by"),
    )
    note_verbale = models.FileField(
        _("note verbale (PDF)"),
        upload_to=UnguessableName("notes-verbales"),
        storage=documents_storage,
    )
    departure_city = models.CharField(_("departure city"), max_length=100)
    departure_airport = models.CharField(
        _("departure airport"), max_length=3, validators=[airport_validator]
    )
    depart_on = models.DateField(_("departure date"))
    return_on = models.DateField(_("return date"))
    # Eligibility, judged on the event's eligibility date and kept with its reasons.
    priority = models.PositiveSmallIntegerField(
        _("eligibility"), choices=Priority.choices, default=Priority.NOT_ELIGIBLE
    )
    ldc_on_eligibility_date = models.BooleanField(_("LDC on the eligibility date"), default=False)
    #: Sentences by code and values (grants.sentences; text only if kept from before).
    eligibility_reasons = models.JSONField(_("eligibility reasons"), default=list, blank=True)
    # Entitlement, in the fund's currency.
    airfare = amount_field(_("airfare"))
    airfare_route = models.CharField(_("route"), max_length=300, blank=True)
    #: Why this routing: a sentence by code and values (grants.sentences)...
    routing_reason = models.JSONField(_("why this routing (code)"), null=True, blank=True)
    #: ...or, kept from before reasons had codes, the text when it could not be read back.
    routing_note = models.TextField(_("why this routing"), blank=True)
    dsa_rate = amount_field(_("DSA rate per night"))
    dsa_nights = models.PositiveSmallIntegerField(_("DSA nights"), default=0)
    dsa_amount = amount_field(_("DSA"))
    terminal_amount = amount_field(_("terminal expenses"))
    psc_pct = models.DecimalField(
        # xgettext:no-python-format
        _("PSC (%)"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
    )
    psc_amount = amount_field(_("programme support cost"))
    cost = amount_field(
        _("estimated cost"), help_text=_("Airfare, DSA and terminal expenses, before PSC.")
    )
    # Money actually reserved and moved.
    approved_amount = amount_field(
        _("approved amount"), help_text=_("The cost committed at approval, before PSC.")
    )
    committed_amount = amount_field(
        _("open commitment"), help_text=_("What is still reserved: released on settlement.")
    )
    advance_amount = amount_field(_("advance paid"))
    actual_cost = amount_field(_("actual cost"))
    claim_reason = models.TextField(_("reason for a claim above the approved amount"), blank=True)
    boarding_passes = models.FileField(
        _("boarding passes (PDF)"),
        upload_to=UnguessableName("boarding-passes"),
        storage=documents_storage,
        blank=True,
    )
    traveller_refunded = amount_field(_("refunded by the traveller"))
    balance_paid = amount_field(_("balance paid to the traveller"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["event", "reference"]
        verbose_name = _("travel grant")
        verbose_name_plural = _("travel grants")
        indexes = [
            models.Index(fields=["event", "state"], name="grant_event_state"),
            models.Index(fields=["event", "country"], name="grant_event_country"),
            # Covers the queue's counts and totals by state: read from the
            # index alone, never the 45-column rows.
            models.Index(
                fields=[
                    "event",
                    "state",
                    "country",
                    "gender",
                    "ldc_on_eligibility_date",
                    "cost",
                    "committed_amount",
                ],
                name="grant_queue_summary",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(return_on__gte=F("depart_on")), name="grant_return_after_departure"
            ),
            models.UniqueConstraint(
                fields=["event", "person_key"],
                condition=~Q(state__in=[s.value for s in RELEASED_STATES]),
                name="one_funding_per_person_per_event",
            ),
            models.CheckConstraint(
                condition=Q(
                    airfare__gte=0,
                    dsa_amount__gte=0,
                    terminal_amount__gte=0,
                    psc_amount__gte=0,
                    cost__gte=0,
                    approved_amount__gte=0,
                    committed_amount__gte=0,
                    advance_amount__gte=0,
                    actual_cost__gte=0,
                    traveller_refunded__gte=0,
                    balance_paid__gte=0,
                ),
                name="grant_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(advance_amount__lte=F("approved_amount")),
                name="grant_advance_within_commitment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.nominee_name}"

    @property
    def eligibility_reasons_shown(self) -> list[str]:
        """The eligibility reasons in the reader's language."""
        return render_all(self.eligibility_reasons)

    @property
    def routing_shown(self) -> str:
        """Why this routing, in the reader's language."""
        return render(self.routing_reason) if self.routing_reason else self.routing_note

    @property
    def total_with_psc(self) -> Decimal:
        return self.cost + self.psc_amount


class AirfareQuote(models.Model):
    """One economy round-trip quote for a grant, with its route and duration."""

    grant = models.ForeignKey(
        Grant, on_delete=models.CASCADE, related_name="quotes", verbose_name=_("grant")
    )
    route = models.CharField(_("route"), max_length=300)
    fare = MoneyField(_("fare"), max_digits=14, decimal_places=3)
    base_amount = amount_field(_("fare in the fund's currency"))
    quoted_on = models.DateField(_("quoted on"))
    travel_hours = models.DecimalField(
        _("total travel time (hours)"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    chosen = models.BooleanField(_("chosen"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        ordering = ["grant", "base_amount", "id"]
        verbose_name = _("airfare quote")
        verbose_name_plural = _("airfare quotes")
        constraints = [
            models.CheckConstraint(condition=Q(base_amount__gt=0), name="airfare_quote_positive"),
            models.CheckConstraint(condition=Q(travel_hours__gt=0), name="airfare_hours_positive"),
            models.UniqueConstraint(
                fields=["grant"], condition=Q(chosen=True), name="one_chosen_quote_per_grant"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.route}: {self.fare} ({self.travel_hours} h)"


class GrantTransition(models.Model):
    """Who moved a grant from one state to another, when and why. Never edited."""

    grant = models.ForeignKey(
        Grant, on_delete=models.PROTECT, related_name="transitions", verbose_name=_("grant")
    )
    from_state = models.CharField(_("from"), max_length=20, choices=GrantState.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=GrantState.choices)
    action = models.CharField(_("action"), max_length=30)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("by"),
    )
    system_actor = models.CharField(_("by system"), max_length=60, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    #: The day the move took effect when it was recorded later: the day a
    #: signature was signed, the day money moved. Empty: the day of ``at``.
    dated = models.DateField(_("dated"), null=True, blank=True)
    #: Why, as the person who moved it typed it (or, for a move recorded
    #: before the product's own reasons were kept by code, as it wrote them).
    reason = models.TextField(_("reason"), blank=True)
    #: Why, when the product says it (an import's "Imported from ..."): its
    #: sentence's code and values (grants.sentences), read in the reader's
    #: language (``reason_shown``). Added in place (nullable): the table's
    #: append-only triggers stay.
    reason_sentence = models.JSONField(_("reason, by its code"), null=True, blank=True)

    class Meta:
        ordering = ["grant", "at", "id"]
        verbose_name = _("grant transition")
        verbose_name_plural = _("grant transitions")

    def __str__(self) -> str:
        return f"{self.grant_id}: {self.from_state} -> {self.to_state}"

    @property
    def effective_day(self):
        """The day the move took effect: ``dated``, or the local day it was recorded."""
        return self.dated or timezone.localdate(self.at)

    @property
    def reason_shown(self) -> str:
        """Why, in the reader's language where the product said it by code."""
        return render(self.reason_sentence) if self.reason_sentence else self.reason


class QueueStamp(models.Model):
    """One row that changes whenever any grant does (a database trigger,
    ``grants.stamp``): the officer queue's cache key. ``token`` is new whenever
    the row is made again, so a stamp never repeats one from before a flush."""

    token = models.CharField(max_length=32)
    version = models.BigIntegerField(default=0)
    #: Moves with a change to an event, its fund or its travel policy only
    #: (``version`` moves too): the queue keeps the event under it.
    events_version = models.BigIntegerField(db_default=0)

    class Meta:
        verbose_name = "queue stamp"

    def __str__(self) -> str:
        return f"{self.token}:{self.version}"


class QueueTally(models.Model):
    """How many grants of an event share a state, a country, a gender and an
    LDC status, and their estimated cost and open commitment in hundredths
    (integers: SQLite would add decimals as binary floats). Kept in step with
    the grants by a database trigger (``grants.tally``), however a grant is
    changed; the officer queue reads its counts and totals by state from these
    few rows instead of from every grant. A bucket left empty keeps its row at
    zero. No foreign keys: a trigger firing at commit may count out the grants
    of an event deleted in the same transaction."""

    event = models.ForeignKey(
        Event, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    state = models.CharField(max_length=20)
    country = models.ForeignKey(
        Country, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    gender = models.CharField(max_length=20)
    ldc = models.BooleanField()
    grants = models.BigIntegerField(default=0)
    cost = models.BigIntegerField(default=0)  # hundredths
    committed = models.BigIntegerField(default=0)  # hundredths

    class Meta:
        verbose_name = "queue tally"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "state", "country", "gender", "ldc"], name="queue_tally_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.state}/{self.country_id}/{self.gender}/{self.ldc}"
