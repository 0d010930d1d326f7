"""Imports run in the background (fundmgr.services.imports, fundmgr.tasks):
the uploaded file(s) wait under ``settings.IMPORTS_ROOT``, outside the web
root, until the worker has imported them; then they are deleted and the row
stays as the record of who imported what and how it ended."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportJobQuerySet(models.QuerySet):
    def in_progress(self):
        return self.filter(status__in=ImportJob.IN_PROGRESS)

    def recent_for(self, kind: str, *, fund=None, event=None, limit: int = 10):
        """A fund's (or an event's) latest jobs of one kind for its upload page:
        one query, newest first."""
        jobs = self.filter(kind=kind)
        jobs = jobs.filter(event=event) if event is not None else jobs.filter(fund=fund)
        return jobs.select_related("requested_by").order_by("-requested_at", "-pk")[:limit]


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        BANK_STATEMENT = "bank_statement", _("Bank statement")
        PLEDGE_REGISTER = "pledge_register", _("Pledge register")
        NOMINATIONS = "nominations", _("Nominations")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    IN_PROGRESS = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    fund = models.ForeignKey(
        "fundmgr.Fund", on_delete=models.PROTECT, related_name="+", verbose_name=_("fund")
    )
    event = models.ForeignKey(
        "fundmgr.Event",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("event"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    #: The requester's language: the problems the worker writes are in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    task_id = models.CharField(_("background task"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress_done = models.PositiveIntegerField(_("rows done"), default=0)
    progress_total = models.PositiveIntegerField(_("rows in all"), default=0)
    file_names = models.JSONField(_("uploaded file names"), default=list)
    stored_files = models.JSONField(
        _("stored files, relative to the imports folder"), default=list, blank=True
    )
    #: SHA-256 of the event (for nominations) and the uploads' bytes: the same
    #: upload twice while the first is still waiting is one job, not two.
    fingerprint = models.CharField(_("fingerprint of the upload"), max_length=64)
    summary = models.JSONField(_("result"), default=dict, blank=True)
    problems = models.JSONField(_("problems by line"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("background import")
        verbose_name_plural = _("background imports")
        indexes = [
            models.Index(fields=["fund", "kind", "-requested_at"], name="importjob_fund_recent"),
            models.Index(fields=["event", "-requested_at"], name="importjob_event_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_done__lte=models.F("progress_total")) | Q(progress_total=0),
                name="importjob_progress_within_total",
            ),
            # Nominations are imported into an event; the donors' files into a fund only.
            models.CheckConstraint(
                condition=Q(kind="nominations", event__isnull=False)
                | (~Q(kind="nominations") & Q(event__isnull=True)),
                name="importjob_event_iff_nominations",
            ),
            # A finished job says when it finished; a waiting one has not.
            models.CheckConstraint(
                condition=Q(status__in=["done", "failed"], finished_at__isnull=False)
                | Q(status__in=["queued", "running"], finished_at__isnull=True),
                name="importjob_finished_iff_over",
            ),
            models.CheckConstraint(
                condition=~Q(status="running") | Q(started_at__isnull=False),
                name="importjob_running_has_started",
            ),
            # A double-submitted upload: one job while it waits or runs.
            models.UniqueConstraint(
                fields=["kind", "fund", "fingerprint"],
                condition=Q(status__in=["queued", "running"]),
                name="importjob_one_in_flight_per_upload",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS

    @property
    def file_name(self) -> str:
        """The main file's name (the sheet, for nominations)."""
        return self.file_names[0] if self.file_names else ""
