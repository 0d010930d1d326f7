"""Imports through the API: the very importers the upload pages and the
management commands call, with each kind's page roles, and the pages'
choice between importing inside the request (a file of at most
``IMPORT_INLINE_MAX_BYTES``; UN rates always) and a background job
(fundmgr.services.imports). Nothing here checks a file or decides a line:
the importers do, so a file refused, or sent twice, is answered as the
pages and commands answer it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from api import sentences
from donors.import_jobs import (
    register_message,
    register_summary,
    statement_message,
    statement_summary,
)
from donors.services.bank_statements import import_bank_statement
from donors.services.pledge_register import import_pledge_register
from fundmgr.models import Fund, ImportJob
from fundmgr.roles import has_role
from fundmgr.sentences import Sentence
from fundmgr.services import imports
from fundmgr.services.audit import Actor
from fundmgr.services.rate_corrections import RATE_KEEPERS
from fundmgr.services.rate_import import (
    anchor_rows_skipped,
    import_exchange_rates,
    rates_imported,
    rates_replaced,
)

EXCHANGE_RATES = "exchange-rates"
PLEDGE_REGISTER = "pledge-register"
BANK_STATEMENT = "bank-statement"
#: The kinds the API imports, in the API's spelling.
KINDS = (EXCHANGE_RATES, PLEDGE_REGISTER, BANK_STATEMENT)

#: The background job's kind of each (UN rates are never a job: a few hundred
#: lines, docs/background-jobs.md).
JOB_KINDS: dict[str, str] = {
    PLEDGE_REGISTER: ImportJob.Kind.PLEDGE_REGISTER,
    BANK_STATEMENT: ImportJob.Kind.BANK_STATEMENT,
}
#: A job's kind as the API spells it (nominations, made on their page, too).
API_KIND: dict[str, str] = {
    ImportJob.Kind.PLEDGE_REGISTER: PLEDGE_REGISTER,
    ImportJob.Kind.BANK_STATEMENT: BANK_STATEMENT,
    ImportJob.Kind.NOMINATIONS: "nominations",
}

#: Who may import each kind: the roles of its upload page.
ROLES: dict[str, tuple[str, ...]] = {
    EXCHANGE_RATES: RATE_KEEPERS,
    PLEDGE_REGISTER: imports.ROLES[ImportJob.Kind.PLEDGE_REGISTER],
    BANK_STATEMENT: imports.ROLES[ImportJob.Kind.BANK_STATEMENT],
}

#: The kinds imported into a fund.
IN_A_FUND = frozenset(JOB_KINDS)


def may_import(user, kind: str) -> bool:
    return has_role(user, *ROLES[kind])


def require_kind_role(user, kind: str) -> None:
    if not may_import(user, kind):
        raise PermissionDenied(Sentence(sentences.MAY_NOT_IMPORT_KIND, {"kind": kind}))


def may_see(user, job: ImportJob) -> bool:
    """The owner, and whoever may make this kind of import, as on its page
    (the auditor, whom the page admits too, holds no token for imports)."""
    return job.requested_by_id == user.pk or imports.may_import(user, job.kind)


@dataclass
class Outcome:
    """What the API answers of an import: finished in the request (``job``
    None), or a background job to poll."""

    kind: str
    file_name: str
    fund: Fund | None
    status: str = ImportJob.Status.DONE
    summary: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    result_url: str = ""
    problems: list[dict[str, Any]] = field(default_factory=list)
    job: ImportJob | None = None
    #: False when the same upload's job was already waiting or running.
    new_job: bool = True

    @classmethod
    def of_job(
        cls, job: ImportJob, *, new_job: bool = True, links: imports.ResultLinks | None = None
    ) -> Outcome:
        """``links``: a list's (each kind's result address made once)."""
        message, result_url = imports.finished(job, links)
        return cls(
            kind=API_KIND[job.kind],
            file_name=job.file_name,
            fund=job.fund,
            status=job.status,
            summary=job.summary,
            message=message or job.error_shown,
            result_url=result_url,
            problems=job.problems_shown,
            job=job,
            new_job=new_job,
        )


def import_file(
    kind: str, upload, *, by: Actor, fund: Fund | None = None, illustrative: bool = False
) -> Outcome:
    """Import ``upload`` as the pages do: a ``FileRejected`` (a bad row: nothing
    saved) is the caller's to answer; the same file again records nothing
    twice (the importers are idempotent; an upload whose job still waits or
    runs is that job)."""
    require_kind_role(by, kind)
    name = upload.name
    if kind == EXCHANGE_RATES:
        rates = import_exchange_rates(upload, by, name=name, illustrative=illustrative)
        told = [rates_imported(name, rates)]
        if rates.replaced:
            told.append(rates_replaced(rates.replaced))
        if rates.skipped:
            told.append(anchor_rows_skipped(rates.skipped))
        return Outcome(
            kind=kind,
            file_name=name,
            fund=None,
            summary={
                "created": rates.created,
                "unchanged": rates.unchanged,
                "replaced": rates.replaced,
                "skipped": rates.skipped,
            },
            message=" ".join(told),
            result_url=reverse("exchange-rates"),
        )
    assert fund is not None  # the serializer requires it for these kinds
    if not imports.runs_inline(upload):
        job, new_job = imports.request_import_once(JOB_KINDS[kind], [upload], fund=fund, by=by)
        return Outcome.of_job(job, new_job=new_job)
    if kind == BANK_STATEMENT:
        statement = import_bank_statement(upload, fund, by, name=name)
        summary = statement_summary(statement)
        return Outcome(
            kind=kind,
            file_name=name,
            fund=fund,
            summary=summary,
            message=statement_message(name, summary),
            result_url=reverse(
                "finance-statement", kwargs={"code": fund.code, "pk": statement.statement.pk}
            ),
        )
    summary = register_summary(import_pledge_register(upload, fund, by, name=name))
    return Outcome(
        kind=kind,
        file_name=name,
        fund=fund,
        summary=summary,
        message=register_message(name, summary),
        result_url=reverse("finance-register", args=[fund.code]),
    )
