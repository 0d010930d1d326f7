"""The page of one background import: its progress while it waits or runs,
then its result or its problems by line. Thin: the work is in
fundmgr.services.imports and the task worker."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fundmgr.models import ImportJob
from fundmgr.roles import Role, has_role, role_required
from fundmgr.services import imports

#: Seconds between reloads of the page while a job is queued or running.
REFRESH_SECONDS = 3


# Anyone without an import role (or the auditor's) is refused before learning
# whether the job exists.
@role_required(*imports.ANY_IMPORT_ROLE, Role.AUDITOR)
@require_GET
@never_cache
def job_page(request, pk):
    job = get_object_or_404(
        ImportJob.objects.select_related("fund", "event", "requested_by"), pk=pk
    )
    # Only those who may make this kind of import see it (e.g. not a fund
    # officer a bank statement's), and the auditor, who reads every import;
    # every link on it stays in the job's fund or event.
    may_import = imports.may_import(request.user, job.kind)
    if not may_import and not has_role(request.user, Role.AUDITOR):
        imports.require_import_role(request.user, job.kind)
    response = render(
        request,
        "imports/job.html",
        {
            "job": job,
            "refresh_seconds": REFRESH_SECONDS,
            "can_upload": may_import,
            **imports.outcome(job),
        },
    )
    if job.in_progress:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response
