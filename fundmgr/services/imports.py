"""Background imports: a large upload is stored, becomes an ``ImportJob`` and is
imported by the task worker (fundmgr.tasks.run_import_job), with its progress
on the row; a small one is imported inside the request, as before
(``runs_inline``).

The web process saves the uploads, under random names, in the ``imports``
storage (a folder outside the web root and MEDIA_ROOT by default, object
storage shared by every host in production: fundmgr/private_files.py); the
worker, which may run on another host, copies them into its own scratch
folder for the importer, and they are deleted once the job has finished,
whatever its outcome: the imported data, not the file, is the record.
Each kind's importer lives in its app (``IMPORTERS``, dotted paths resolved
when used, so this core module imports no app); the importers check the whole
file first and save nothing if a row is wrong, so a failed job saved nothing.
Claiming, running, recording the outcome and pruning are the background jobs'
shared runner's (fundmgr.services.jobs); ``ImportRunner`` says what an import adds.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from fundmgr import sentences
from fundmgr.links import Link
from fundmgr.models import Event, Fund, ImportJob
from fundmgr.private_files import copy_to_local, delete_stored
from fundmgr.progress import EVERY_ROWS, RowProgress
from fundmgr.roles import Role, has_role, require_role
from fundmgr.sentences import Sentence, kept
from fundmgr.services.audit import Actor, log_action, person
from fundmgr.services.jobs import Done, JobRefused, JobRunner, Run
from fundmgr.tabular import FileRejected

logger = logging.getLogger(__name__)

Kind = ImportJob.Kind
Status = ImportJob.Status

#: The actors the audit trail names for what the worker and cron do.
WORKER_ACTOR = "import-worker"
PRUNE_ACTOR = "prune-imports"

#: Who may make, and see, each kind of import: the roles of its upload page.
ROLES: dict[str, tuple[str, ...]] = {
    Kind.BANK_STATEMENT: (Role.FINANCE_OFFICER, Role.ADMINISTRATOR),
    Kind.PLEDGE_REGISTER: (Role.FINANCE_OFFICER, Role.ADMINISTRATOR),
    Kind.NOMINATIONS: (Role.FUND_OFFICER,),
}
ANY_IMPORT_ROLE = tuple(sorted({role for roles in ROLES.values() for role in roles}))

#: Each kind's ``Importer``, in the app that owns the data.
IMPORTERS: dict[str, str] = {
    Kind.BANK_STATEMENT: "donors.import_jobs.BANK_STATEMENT",
    Kind.PLEDGE_REGISTER: "donors.import_jobs.PLEDGE_REGISTER",
    Kind.NOMINATIONS: "grants.import_jobs.NOMINATIONS",
}

#: How many files each kind takes, in order (nominations: the sheet, then the ZIP).
FILES: dict[str, int] = {Kind.BANK_STATEMENT: 1, Kind.PLEDGE_REGISTER: 1, Kind.NOMINATIONS: 2}

#: The row is updated when the total changes or ``done`` reaches it, and
#: otherwise at most every this many rows (or a hundredth of the total).
PROGRESS_EVERY_ROWS = EVERY_ROWS

#: A job still queued or running this long after it was asked for has lost
#: its worker: prune marks it failed and deletes its upload.
STALE_AFTER = ImportJob.STALE_AFTER

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Importer:
    """One kind of import, as its app runs and shows it."""

    #: ``run(job, paths, progress)`` imports the stored files and returns the
    #: summary (JSON: counts and the created object's id); raises FileRejected.
    run: Callable[[ImportJob, list[Path], Progress], dict]
    #: ``message(name, summary)``: the sentence the synchronous page shows.
    message: Callable[[str, dict], str]
    #: ``result_url(job)``: where the imported data is read (the job's own fund or event).
    result_url: Callable[[ImportJob], str]
    #: ``upload_url(job)``: the page to upload another file.
    upload_url: Callable[[ImportJob], str]


class ImportRefused(JobRefused):
    """The request cannot be accepted; the message is for the user."""


def importer(kind: str) -> Importer:
    return import_string(IMPORTERS[kind])


def may_import(user, kind: str) -> bool:
    return has_role(user, *ROLES[kind])


def require_import_role(user, kind: str) -> None:
    require_role(user, *ROLES[kind])


#: The storage (``settings.STORAGES``) the uploads wait in.
STORAGE = "imports"

#: The names ``_store`` gives: 32 hex digits and the upload's plain suffix.
STORED_NAME = re.compile(r"[0-9a-f]{32}(\.[a-z0-9]{1,7})?")


def imports_storage() -> Storage:
    return storages[STORAGE]


def runs_inline(*uploads) -> bool:
    """Small enough to import inside the request (well under half a second)."""
    return sum(upload.size for upload in uploads) <= settings.IMPORT_INLINE_MAX_BYTES


# Asking -----------------------------------------------------------------------


def _suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,7}", suffix) else ""


def _store(uploads: Sequence, salt: str) -> tuple[list[str], str]:
    """Save the uploads in the imports storage under random names; their
    names and the fingerprint."""
    storage = imports_storage()
    fingerprint = hashlib.sha256(salt.encode())
    stored: list[str] = []
    try:
        for upload in uploads:
            one = hashlib.sha256()
            for chunk in upload.chunks():
                one.update(chunk)
            fingerprint.update(one.digest())
            name = secrets.token_hex(16) + _suffix(upload.name)
            stored.append(name)  # removed below if saving it fails half-way
            # A taken name is never overwritten: the storage picks a free one.
            stored[-1] = storage.save(name, upload)
    except BaseException:
        delete_stored(storage, stored)
        raise
    return stored, fingerprint.hexdigest()


def _in_flight(kind: str, fund: Fund, fingerprint: str) -> ImportJob | None:
    return (
        ImportJob.objects.in_progress()
        .filter(kind=kind, fund=fund, fingerprint=fingerprint)
        .first()
    )


def request_import(
    kind: str, uploads: Sequence, *, fund: Fund | None = None, event: Event | None = None, by: Actor
) -> ImportJob:
    """Store the upload(s), record the job and enqueue its import, all or nothing.

    The same upload again while its job still waits or runs (a double submit)
    is that job, not a second one."""
    return request_import_once(kind, uploads, fund=fund, event=event, by=by)[0]


def request_import_once(
    kind: str, uploads: Sequence, *, fund: Fund | None = None, event: Event | None = None, by: Actor
) -> tuple[ImportJob, bool]:
    """``request_import``, also saying whether this call recorded the job
    (False: the same upload's job was already waiting or running), which the
    API answers differently (202, or 200 with the earlier job)."""
    if kind not in IMPORTERS:
        raise ImportRefused(_("This kind of import does not exist."))
    require_import_role(by, kind)
    if (kind == Kind.NOMINATIONS) != (event is not None):
        raise ImportRefused(_("Nominations are imported into an event, other files into a fund."))
    if event is not None:
        fund = event.fund
    if fund is None:
        raise ImportRefused(_("Choose the fund to import into."))
    if len(uploads) != FILES[kind]:
        raise ImportRefused(_("This import takes %(count)d file(s).") % {"count": FILES[kind]})
    from fundmgr.tasks import run_import_job

    names = [Path(upload.name).name[:255] for upload in uploads]
    stored, fingerprint = _store(uploads, f"{kind}:{fund.pk}:{event.pk if event else ''}")
    try:
        # The row, its audit and its task are written in one transaction: the
        # worker never sees a task without its row, nor a row no task will run.
        with transaction.atomic():
            job = _in_flight(kind, fund, fingerprint)
            if job is None:
                try:
                    with transaction.atomic():
                        job = ImportJob.objects.create(
                            kind=kind,
                            fund=fund,
                            event=event,
                            requested_by=person(by),
                            language=translation.get_language() or "",
                            file_names=names,
                            stored_files=stored,
                            fingerprint=fingerprint,
                        )
                except IntegrityError:
                    # The same upload, recorded meanwhile by a racing request.
                    job = _in_flight(kind, fund, fingerprint)
                    if job is None:
                        raise
                else:
                    log_action(job, "import:requested", by, data={"kind": kind, "files": names})
                    result = run_import_job.enqueue(job.pk)
                    ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
                    job.refresh_from_db()
                    return job, True
    except BaseException:
        delete_stored(imports_storage(), stored)
        raise
    delete_stored(imports_storage(), stored)  # the earlier job has the same bytes
    return job, False


# Running ----------------------------------------------------------------------


def _Progress(job_id: int) -> RowProgress:
    """The importer's ``progress(done, total)``, written to the row sparingly
    (on PostgreSQL through a connection of its own: fundmgr.progress)."""
    return RowProgress(ImportJob, job_id, PROGRESS_EVERY_ROWS)


def _local_copies(job: ImportJob, run: Run) -> list[Path]:
    """The job's uploads copied from the imports storage (perhaps written by
    a web process on another host) into this worker's scratch folder, which
    the runner empties once the job is over: the importers read paths."""
    storage = imports_storage()
    names = job.stored_files
    gone = ImportRefused(Sentence(sentences.UPLOAD_GONE))
    if len(names) != FILES[job.kind] or not all(
        STORED_NAME.fullmatch(name) and storage.exists(name) for name in names
    ):
        raise gone
    paths = []
    for name in names:
        path = run.scratch_file(suffix=Path(name).suffix)
        try:
            copy_to_local(storage, name, path)
        except FileNotFoundError as error:  # deleted since it was seen
            raise gone from error
        paths.append(path)
    return paths


class ImportRunner(JobRunner):
    """Imports as background jobs (fundmgr.services.jobs runs and prunes them):
    the kind's importer, as the person who asked, who must still hold its role;
    the upload is deleted once the job has finished, whatever its outcome."""

    model = ImportJob
    name = "import"
    worker_actor = WORKER_ACTOR
    prune_actor = PRUNE_ACTOR
    related = ("fund", "event", "requested_by")
    logger = logger

    storage_alias = STORAGE

    def check_requester(self, job: ImportJob) -> None:
        require_import_role(job.requested_by, job.kind)

    def lost_role_message(self, job: ImportJob) -> Sentence:
        return Sentence(sentences.IMPORTER_LOST_ROLE, {"user": job.requested_by.get_username()})

    def work(self, job: ImportJob, run: Run) -> Done:
        try:
            summary = importer(job.kind).run(job, _local_copies(job, run), run.progress)
        except FileRejected as rejected:
            # Kept by code where the product said it (read in each reader's
            # language, ImportJob.problems_shown); what the file said, as text.
            problems = [{"line": e.line, "message": kept(e.message)} for e in rejected.errors]
            raise JobRefused(
                rejected.verdict(),
                fields={"problems": problems},
                audit={"problems": len(problems)},
            ) from rejected
        return Done(fields={"summary": summary}, audit={"summary": summary})

    def audit_data(self, job: ImportJob) -> dict:
        return {"files": job.file_names}

    def describe(self, job: ImportJob) -> str:
        return f"{job.kind}, {job.file_name}"


RUNNER = ImportRunner()


def run_import(job_id: int) -> str:
    """Import one job (called by the task); returns its final status.

    Running it twice is harmless: only a queued job is started. A file the
    importer refuses fails the job with its problems by line (nothing saved;
    the task itself succeeds); any other error is logged, recorded, and fails
    the task, which is not retried: the person uploads again."""
    return RUNNER.run(job_id)


# Showing ----------------------------------------------------------------------


def outcome(job: ImportJob) -> dict:
    """What the job page says of a finished job: the message the synchronous
    import shows and where to read the result, or the problems."""
    message, result_url = finished(job)
    return {
        "upload_url": importer(job.kind).upload_url(job),
        "message": message,
        "result_url": result_url,
    }


def finished(job: ImportJob, links: ResultLinks | None = None) -> tuple[str, str]:
    """A done job's message and where to read its result; ("", "") otherwise.
    ``links``: a list's, which makes each kind's result address once."""
    if job.status != Status.DONE:
        return "", ""
    kind = importer(job.kind)
    result_url = kind.result_url(job) if links is None else links(job)
    return kind.message(job.file_name, job.summary), result_url


class ResultLinks:
    """Where each of a list's jobs' results are read: the address of each
    kind reversed once for the list (``Link.many``), not once a job."""

    def __init__(self) -> None:
        self._links: dict[str, Callable[[ImportJob], str]] = {}

    def __call__(self, job: ImportJob) -> str:
        link = self._links.get(job.kind)
        if link is None:
            url = importer(job.kind).result_url
            link = self._links[job.kind] = url.many() if isinstance(url, Link) else url
        return link(job)


# Pruning ----------------------------------------------------------------------


def prune(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Fail jobs whose worker vanished and delete uploads left behind (jobs'
    rows stay, for the audit trail). Returns (jobs failed, files deleted)."""
    pruned = RUNNER.prune(now)
    return pruned.failed, pruned.deleted
