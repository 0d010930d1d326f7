"""Background exports: a book reader asks for a workbook, the task worker
builds it (reports.tasks.build_export) with its progress on the row, and the
file waits in the ``exports`` storage until it expires.

That storage (a folder outside the web root and MEDIA_ROOT by default, object
storage shared by every host in production: fundmgr/private_files.py) has no
URL, so the only way to a file is the download view, which checks the reader's
role and streams it. The worker writes the workbook in its own scratch folder
and saves it to the storage once complete, and the row says ``done`` only
after that, so a half-written workbook is never offered. ``prune_expired``
(``manage.py prune_exports``, from cron) deletes what has expired. Claiming,
running, recording the outcome and pruning are the background jobs' shared
runner's (fundmgr.services.jobs); ``ExportRunner`` says what an export adds.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from fundmgr.models import Event, Fund
from fundmgr.private_files import save_local
from fundmgr.progress import EVERY_ROWS, RowProgress
from fundmgr.roles import BOOK_READERS, require_role
from fundmgr.services.audit import log_action
from fundmgr.services.jobs import Done, JobRunner, Run
from grants.queries import PERSONAL_DATA_READERS, filter_problems
from reports.models import Export

logger = logging.getLogger(__name__)

#: The actor the audit trail names for what the worker and cron do.
WORKER_ACTOR = "export-worker"
PRUNE_ACTOR = "prune-exports"

#: What builds each kind of export: ``writer(fund, as_of, destination, *, progress=None)``,
#: a dotted path (resolved when the task runs) or a callable.
WRITERS: dict[str, str | Callable] = {
    Export.Kind.RECONCILIATION: "reports.workbook.write_reconciliation_workbook",
    # Also given ``event=`` and ``filters=``: the queue's export, in the background.
    Export.Kind.GRANTS: "grants.export.write_event_grants",
}

#: Who may ask for, be built and download each kind: its page's readers (the
#: grants, with their delegates, are the grant pages' readers').
KIND_ROLES: dict[str, tuple[str, ...]] = {
    Export.Kind.RECONCILIATION: BOOK_READERS,
    Export.Kind.GRANTS: PERSONAL_DATA_READERS,
}

#: The row is updated when a sheet ends (``total`` changes or ``done`` reaches
#: it) and otherwise at most every this many rows, or every hundredth of the
#: total if that is more: a few dozen cheap UPDATEs, not one per row.
PROGRESS_EVERY_ROWS = EVERY_ROWS

#: An export still queued or running this long after it was asked for has lost
#: its worker (stopped, killed): prune marks it failed so the page stops waiting.
STALE_AFTER = Export.STALE_AFTER


class ExportError(Exception):
    """The request cannot be accepted; the message is for the user, ``field``
    names what it is about."""

    def __init__(self, message: str, field: str = "as_of"):
        super().__init__(message)
        self.field = field


class ExportGone(Exception):
    """The export expired: its file was, or is about to be, deleted."""


class ExportMissing(Exception):
    """The export is not ready, or its file is not where it should be."""


#: The storage (``settings.STORAGES``) the workbooks wait in.
STORAGE = "exports"


def exports_storage() -> Storage:
    return storages[STORAGE]


def request_export(
    fund: Fund,
    as_of: datetime.date,
    by,
    kind: str = Export.Kind.RECONCILIATION,
    *,
    event: Event | None = None,
    filters: dict | None = None,
) -> Export:
    """Record a book reader's request and enqueue its building. A grants export
    names one of the fund's events and, optionally, the queue's filters."""
    require_role(by, *KIND_ROLES.get(kind, BOOK_READERS))
    if not isinstance(as_of, datetime.date) or isinstance(as_of, datetime.datetime):
        raise ExportError(_("Give the date the workbook is as of."))
    if as_of > timezone.localdate():
        raise ExportError(
            _("%(date)s is in the future: a workbook can only be as of today or earlier.")
            % {"date": as_of.isoformat()}
        )
    if kind not in WRITERS:
        raise ExportError(_("This kind of export does not exist."), "kind")
    filters = filters or {}
    if kind == Export.Kind.GRANTS:
        if event is None or event.fund_id != fund.pk:
            raise ExportError(_("Give one of this fund's events."), "event")
        problems = filter_problems(event, filters)
        if problems:
            raise ExportError(
                "; ".join(
                    _("“%(name)s” takes: %(values)s")
                    % {"name": name, "values": ", ".join(values) or _("nothing")}
                    for name, values in sorted(problems.items())
                ),
                "filters",
            )
    elif event is not None or filters:
        raise ExportError(_("Only an export of travel grants takes an event."), "event")
    from reports.tasks import build_export

    # The row and its task are written in one transaction: the worker never
    # sees a task without its row, nor a row that no task will build.
    with transaction.atomic():
        export = Export.objects.create(
            fund=fund,
            kind=kind,
            as_of=as_of,
            event=event,
            filters=filters,
            requested_by=by,
            language=translation.get_language() or "",
        )
        log_action(export, "export:requested", by, data={"kind": kind, "as_of": as_of.isoformat()})
        result = build_export.enqueue(export.pk)
        Export.objects.filter(pk=export.pk).update(task_id=str(result.id)[:64])
    export.refresh_from_db()
    return export


def _progress(export_id: int) -> RowProgress:
    """The writer's ``progress(done, total)``, written to the row sparingly."""
    return RowProgress(Export, export_id, PROGRESS_EVERY_ROWS)


def _writer(kind: str) -> Callable:
    writer = WRITERS[kind]
    return import_string(writer) if isinstance(writer, str) else writer


class ExportRunner(JobRunner):
    """Exports as background jobs (fundmgr.services.jobs runs and prunes them):
    the kind's writer, into a scratch file saved to the storage, for a requester
    who must still read the books; the file is kept ``EXPORT_RETENTION`` hours."""

    model = Export
    name = "export"
    worker_actor = WORKER_ACTOR
    prune_actor = PRUNE_ACTOR
    related = ("fund", "requested_by", "event")
    logger = logger

    storage_alias = STORAGE

    def check_requester(self, job: Export) -> None:
        require_role(job.requested_by, *KIND_ROLES[job.kind])

    def lost_role_message(self, job: Export) -> str:
        return _(
            "%(user)s no longer holds a role that may read the books; no workbook was written."
        ) % {"user": job.requested_by.get_username()}

    def work(self, job: Export, run: Run) -> Done:
        name = f"{job.fund.code}/{job.kind}-{job.as_of:%Y%m%d}-{job.pk}.xlsx"
        storage = self.storage()
        storage.exists(name)  # a storage that does not answer fails before the work
        # Written on this worker's disk (deleted by the runner whatever
        # happens), then saved whole: the storage never holds half a workbook
        # under a name a done row gives.
        temporary = run.scratch_file(suffix=".xlsx")
        more = {"event": job.event, "filters": job.filters} if job.event_id else {}
        _writer(job.kind)(job.fund, job.as_of, temporary, progress=run.progress, **more)
        size = temporary.stat().st_size
        file_name = save_local(storage, name, temporary)
        return Done(
            fields={"file_name": file_name, "size": size},
            audit={"file": file_name, "size": size},
        )

    def keep_for(self, job: Export) -> datetime.timedelta:
        return datetime.timedelta(hours=settings.EXPORT_RETENTION)

    def audit_data(self, job: Export) -> dict:
        return {"file": job.file_name} if job.file_name else {}


RUNNER = ExportRunner()


def build(export_id: int) -> str:
    """Build one export (called by the task); returns its final status.

    Running it twice is harmless: only a queued export is started."""
    return RUNNER.run(export_id)


def readable_file(export: Export, by, now: datetime.datetime | None = None) -> File:
    """The file a book reader may download, opened from the exports storage;
    any book reader may read any of a fund's exports (they read every fund's
    books), nobody else any."""
    require_role(by, *KIND_ROLES[export.kind])
    now = now or timezone.now()
    if export.status == Export.Status.EXPIRED or (
        export.status == Export.Status.DONE and export.expires_at <= now
    ):
        raise ExportGone
    if export.status != Export.Status.DONE:
        raise ExportMissing
    try:
        handle = exports_storage().open(export.file_name, "rb")
    except (FileNotFoundError, SuspiciousOperation):
        raise ExportMissing from None
    log_action(export, "export:downloaded", by)
    return handle


def prune_expired(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Delete expired files and mark their exports expired; mark exports whose
    worker vanished failed; delete files no export holds (half-written files
    of a killed worker) once they are old. Returns (expired, failed)."""
    pruned = RUNNER.prune(now)
    return pruned.expired, pruned.failed
