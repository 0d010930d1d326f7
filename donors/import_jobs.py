"""The donors' imports as background jobs (fundmgr.services.imports): how a
bank statement or a pledge register is run from its stored file, and how its
result is told (the same sentence the synchronous upload shows) and linked
(always within the job's own fund)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from donors.services.bank_statements import StatementImportResult, import_bank_statement
from donors.services.pledge_register import (
    PledgeImportResult,
    donor_differs_message,
    import_pledge_register,
)
from fundmgr.links import Link
from fundmgr.models import ImportJob
from fundmgr.services.imports import Importer, Progress

# A bank statement ------------------------------------------------------------


def statement_summary(result: StatementImportResult) -> dict:
    summary = {
        "statement": result.statement.pk,
        "matched": result.matched,
        "already": result.already_imported,
        "unmatched": result.unmatched,
        "discarded": result.discarded,
        "errors": result.errors,
    }
    if result.skipped:  # a bank's entries not booked yet (CAMT.053 pending)
        summary["skipped"] = len(result.skipped)
    return summary


def statement_message(name: str, summary: Mapping) -> str:
    counts = _(
        "%(name)s: %(matched)d matched, %(already)d already imported, "
        "%(unmatched)d waiting for a person, %(discarded)d discarded, %(errors)d errors."
    ) % {**summary, "name": name}
    if not summary.get("skipped"):
        return counts
    skipped = ngettext(
        "%(count)d entry not booked yet (pending) was not imported.",
        "%(count)d entries not booked yet (pending) were not imported.",
        summary["skipped"],
    ) % {"count": summary["skipped"]}
    return f"{counts} {skipped}"


def _run_statement(job: ImportJob, paths: list[Path], progress: Progress) -> dict:
    (path,) = paths
    result = import_bank_statement(
        path, job.fund, job.requested_by, name=job.file_name, progress=progress
    )
    return statement_summary(result)


BANK_STATEMENT = Importer(
    run=_run_statement,
    message=statement_message,
    result_url=Link(
        "finance-statement",
        code=lambda job: job.fund.code,
        pk=lambda job: job.summary["statement"],
    ),
    upload_url=lambda job: reverse("finance-import-statement", args=[job.fund.code]),
)

# A pledge register -----------------------------------------------------------


def register_summary(result: PledgeImportResult) -> dict:
    summary = {"created": result.created, "already": result.already}
    if result.donors_differ:
        summary["donors_differ"] = [item.as_dict() for item in result.donors_differ]
    return summary


def register_message(name: str, summary: Mapping) -> str:
    counts = _("%(name)s: %(created)d pledges recorded, %(already)d already recorded.") % {
        **summary,
        "name": name,
    }
    # Donors found by e-mail under another name: told by line (issue 10).
    return " ".join(
        [counts, *(donor_differs_message(item) for item in summary.get("donors_differ", ()))]
    )


def _run_register(job: ImportJob, paths: list[Path], progress: Progress) -> dict:
    (path,) = paths
    result = import_pledge_register(
        path, job.fund, job.requested_by, name=job.file_name, progress=progress
    )
    return register_summary(result)


PLEDGE_REGISTER = Importer(
    run=_run_register,
    message=register_message,
    result_url=Link("finance-register", code=lambda job: job.fund.code),
    upload_url=lambda job: reverse("finance-import-register", args=[job.fund.code]),
)
