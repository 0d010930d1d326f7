"""Imports run in the background (fundmgr.services.imports, fundmgr.tasks):
the uploaded file(s) wait in the ``imports`` storage (never served; a folder
or object storage: fundmgr/private_files.py) until the worker has imported
them; then they are deleted and the row stays as the record of who imported
what and how it ended."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fundmgr.models.jobs import BackgroundJob, BackgroundJobQuerySet, status_field
from fundmgr.sentences import render


class ImportJobQuerySet(BackgroundJobQuerySet):
    def recent_for(self, kind: str, *, fund=None, event=None, limit: int = 10):
        """A fund's (or an event's) latest jobs of one kind for its upload page:
        one query, newest first."""
        jobs = self.filter(kind=kind)
        jobs = jobs.filter(event=event) if event is not None else jobs.filter(fund=fund)
        return jobs.select_related("requested_by").order_by("-requested_at", "-pk")[:limit]


class ImportJob(BackgroundJob):
    """A background import (fundmgr.models.jobs has the fields, constraints and
    lifecycle every job shares): its uploads are needed while it waits or runs."""

    class Kind(models.TextChoices):
        BANK_STATEMENT = "bank_statement", _("Bank statement")
        PLEDGE_REGISTER = "pledge_register", _("Pledge register")
        NOMINATIONS = "nominations", _("Nominations")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

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
    status = status_field(Status)
    file_names = models.JSONField(_("uploaded file names"), default=list)
    stored_files = models.JSONField(
        _("stored files, relative to the imports folder"), default=list, blank=True
    )
    #: SHA-256 of the event (for nominations) and the uploads' bytes: the same
    #: upload twice while the first is still waiting is one job, not two.
    fingerprint = models.CharField(_("fingerprint of the upload"), max_length=64)
    summary = models.JSONField(_("result"), default=dict, blank=True)
    problems = models.JSONField(_("problems by line"), default=list, blank=True)

    objects = ImportJobQuerySet.as_manager()

    NO_FILES = {"stored_files": []}

    class Meta(BackgroundJob.Meta):
        verbose_name = _("background import")
        verbose_name_plural = _("background imports")
        indexes = [
            models.Index(fields=["fund", "kind", "-requested_at"], name="importjob_fund_recent"),
            models.Index(fields=["event", "-requested_at"], name="importjob_event_recent"),
        ]
        constraints = [
            *BackgroundJob.Meta.constraints,
            # Nominations are imported into an event; the donors' files into a fund only.
            models.CheckConstraint(
                condition=Q(kind="nominations", event__isnull=False)
                | (~Q(kind="nominations") & Q(event__isnull=True)),
                name="importjob_event_iff_nominations",
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

    def held_files(self) -> list[str]:
        return list(self.stored_files)

    @property
    def problems_shown(self) -> list[dict]:
        """The problems by line in the reader's language: each message is kept
        as a sentence's code (fundmgr.sentences) or, from before, as text."""
        return [
            {"line": problem.get("line"), "message": render(problem.get("message"))}
            for problem in self.problems or []
        ]

    @property
    def file_name(self) -> str:
        """The main file's name (the sheet, for nominations)."""
        return self.file_names[0] if self.file_names else ""
