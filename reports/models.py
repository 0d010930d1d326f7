"""What the conference cost reconciliation records: an event's budget lines
with their funding source, and the host country's contribution (pledged,
received in cash, provided in kind) and the costs met from its cash.

Amounts in the fund's currency are ``Decimal`` to the ledger's precision
(3 places, rounded by the services to the currency's minor unit); a host
record keeps its original Money and the value in the fund's currency at the
rate of its date. Every host record carries the host's own reference (the
transfer, invoice or note), unique per event: recording it twice changes
nothing. The host's money lives in the segregated host-country accounts and
never touches the trust fund (the ledger's triggers refuse a mixed entry).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from fundmgr.models import Event, JournalEntry
from fundmgr.models.jobs import BackgroundJob, BackgroundJobQuerySet, status_field

ZERO = Decimal(0)


def base_field(verbose_name, **kwargs):
    """An amount in the fund's currency, to the ledger's precision."""
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=3, **kwargs)


class BudgetCategory(models.TextChoices):
    VENUE = "venue", _("Venue")
    INTERPRETATION = "interpretation", _("Interpretation")
    DOCUMENTATION = "documentation", _("Documentation")
    CONFERENCE_SERVICES = "conference_services", _("Conference services")
    SECURITY = "security", _("Security")
    STAFF_TRAVEL = "staff_travel", _("Staff travel")
    DELEGATES_TRAVEL = "delegates_travel", _("Delegates' travel")
    OTHER = "other", _("Other")


class FundingSource(models.TextChoices):
    HOST_CASH = "host_cash", _("Host country, in cash")
    HOST_IN_KIND = "host_in_kind", _("Host country, in kind")
    TRUST_FUND = "trust_fund", _("The trust fund")
    OTHER_EXTRABUDGETARY = "other_extrabudgetary", _("Other extrabudgetary resources")
    REGULAR_BUDGET = "regular_budget", _("Regular budget")


HOST_SOURCES = (FundingSource.HOST_CASH, FundingSource.HOST_IN_KIND)


class BudgetLine(models.Model):
    """One line of an event's conference budget. Its actual cost comes from
    the records where there are some (host costs, services in kind, travel
    grants); otherwise finance enters it (``actual``). On a host-funded line
    an entered actual is the line's full cost as invoiced, which the host's
    records may not cover."""

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="budget_lines", verbose_name=_("event")
    )
    category = models.CharField(_("category"), max_length=30, choices=BudgetCategory.choices)
    label = models.CharField(
        _("label"),
        max_length=200,
        blank=True,
        help_text=_("Required for “Other”; optional otherwise."),
    )
    funding_source = models.CharField(
        _("funding source"), max_length=30, choices=FundingSource.choices
    )
    budget = base_field(_("budget"), default=ZERO)
    actual = base_field(
        _("actual cost entered by finance"),
        null=True,
        blank=True,
        help_text=_("Empty: taken from the records (or not known yet)."),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["event", "pk"]
        verbose_name = _("conference budget line")
        verbose_name_plural = _("conference budget lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=0), name="budget_line_budget_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(actual__isnull=True) | Q(actual__gte=0),
                name="budget_line_actual_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(category=BudgetCategory.OTHER) | ~Q(label=""),
                name="budget_line_other_has_label",
            ),
            # The delegates' travel paid by the trust fund is the grants: never typed in.
            models.CheckConstraint(
                condition=~Q(
                    category=BudgetCategory.DELEGATES_TRAVEL,
                    funding_source=FundingSource.TRUST_FUND,
                    actual__isnull=False,
                ),
                name="budget_line_grants_actual_not_entered",
            ),
            models.UniqueConstraint(
                fields=["event", "category", "funding_source", "label"],
                name="budget_line_unique_per_event",
            ),
            # One source per figure: a second such line would take all the
            # grants' spending again.
            models.UniqueConstraint(
                fields=["event"],
                condition=Q(
                    category=BudgetCategory.DELEGATES_TRAVEL,
                    funding_source=FundingSource.TRUST_FUND,
                ),
                name="budget_line_one_grants_line_per_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event.code} {self.name} ({self.get_funding_source_display()})"

    @property
    def name(self) -> str:
        if self.category == BudgetCategory.OTHER:
            return self.label
        if self.label:
            return f"{self.get_category_display()}: {self.label}"
        return str(self.get_category_display())

    @property
    def is_host_funded(self) -> bool:
        return self.funding_source in HOST_SOURCES

    @property
    def from_grants(self) -> bool:
        return (
            self.category == BudgetCategory.DELEGATES_TRAVEL
            and self.funding_source == FundingSource.TRUST_FUND
        )


class HostContribution(models.Model):
    """The host country's contribution: a pledge (no entry, a pledge is not
    cash), cash received (Dr host cash / Cr host cash contributions) or
    services provided in kind (Dr host in-kind costs / Cr host in-kind
    contributions, against a budget line funded in kind)."""

    class Kind(models.TextChoices):
        CASH = "cash", _("In cash")
        IN_KIND = "in_kind", _("In kind")

    class Status(models.TextChoices):
        PLEDGED = "pledged", _("Pledged")
        RECEIVED = "received", _("Received")
        PROVIDED = "provided", _("Provided")

    event = models.ForeignKey(
        Event,
        on_delete=models.PROTECT,
        related_name="host_contributions",
        verbose_name=_("event"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    amount = MoneyField(_("amount"), max_digits=20, decimal_places=3)
    base_amount = base_field(_("value in the fund's currency at the date's rate"))
    rate = models.DecimalField(
        _("units of the original currency per unit of the fund's"), max_digits=20, decimal_places=6
    )
    date = models.DateField(_("date"))
    reference = models.CharField(
        _("host's reference"),
        max_length=100,
        help_text=_("The note, transfer or delivery reference: one record per reference."),
    )
    description = models.CharField(_("description"), max_length=300)
    budget_line = models.ForeignKey(
        BudgetLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="in_kind",
        verbose_name=_("budget line"),
    )
    entry = models.OneToOneField(
        JournalEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger entry"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["event", "date", "pk"]
        verbose_name = _("host country contribution")
        verbose_name_plural = _("host country contributions")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, base_amount__gt=0, rate__gt=0),
                name="host_contribution_positive",
            ),
            models.CheckConstraint(
                condition=Q(kind="cash", status__in=["pledged", "received"])
                | Q(kind="in_kind", status__in=["pledged", "provided"]),
                name="host_contribution_kind_matches_status",
            ),
            # A pledge posts nothing; cash received and services provided always do.
            models.CheckConstraint(
                condition=Q(status="pledged", entry__isnull=True)
                | (~Q(status="pledged") & Q(entry__isnull=False)),
                name="host_contribution_entry_unless_pledged",
            ),
            models.CheckConstraint(
                condition=~Q(status="provided") | Q(budget_line__isnull=False),
                name="host_in_kind_has_budget_line",
            ),
            models.UniqueConstraint(
                fields=["event", "reference"], name="host_contribution_reference_once"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.event.code} {self.get_kind_display()} {self.get_status_display()} {self.amount}"
        )


class HostCost(models.Model):
    """A conference cost paid from the cash the host country gave:
    Dr host conference costs / Cr host cash."""

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="host_costs", verbose_name=_("event")
    )
    budget_line = models.ForeignKey(
        BudgetLine,
        on_delete=models.PROTECT,
        related_name="host_costs",
        verbose_name=_("budget line"),
    )
    amount = MoneyField(_("amount"), max_digits=20, decimal_places=3)
    base_amount = base_field(_("value in the fund's currency at the date's rate"))
    rate = models.DecimalField(
        _("units of the original currency per unit of the fund's"), max_digits=20, decimal_places=6
    )
    date = models.DateField(_("date paid"))
    reference = models.CharField(
        _("invoice or payment reference"),
        max_length=100,
        help_text=_("One record per reference: recording it again changes nothing."),
    )
    description = models.CharField(_("description"), max_length=300)
    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, related_name="+", verbose_name=_("ledger entry")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["event", "date", "pk"]
        verbose_name = _("conference cost met from host cash")
        verbose_name_plural = _("conference costs met from host cash")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, base_amount__gt=0, rate__gt=0),
                name="host_cost_positive",
            ),
            models.UniqueConstraint(fields=["event", "reference"], name="host_cost_reference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event.code} {self.reference} {self.amount}"


class ExportQuerySet(BackgroundJobQuerySet):
    def recent_for(self, fund, limit: int = 20):
        """The fund's latest exports for its exports page, newest first."""
        return (
            self.filter(fund=fund)
            .select_related("requested_by")
            .order_by("-requested_at", "-pk")[:limit]
        )


class Export(BackgroundJob):
    """A file built in the background (reports.exports, reports.tasks) and kept
    for a while in the ``exports`` storage, never served (fundmgr/private_files.py): it is
    only ever sent by the download view, to book readers. The fields,
    constraints and lifecycle every background job shares are
    fundmgr.models.jobs's."""

    class Kind(models.TextChoices):
        RECONCILIATION = "reconciliation", _("Reconciliation workbook")
        GRANTS = "grants", _("Travel grants of an event")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    fund = models.ForeignKey(
        "fundmgr.Fund", on_delete=models.PROTECT, related_name="exports", verbose_name=_("fund")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    as_of = models.DateField(_("as of"))
    #: A grants export's event (one of the fund's) and the queue's filters it
    #: was asked with (grants.queries.QueueFilters, by name; empty: all).
    event = models.ForeignKey(
        Event,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("event"),
    )
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    status = status_field(Status)
    file_name = models.CharField(
        _("file, relative to the exports folder"), max_length=200, blank=True
    )
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)

    objects = ExportQuerySet.as_manager()

    #: The file is kept while the export is ready, until it expires.
    HOLDS_FILES_WHILE = (Status.DONE,)
    NO_FILES = {"file_name": ""}

    class Meta(BackgroundJob.Meta):
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [models.Index(fields=["fund", "-requested_at"], name="export_fund_recent")]
        constraints = [
            *BackgroundJob.Meta.constraints,
            # A ready export always has its file, size and expiry; nothing else
            # points at a file (an expired one's was deleted).
            models.CheckConstraint(
                condition=~Q(status="done")
                | (
                    ~Q(file_name="")
                    & Q(size__isnull=False, finished_at__isnull=False, expires_at__isnull=False)
                ),
                name="export_done_has_file",
            ),
            models.CheckConstraint(
                condition=Q(status="done") | Q(file_name=""),
                name="export_file_only_when_done",
            ),
            # The grants of an event, and only they, name one.
            models.CheckConstraint(
                condition=Q(kind="grants", event__isnull=False)
                | (~Q(kind="grants") & Q(event__isnull=True)),
                name="export_event_iff_grants",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} {self.kind} {self.as_of} #{self.pk}"

    def held_files(self) -> list[str]:
        return [self.file_name] if self.file_name else []

    @property
    def download_name(self) -> str:
        """The name the reader's browser saves it under."""
        if self.event_id:
            return f"{self.event.code}-grants-{self.as_of:%Y-%m-%d}.xlsx"
        return f"{self.fund.code}-{self.kind}-{self.as_of:%Y-%m-%d}.xlsx"
