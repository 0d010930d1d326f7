"""Background imports: a large upload is stored, becomes an ``ImportJob`` and is
imported by the task worker (fundmgr.tasks.run_import_job), with its progress
on the row; a small one is imported inside the request, as before
(``runs_inline``).

The uploads wait under ``settings.IMPORTS_ROOT``, outside the web root and
MEDIA_ROOT, under random names, and are deleted once the job has finished,
whatever its outcome: the imported data, not the file, is the record.
Each kind's importer lives in its app (``IMPORTERS``, dotted paths resolved
when used, so this core module imports no app); the importers check the whole
file first and save nothing if a row is wrong, so a failed job saved nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from fundmgr.models import Event, Fund, ImportJob
from fundmgr.private_files import private_folder
from fundmgr.progress import EVERY_ROWS, SparseProgress
from fundmgr.roles import Role, has_role, require_role
from fundmgr.services.audit import Actor, log_action
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
FILES = {Kind.BANK_STATEMENT: 1, Kind.PLEDGE_REGISTER: 1, Kind.NOMINATIONS: 2}

#: The row is updated when the total changes or ``done`` reaches it, and
#: otherwise at most every this many rows (or a hundredth of the total).
PROGRESS_EVERY_ROWS = EVERY_ROWS

#: A job still queued or running this long after it was asked for has lost
#: its worker: prune marks it failed and deletes its upload.
STALE_AFTER = datetime.timedelta(hours=6)

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


class ImportRefused(Exception):
    """The request cannot be accepted; the message is for the user."""


def importer(kind: str) -> Importer:
    return import_string(IMPORTERS[kind])


def may_import(user, kind: str) -> bool:
    return has_role(user, *ROLES[kind])


def require_import_role(user, kind: str) -> None:
    require_role(user, *ROLES[kind])


def imports_root() -> Path:
    """The uploads' folder, refused if the web server could serve it."""
    return private_folder("IMPORTS_ROOT", "uploads waiting to be imported are never served")


def runs_inline(*uploads) -> bool:
    """Small enough to import inside the request (well under half a second)."""
    return sum(upload.size for upload in uploads) <= settings.IMPORT_INLINE_MAX_BYTES


# Asking -----------------------------------------------------------------------


def _suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if suffix[1:].isalnum() and len(suffix) <= 8 else ""


def _remove(root: Path, relatives: Sequence[str]) -> None:
    for relative in relatives:
        path = (root / relative).resolve()
        if path.is_relative_to(root):
            path.unlink(missing_ok=True)


def _store(uploads: Sequence, salt: str) -> tuple[list[str], str]:
    """Write the uploads under random names; their names and the fingerprint."""
    root = imports_root()
    root.mkdir(parents=True, exist_ok=True, mode=0o750)
    fingerprint = hashlib.sha256(salt.encode())
    stored: list[str] = []
    try:
        for upload in uploads:
            relative = secrets.token_hex(16) + _suffix(upload.name)
            one = hashlib.sha256()
            # O_EXCL: a name is never reused, even by a racing request.
            handle = os.open(root / relative, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            stored.append(relative)
            with os.fdopen(handle, "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
                    one.update(chunk)
            fingerprint.update(one.digest())
    except BaseException:
        _remove(root, stored)
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
                            requested_by=by,
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
                    return job
    except BaseException:
        _remove(imports_root(), stored)
        raise
    _remove(imports_root(), stored)  # the earlier job has the same bytes
    return job


# Running ----------------------------------------------------------------------


class _Progress:
    """The importer's ``progress(done, total)``, written to the row sparingly.

    The importers save in one transaction; a count written inside it would
    only show when it commits. So on PostgreSQL the count goes through a
    connection of its own, committed at once, and the page sees it move.
    Not when the job runs inside an outer transaction (the immediate task
    backend, a test): the row may be invisible to, or locked against, another
    connection. SQLite allows one writer: there the saving phase's count
    shows when it commits; the checking phase's shows as it goes."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.sparse = SparseProgress(self._write, PROGRESS_EVERY_ROWS)
        self.own = None
        main = connections[DEFAULT_DB_ALIAS]
        if main.vendor == "postgresql" and not main.in_atomic_block:
            self.own = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, done: int, total: int) -> None:
        self.sparse(done, total)

    def _write(self, done: int, total: int) -> None:
        if self.own is not None:
            try:
                quote = self.own.ops.quote_name
                meta = ImportJob._meta
                column = {
                    f: quote(meta.get_field(f).column) for f in ("progress_done", "progress_total")
                }
                with self.own.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {quote(meta.db_table)} SET {column['progress_done']} = %s, "  # noqa: S608
                        f"{column['progress_total']} = %s WHERE {quote(meta.pk.column)} = %s",
                        [done, total, self.job_id],
                    )
                return
            except DatabaseError:
                logger.warning("import %s: progress through the main connection", self.job_id)
                self.close()
        ImportJob.objects.filter(pk=self.job_id).update(progress_done=done, progress_total=total)

    def close(self) -> None:
        if self.own is not None:
            self.own.close()
            self.own = None


def _stored_paths(job: ImportJob) -> list[Path]:
    root = imports_root()
    paths = [(root / relative).resolve() for relative in job.stored_files]
    if len(paths) != FILES[job.kind] or not all(
        path.is_relative_to(root) and path.is_file() for path in paths
    ):
        raise ImportRefused(_("The uploaded file is no longer there: upload it again."))
    return paths


def _finish(job: ImportJob, status: str, action: str, why: str = "", **fields) -> None:
    """Delete the upload, then record the outcome and audit it."""
    try:
        _remove(imports_root(), job.stored_files)
    except ImproperlyConfigured:
        pass  # nothing was stored in a folder so misconfigured
    if status == Status.DONE:
        # However the importer counted, a finished job shows a full bar.
        fields["progress_done"] = F("progress_total")
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=status, finished_at=timezone.now(), stored_files=[], **fields
        )
        data = {"files": job.file_names}
        if "summary" in fields:
            data["summary"] = fields["summary"]
        if "problems" in fields:
            data["problems"] = len(fields["problems"])
        log_action(job, action, WORKER_ACTOR, why[:300], data)


def run_import(job_id: int) -> str:
    """Import one job (called by the task); returns its final status.

    Running it twice is harmless: only a queued job is started. A file the
    importer refuses fails the job with its problems by line (nothing saved;
    the task itself succeeds); any other error is logged, recorded, and fails
    the task, which is not retried: the person uploads again."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("fund", "event", "requested_by")
            .get(pk=job_id)
        )
        if job.status != Status.QUEUED:
            return job.status
        job.status = Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
        log_action(job, "import:started", WORKER_ACTOR)

    progress = _Progress(job.pk)
    # The problems are written in the requester's language, as on the page.
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            # The requester may have lost the role since asking.
            require_import_role(job.requested_by, job.kind)
            summary = importer(job.kind).run(job, _stored_paths(job), progress)
        except FileRejected as rejected:
            problems = [{"line": e.line, "message": str(e.message)} for e in rejected.errors]
            head = str(rejected).splitlines()[0]
            _finish(job, Status.FAILED, "import:failed", head, error=head, problems=problems)
            return Status.FAILED
        except (PermissionDenied, ImportRefused) as refused:
            if isinstance(refused, PermissionDenied):
                message = _(
                    "%(user)s no longer holds a role that may make this import; nothing was saved."
                ) % {"user": job.requested_by.get_username()}
            else:
                message = str(refused)
            _finish(job, Status.FAILED, "import:failed", message, error=message)
            return Status.FAILED
        except Exception as error:
            logger.exception("import %s (%s, %s) failed", job.pk, job.kind, job.file_name)
            message = str(error) or type(error).__name__
            _finish(job, Status.FAILED, "import:failed", message, error=message[:2000])
            raise
        finally:
            progress.close()
    _finish(job, Status.DONE, "import:done", summary=summary)
    return Status.DONE


# Showing ----------------------------------------------------------------------


def outcome(job: ImportJob) -> dict:
    """What the job page says of a finished job: the message the synchronous
    import shows and where to read the result, or the problems."""
    kind = importer(job.kind)
    shown = {"upload_url": kind.upload_url(job), "message": "", "result_url": ""}
    if job.status == Status.DONE:
        shown["message"] = kind.message(job.file_name, job.summary)
        shown["result_url"] = kind.result_url(job)
    return shown


# Pruning ----------------------------------------------------------------------


def prune(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Fail jobs whose worker vanished and delete uploads left behind (jobs'
    rows stay, for the audit trail). Returns (jobs failed, files deleted)."""
    now = now or timezone.now()
    root = imports_root()
    failed = 0
    for job in ImportJob.objects.in_progress().filter(requested_at__lte=now - STALE_AFTER):
        with transaction.atomic():
            changed = (
                ImportJob.objects.in_progress()
                .filter(pk=job.pk)
                .update(
                    status=Status.FAILED,
                    error=_("The background worker did not finish it."),
                    finished_at=now,
                    stored_files=[],
                )
            )
            if changed:
                _remove(root, job.stored_files)
                log_action(job, "import:failed", PRUNE_ACTOR, "worker did not finish")
                failed += changed
    # Files no waiting job names: left by a request or a worker that was killed.
    waiting = {
        name
        for names in ImportJob.objects.in_progress().values_list("stored_files", flat=True)
        for name in names
    }
    deleted = 0
    if root.is_dir():
        for path in root.iterdir():
            if not path.is_file() or path.name in waiting:
                continue
            modified = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
            if modified <= now - STALE_AFTER:
                path.unlink(missing_ok=True)
                deleted += 1
    return failed, deleted
