"""A background job: what the task worker runs for a person, recorded on a row
its page follows (imports in the core, exports in the reports app).

Every kind shares the fields, constraints and lifecycle kept here: it is asked
(``queued``), claimed by the worker only if still queued (``running``), counts
its progress on the row, then ends ``done`` or ``failed`` with a message; a job
that keeps a file after it is done (an export) keeps it until ``expires_at``,
then becomes ``expired``. What runs a job, audits it and prunes the abandoned
ones is ``fundmgr.services.jobs``. Each concrete model declares its kinds, its
own ``Status`` (the same values; its own words for them) and which files it
holds; the rows are never deleted: they are the record of who asked what and
how it ended."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fundmgr.sentences import Sentence, render

QUEUED, RUNNING, DONE, FAILED, EXPIRED = "queued", "running", "done", "failed", "expired"
IN_PROGRESS = (QUEUED, RUNNING)
FINISHED = (DONE, FAILED, EXPIRED)


def status_field(choices: type[models.TextChoices]) -> models.CharField:
    """A concrete job's ``status``, with its own words for the shared values."""
    missing = {QUEUED, RUNNING, DONE, FAILED} - set(choices.values)
    if missing:
        raise TypeError(f"a job's Status lacks {sorted(missing)}")
    return models.CharField(_("status"), max_length=10, choices=choices.choices, default=QUEUED)


class BackgroundJobQuerySet(models.QuerySet):
    def in_progress(self):
        return self.filter(status__in=IN_PROGRESS)

    def stale(self, now: datetime.datetime):
        """Still waiting or running ``STALE_AFTER`` after it was asked: its
        worker was stopped or killed."""
        return self.in_progress().filter(requested_at__lte=now - self.model.STALE_AFTER)

    def past_expiry(self, now: datetime.datetime):
        return self.filter(status=DONE, expires_at__lte=now)

    def holding_files(self):
        """The jobs whose files must stay in the folder."""
        return self.filter(status__in=self.model.HOLDS_FILES_WHILE)


class BackgroundJob(models.Model):
    """The fields and lifecycle every background job shares (abstract)."""

    #: A job still queued or running this long after it was asked for has lost
    #: its worker: prune marks it failed so its page stops waiting.
    STALE_AFTER = datetime.timedelta(hours=6)
    #: While in these states the job's files (``held_files``) are needed: an
    #: upload while it waits to be imported, an export's file while it is ready.
    HOLDS_FILES_WHILE: tuple[str, ...] = IN_PROGRESS
    IN_PROGRESS = IN_PROGRESS

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    #: The requester's language: what the worker writes (problems, errors, the
    #: file's words) is in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    task_id = models.CharField(_("background task"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, default=QUEUED)
    progress_done = models.PositiveIntegerField(_("rows done"), default=0)
    progress_total = models.PositiveIntegerField(_("rows in all"), default=0)
    error = models.TextField(_("error"), blank=True)
    #: ``error`` as the product said it, by its code and values
    #: (fundmgr.sentences), when it did: read in each reader's language.
    error_sentence = models.JSONField(_("error, by its code"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    objects = BackgroundJobQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_done__lte=F("progress_total")) | Q(progress_total=0),
                name="%(class)s_progress_within_total",
            ),
            # A finished job says when it finished; a waiting one has not.
            models.CheckConstraint(
                condition=Q(status__in=FINISHED, finished_at__isnull=False)
                | Q(status__in=IN_PROGRESS, finished_at__isnull=True),
                name="%(class)s_finished_iff_over",
            ),
            models.CheckConstraint(
                condition=~Q(status=RUNNING) | Q(started_at__isnull=False),
                name="%(class)s_running_has_started",
            ),
            # Only a job done (and then expired) keeps anything until a date.
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(status__in=(DONE, EXPIRED)),
                name="%(class)s_expiry_only_when_done",
            ),
        ]

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    @property
    def error_shown(self) -> str:
        """Why it failed, in the reader's language where it was kept by code
        (``error``, in the requester's language, otherwise)."""
        return render(self.error_sentence) if self.error_sentence else self.error

    # The files a job names (relative to its kind's folder) ---------------------

    def held_files(self) -> list[str]:
        """The files this job names under its kind's folder."""
        return []

    #: The values that say the job names no file any more.
    NO_FILES: dict = {}

    # Lifecycle ---------------------------------------------------------------

    @classmethod
    def lock(cls, pk: int, related: tuple[str, ...] = ()):
        """The row, locked until the transaction ends (only its own table:
        an outer join to a nullable relation cannot be locked on PostgreSQL)."""
        rows = cls.objects.select_for_update(of=("self",))
        return (rows.select_related(*related) if related else rows).get(pk=pk)

    def claim(self, now: datetime.datetime | None = None) -> bool:
        """Start the job if it is still queued, on a row ``lock`` returned;
        otherwise (running twice, or already over) leave it as it is."""
        if self.status != QUEUED:
            return False
        self.status = RUNNING
        self.started_at = now or timezone.now()
        self.save(update_fields=["status", "started_at"])
        return True

    def finish(
        self,
        status: str,
        *,
        error: str = "",
        keep_for: datetime.timedelta | None = None,
        now: datetime.datetime | None = None,
        **fields,
    ) -> None:
        """Record the outcome, ``done`` or ``failed`` (with the message its page
        shows), in one UPDATE; a done job shows a full bar however its work
        counted, and keeps its files ``keep_for`` if given. A job that needs
        its files only while in progress names none afterwards."""
        if status not in (DONE, FAILED):
            raise ValueError(f"a job finishes done or failed, not {status}")
        now = now or timezone.now()
        fields.update(status=status, finished_at=now, error=error)
        if status not in self.HOLDS_FILES_WHILE:
            fields = {**self.NO_FILES, **fields}
        if status == DONE:
            full = Greatest(F("progress_total"), Value(1))
            fields.update(progress_done=full, progress_total=full)
            if keep_for is not None:
                fields["expires_at"] = now + keep_for
        type(self).objects.filter(pk=self.pk).update(**fields)
        self.refresh_from_db(fields=list(fields))

    def fail_if_stale(self, message: Sentence, now: datetime.datetime) -> bool:
        """Fail the job if it is still in progress (its worker vanished)."""
        fields = {
            "status": FAILED,
            "error": str(message),
            "error_sentence": message.data(),
            "finished_at": now,
        }
        if FAILED not in self.HOLDS_FILES_WHILE:
            fields.update(self.NO_FILES)
        changed = type(self).objects.in_progress().filter(pk=self.pk).update(**fields)
        return bool(changed)

    def expire(self) -> None:
        """A done job's time is up (on a locked row): it names no file any more."""
        self.status = EXPIRED
        for name, value in self.NO_FILES.items():
            setattr(self, name, value)
        self.save(update_fields=["status", *self.NO_FILES])
