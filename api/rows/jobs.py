"""Rows of the caller's exports and imports (what api.serializers.exports
and .imports answer)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from api.rows import Rows, datetime_text
from api.serializers.exports import ExportSerializer
from api.serializers.imports import ImportSerializer
from api.services.imports import Outcome
from fundmgr.sentences import render
from reports.models import Export


def _progress(values: dict[str, Any]) -> dict[str, Any]:
    return {"done": values["progress_done"], "total": values["progress_total"]}


def _download(values: dict[str, Any]) -> str | None:
    return values["_download"]


def _error(values: dict[str, Any]) -> str:
    """Export.error_shown: why it failed, in the reader's language where it
    was kept by code, else as it was written."""
    kept = values["error_sentence"]
    return render(kept) if kept else values["error"]


_exports = Rows(
    ExportSerializer,
    written={"progress": _progress, "download": _download, "error": _error},
    reads=["progress_done", "progress_total", "error", "error_sentence"],
)


class Exports:
    """The caller's exports, each with its download link when it has one."""

    values = _exports.values
    values_of = _exports.values_of

    def __call__(self, page: list[dict[str, Any]], request) -> list[dict[str, Any]]:
        """ExportSerializer.get_download's link: a finished file not yet expired."""
        now = timezone.now()
        download = _link(request, "api-export-download")
        for values in page:
            ready = values["status"] == Export.Status.DONE and values["expires_at"] > now
            values["_download"] = download(values["id"]) if ready else None
        return _exports(page)


exports = Exports()


#: A number no id reaches, which a page's link is reversed with once.
_PLACEHOLDER = "987654321987654321"


def _link(request, name: str):
    """``id`` -> the absolute address of the detail ``name`` of that id: one
    ``reverse`` for a page, not one per row (a row's cost was mostly that)."""
    address = request.build_absolute_uri(reverse(name, args=[_PLACEHOLDER]))
    head, tail = address.rsplit(_PLACEHOLDER, 1)

    def link(pk: int) -> str:
        return f"{head}{pk}{tail}"

    return link


#: What ``imports`` reads of a job (and ``Outcome.of_job``, and the importers'
#: ``message`` and ``result_url`` of a finished job); ordered by requested_at.
IMPORT_COLUMNS = [
    "id",
    "kind",
    "status",
    "fund",
    "fund__code",
    "event",
    "event__code",
    "file_names",
    "summary",
    "problems",
    "error",
    "error_sentence",  # why it failed, by code (shown in the reader's language)
    "progress_done",
    "progress_total",
    "requested_at",
    "finished_at",
]


def _none_or(write, value):
    return None if value is None else write(value)


def imports(outcomes: list[Outcome], request) -> list[dict[str, Any]]:
    """ImportSerializer's answer for background jobs (each outcome has its job)."""
    summary = ImportSerializer().fields["summary"]
    url = _link(request, "api-import")
    zone = timezone.get_current_timezone()

    def moment(value):  # api.serializers.imports._iso
        return datetime_text(value, zone) if value else None

    rows = []
    for outcome in outcomes:
        job = outcome.job
        assert job is not None  # a list holds jobs only
        rows.append(
            {
                "id": job.pk,
                "url": url(job.pk),
                "kind": outcome.kind,
                "fund": outcome.fund.code if outcome.fund else None,
                "file_name": _none_or(str, outcome.file_name),
                "status": outcome.status,
                "progress": {"done": job.progress_done, "total": job.progress_total},
                "requested_at": moment(job.requested_at),
                "finished_at": moment(job.finished_at),
                "message": _none_or(str, outcome.message),
                "summary": _none_or(summary.to_representation, outcome.summary),
                "problems": _none_or(_problems, outcome.problems),
                "result_url": (
                    request.build_absolute_uri(outcome.result_url) if outcome.result_url else ""
                ),
            }
        )
    return rows


def _problems(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ProblemSerializer's answer for each problem."""
    return [
        {"line": _none_or(int, problem["line"]), "message": _none_or(str, problem["message"])}
        for problem in problems
    ]
