"""One runner for every background job (fundmgr.models.jobs.BackgroundJob):
the task body and the prune routine that imports (fundmgr.services.imports)
and exports (reports.exports) share. A kind of job is a ``JobRunner``
subclass in the module that owns it, saying where its files live, who may
still have it run, and what its work is; this core module names no app.

Running (``JobRunner.run``, called by the kind's task):

1. lock the row and claim it only if it is still queued (a second run, or a
   job already over, changes nothing), audit ``<name>:started``;
2. in the requester's language, check the requester may still have it run,
   then do the kind's work with ``progress(done, total)`` written to the row;
3. delete the files used only while running (scratch files, an import's
   upload), then record the outcome and audit it: ``done`` (full bar, kept
   files until their expiry) or ``failed`` with the message the page shows.
   A refusal the work foresaw (``JobRefused``, a requester who lost the role)
   fails the job and the task succeeds; any other error is logged with its
   traceback, recorded, and fails the task (not retried: the person asks again).

Pruning (``JobRunner.prune``, from each kind's command): expire done jobs
past their expiry (their files deleted), fail jobs whose worker vanished, and
delete files in the kind's storage that no job holds, once they are old enough
not to be a job's being written.

A kind's files live in its storage (``settings.STORAGES``: a local folder, or
object storage shared by every host); scratch files, which a worker needs on
its own disk, live in its local scratch folder (fundmgr.private_files).
"""

from __future__ import annotations

import datetime
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.utils import timezone, translation

from fundmgr.models.jobs import DONE, FAILED, BackgroundJob
from fundmgr.private_files import delete_stored, modified_at, scratch_folder, walk_stored
from fundmgr.progress import RowProgress
from fundmgr.sentences import WORKER_DID_NOT_FINISH, Said, Sentence
from fundmgr.services.audit import log_action


class JobRefused(Exception):
    """The work refuses the job for a reason it foresaw (a file with wrong rows,
    a file no longer there): the job fails with ``message``, its ``fields``
    (e.g. the problems by line) and ``audit`` data; the task succeeds. A
    ``Sentence`` message is kept by its code, read in each reader's language."""

    def __init__(self, message: Said, *, fields: dict | None = None, audit: dict | None = None):
        super().__init__(message)
        self.said = message
        self.message = str(message)
        self.fields = fields or {}
        self.audit = audit or {}


@dataclass
class Done:
    """What the work returns: the fields to record on the row, and the data
    its ``done`` audit record carries."""

    fields: dict = field(default_factory=dict)
    audit: dict = field(default_factory=dict)


@dataclass
class Run:
    """What the work is given: the progress to report, and scratch files the
    runner deletes once the work is over, whatever its outcome (the work
    moves a file it keeps out of the way first)."""

    progress: RowProgress
    scratch: list[Path] = field(default_factory=list)

    def scratch_file(self, suffix: str = ".part") -> Path:
        """A new empty file (hidden, random name) in this worker's own local
        scratch folder, never another host's."""
        handle, name = tempfile.mkstemp(dir=scratch_folder(), prefix=".", suffix=suffix)
        os.close(handle)
        self.scratch.append(Path(name))
        return Path(name)


@dataclass(frozen=True)
class Pruned:
    expired: int = 0
    failed: int = 0
    deleted: int = 0


class JobRunner:
    """A kind of background job: subclass and say what differs."""

    #: The job's model (a BackgroundJob).
    model: type[BackgroundJob]
    #: The audit actions' prefix ("import" gives import:started, ...).
    name: str
    #: The actors the audit trail names for what the worker and cron do.
    worker_actor: str
    prune_actor: str
    #: Relations the work reads (fetched with the locked row).
    related: tuple[str, ...] = ()
    logger = logging.getLogger(__name__)

    # What a kind says ----------------------------------------------------------

    #: The alias of the storage (``settings.STORAGES``) the kind's files live in.
    storage_alias: str

    def storage(self) -> Storage:
        return storages[self.storage_alias]

    def check_requester(self, job) -> None:
        """Raise PermissionDenied if the requester may no longer have it run."""

    def lost_role_message(self, job) -> Said:
        """The failed job's message when ``check_requester`` refused."""
        raise NotImplementedError

    def work(self, job, run: Run) -> Done:
        """Do the job; return what to record, or raise JobRefused."""
        raise NotImplementedError

    def keep_for(self, job) -> datetime.timedelta | None:
        """How long a done job keeps its files (None: it keeps none)."""
        return None

    def audit_data(self, job) -> dict:
        """What every done, failed and expired audit record of the job carries."""
        return {}

    def describe(self, job) -> str:
        """The job in the log's words."""
        return str(job)

    # Running -------------------------------------------------------------------

    def run(self, job_id: int) -> str:
        """Run one job (the task's body); returns its final status. Running it
        twice is harmless: only a queued job is started."""
        with transaction.atomic():
            job = self.model.lock(job_id, self.related)
            if not job.claim():
                return job.status
            log_action(job, f"{self.name}:started", self.worker_actor)

        run = Run(progress=RowProgress(self.model, job.pk))
        with translation.override(job.language or settings.LANGUAGE_CODE):
            try:
                try:
                    self.check_requester(job)
                    done = self.work(job, run)
                finally:
                    run.progress.close()
                    self._clean_up(job, run)
            except PermissionDenied:
                message = self.lost_role_message(job)
                self._record(job, FAILED, message, {}, {})
                return FAILED
            except JobRefused as refused:
                self._record(job, FAILED, refused.said, refused.fields, refused.audit)
                return FAILED
            except Exception as error:
                self.logger.exception("%s %s (%s) failed", self.name, job.pk, self.describe(job))
                message = str(error) or type(error).__name__
                self._record(job, FAILED, message, {}, {})
                raise
            self._record(job, DONE, "", done.fields, done.audit)
        return DONE

    def _clean_up(self, job, run: Run) -> None:
        """Delete the scratch files, and the files the job needed only while
        in progress (an import's upload)."""
        for path in run.scratch:
            path.unlink(missing_ok=True)
        if DONE in job.HOLDS_FILES_WHILE:
            return
        try:
            delete_stored(self.storage(), job.held_files())
        except ImproperlyConfigured:
            pass  # nothing was stored in a folder so misconfigured

    def _record(self, job, status: str, message: Said, fields: dict, audit: dict) -> None:
        """``message`` said as a ``Sentence`` is kept by its code on the row
        (``error_sentence``) and in the audit record, and as text in ``error``."""
        if isinstance(message, Sentence):
            fields = {**fields, "error_sentence": message.data()}
        with transaction.atomic():
            data = self.audit_data(job)
            job.finish(
                status,
                error=str(message)[:2000],
                keep_for=self.keep_for(job) if status == DONE else None,
                **fields,
            )
            log_action(
                job,
                f"{self.name}:{status}",
                self.worker_actor,
                message if isinstance(message, Sentence) else message[:300],
                {**data, **audit} or None,
            )

    # Pruning -------------------------------------------------------------------

    def prune(self, now: datetime.datetime | None = None) -> Pruned:
        """Expire done jobs past their expiry, fail jobs whose worker vanished,
        delete files no job holds once ``STALE_AFTER`` old. Rows are kept."""
        now = now or timezone.now()
        storage = self.storage()
        expired = 0
        for job_id in self.model.objects.past_expiry(now).values_list("pk", flat=True):
            with transaction.atomic():
                job = self.model.lock(job_id)
                if job.status != DONE or job.expires_at is None or job.expires_at > now:
                    continue
                delete_stored(storage, job.held_files())
                log_action(
                    job, f"{self.name}:expired", self.prune_actor, data=self.audit_data(job) or None
                )
                job.expire()
                expired += 1
        failed = 0
        for job in self.model.objects.stale(now):
            with transaction.atomic():
                if job.fail_if_stale(Sentence(WORKER_DID_NOT_FINISH), now):
                    if FAILED not in job.HOLDS_FILES_WHILE:
                        delete_stored(storage, job.held_files())
                    log_action(
                        job,
                        f"{self.name}:failed",
                        self.prune_actor,
                        Sentence(WORKER_DID_NOT_FINISH),
                    )
                    failed += 1
        return Pruned(expired=expired, failed=failed, deleted=self._prune_strays(storage, now))

    def _prune_strays(self, storage: Storage, now: datetime.datetime) -> int:
        """Files no job holds (left by a killed request or worker: an upload
        whose job was never recorded, a half-written file), once they are
        older than ``STALE_AFTER``: a newer one may be a job's being written."""
        held = {name for job in self.model.objects.holding_files() for name in job.held_files()}
        limit = now - self.model.STALE_AFTER
        deleted = 0
        for name in sorted(walk_stored(storage)):
            if name not in held and modified_at(storage, name) <= limit:
                storage.delete(name)
                deleted += 1
        return deleted
