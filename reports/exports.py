"""Background exports: a book reader asks for a workbook, the task worker
builds it (reports.tasks.build_export) with its progress on the row, and the
file waits under ``settings.EXPORTS_ROOT`` until it expires.

The folder is outside the web root and outside MEDIA_ROOT, so the only way to
a file is the download view, which checks the reader's role. A file is
written under a temporary name and renamed into place, so a half-written
workbook is never offered. ``prune_expired`` (``manage.py prune_exports``,
from cron) deletes what has expired.
"""

from __future__ import annotations

import datetime
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from fundmgr.models import Fund
from fundmgr.private_files import private_folder
from fundmgr.progress import EVERY_ROWS, SparseProgress
from fundmgr.roles import BOOK_READERS, require_role
from fundmgr.services.audit import log_action
from reports.models import Export

logger = logging.getLogger(__name__)

#: The actor the audit trail names for what the worker and cron do.
WORKER_ACTOR = "export-worker"
PRUNE_ACTOR = "prune-exports"

#: What builds each kind of export: ``writer(fund, as_of, destination, *, progress=None)``,
#: a dotted path (resolved when the task runs) or a callable.
WRITERS: dict[str, str | Callable] = {
    Export.Kind.RECONCILIATION: "reports.workbook.write_reconciliation_workbook",
}

#: The row is updated when a sheet ends (``total`` changes or ``done`` reaches
#: it) and otherwise at most every this many rows, or every hundredth of the
#: total if that is more: a few dozen cheap UPDATEs, not one per row.
PROGRESS_EVERY_ROWS = EVERY_ROWS

#: An export still queued or running this long after it was asked for has lost
#: its worker (stopped, killed): prune marks it failed so the page stops waiting.
STALE_AFTER = datetime.timedelta(hours=6)


class ExportError(Exception):
    """The request cannot be accepted; the message is for the user."""


class ExportGone(Exception):
    """The export expired: its file was, or is about to be, deleted."""


class ExportMissing(Exception):
    """The export is not ready, or its file is not where it should be."""


def exports_root() -> Path:
    """The exports folder, refused if the web server could serve it."""
    return private_folder("EXPORTS_ROOT", "exports are only ever sent by the download view")


def request_export(
    fund: Fund, as_of: datetime.date, by, kind: str = Export.Kind.RECONCILIATION
) -> Export:
    """Record a book reader's request and enqueue its building."""
    require_role(by, *BOOK_READERS)
    if not isinstance(as_of, datetime.date) or isinstance(as_of, datetime.datetime):
        raise ExportError(_("Give the date the workbook is as of."))
    if as_of > timezone.localdate():
        raise ExportError(
            _("%(date)s is in the future: a workbook can only be as of today or earlier.")
            % {"date": as_of.isoformat()}
        )
    if kind not in WRITERS:
        raise ExportError(_("This kind of export does not exist."))
    from reports.tasks import build_export

    # The row and its task are written in one transaction: the worker never
    # sees a task without its row, nor a row that no task will build.
    with transaction.atomic():
        export = Export.objects.create(fund=fund, kind=kind, as_of=as_of, requested_by=by)
        log_action(export, "export:requested", by, data={"kind": kind, "as_of": as_of.isoformat()})
        result = build_export.enqueue(export.pk)
        Export.objects.filter(pk=export.pk).update(task_id=str(result.id)[:64])
    export.refresh_from_db()
    return export


def _progress(export_id: int) -> SparseProgress:
    """The writer's ``progress(done, total)``, written to the row sparingly."""

    def write(done: int, total: int) -> None:
        Export.objects.filter(pk=export_id).update(progress_done=done, progress_total=total)

    return SparseProgress(write, PROGRESS_EVERY_ROWS)


def _writer(kind: str) -> Callable:
    writer = WRITERS[kind]
    return import_string(writer) if isinstance(writer, str) else writer


def build(export_id: int) -> str:
    """Build one export (called by the task); returns its final status.

    Running it twice is harmless: only a queued export is started."""
    with transaction.atomic():
        export = Export.objects.select_for_update().select_related("fund").get(pk=export_id)
        if export.status != Export.Status.QUEUED:
            return export.status
        export.status = Export.Status.RUNNING
        export.started_at = timezone.now()
        export.save(update_fields=["status", "started_at"])
        log_action(export, "export:started", WORKER_ACTOR)

    relative = Path(export.fund.code) / f"{export.kind}-{export.as_of:%Y%m%d}-{export.pk}.xlsx"
    temporary = None
    try:
        final = exports_root() / relative
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        # Same folder as the final name, so the rename is atomic.
        handle, temporary = tempfile.mkstemp(dir=final.parent, prefix=".", suffix=".part")
        os.close(handle)
        _writer(export.kind)(export.fund, export.as_of, temporary, progress=_progress(export.pk))
        os.replace(temporary, final)
        temporary = None
    except Exception as error:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        logger.exception("export %s (%s) failed", export.pk, export)
        message = str(error) or type(error).__name__
        with transaction.atomic():
            Export.objects.filter(pk=export.pk).update(
                status=Export.Status.FAILED, error=message[:2000], finished_at=timezone.now()
            )
            log_action(export, "export:failed", WORKER_ACTOR, message[:300])
        raise

    now = timezone.now()
    with transaction.atomic():
        export.refresh_from_db(fields=["progress_done", "progress_total"])
        export.status = Export.Status.DONE
        export.file_name = relative.as_posix()
        export.size = final.stat().st_size
        export.finished_at = now
        export.expires_at = now + datetime.timedelta(hours=settings.EXPORT_RETENTION)
        # However the writer counted, a finished export shows a full bar.
        export.progress_total = max(export.progress_total, 1)
        export.progress_done = export.progress_total
        export.save()
        log_action(
            export,
            "export:done",
            WORKER_ACTOR,
            data={"file": export.file_name, "size": export.size},
        )
    return export.status


def readable_file(export: Export, by, now: datetime.datetime | None = None) -> Path:
    """The file a book reader may download; any book reader may read any of a
    fund's exports (they read every fund's books), nobody else any."""
    require_role(by, *BOOK_READERS)
    now = now or timezone.now()
    if export.status == Export.Status.EXPIRED or (
        export.status == Export.Status.DONE and export.expires_at <= now
    ):
        raise ExportGone
    if export.status != Export.Status.DONE:
        raise ExportMissing
    root = exports_root()
    path = (root / export.file_name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ExportMissing
    log_action(export, "export:downloaded", by)
    return path


def prune_expired(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Delete expired files and mark their exports expired; mark exports whose
    worker vanished failed. Returns (expired, failed)."""
    now = now or timezone.now()
    root = exports_root()
    expired = 0
    for export_id in Export.objects.filter(
        status=Export.Status.DONE, expires_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            export = Export.objects.select_for_update().get(pk=export_id)
            if export.status != Export.Status.DONE:
                continue
            path = (root / export.file_name).resolve()
            if path.is_relative_to(root):
                path.unlink(missing_ok=True)
            log_action(export, "export:expired", PRUNE_ACTOR, data={"file": export.file_name})
            export.status = Export.Status.EXPIRED
            export.file_name = ""
            export.save(update_fields=["status", "file_name"])
            expired += 1
    failed = 0
    for export in Export.objects.in_progress().filter(requested_at__lte=now - STALE_AFTER):
        with transaction.atomic():
            changed = (
                Export.objects.in_progress()
                .filter(pk=export.pk)
                .update(
                    status=Export.Status.FAILED,
                    error=_("The background worker did not finish it."),
                    finished_at=now,
                )
            )
            if changed:
                log_action(export, "export:failed", PRUNE_ACTOR, "worker did not finish")
                failed += changed
    # Half-written files of a worker killed mid-export.
    for part in root.glob("*/.*.part"):
        modified = datetime.datetime.fromtimestamp(part.stat().st_mtime, tz=datetime.UTC)
        if modified <= now - STALE_AFTER:
            part.unlink(missing_ok=True)
    return expired, failed
