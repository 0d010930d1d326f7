"""Nominations imported as a background job (fundmgr.services.imports): the
sheet and the ZIP of notes verbales run from their stored files, the result
told as the synchronous upload tells it and linked to the job's own event."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fundmgr.links import Link
from fundmgr.models import ImportJob
from fundmgr.services.imports import Importer, Progress
from fundmgr.tabular import FileRejected
from grants.services.nomination_import import ImportResult, ZipDocuments, import_nominations


def nominations_summary(result: ImportResult) -> dict:
    references = result.references
    return {
        "created": result.created,
        "quotes": result.quotes,
        "first": references[0] if references else "",
        "last": references[-1] if references else "",
    }


def nominations_message(name: str, summary: Mapping) -> str:
    return _("%(name)s: %(count)d nominations submitted, %(quotes)d with an airfare quote.") % {
        "name": name,
        "count": summary["created"],
        "quotes": summary["quotes"],
    }


def _run(job: ImportJob, paths: list[Path], progress: Progress) -> dict:
    sheet, bundle = paths
    try:
        documents = ZipDocuments(bundle)
    except FileRejected as rejected:
        rejected.name = job.file_names[1]  # the ZIP's own name, not where it waits
        raise
    try:
        result = import_nominations(
            sheet,
            job.event,
            job.requested_by,
            documents=documents,
            name=job.file_name,
            # The deadline is judged on the day the file was uploaded, not run.
            today=timezone.localdate(job.requested_at),
            progress=progress,
        )
    finally:
        documents.zip.close()
    return nominations_summary(result)


NOMINATIONS = Importer(
    run=_run,
    message=nominations_message,
    result_url=Link("grants-nominations", code=lambda job: job.event.code),
    upload_url=lambda job: reverse("grants-import-nominations", kwargs={"code": job.event.code}),
)
