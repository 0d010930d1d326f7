"""A malformed file large enough to be imported by the background worker
ends its job failed, with the message the page would have shown, its upload
deleted, the task itself successful (a refused file is not a crash), and
nothing saved. Uses the worker as tests/test_import_jobs.py does."""

# ruff: noqa: F811 - fixtures imported from other tests are parameters here

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from donors.services.bank_statements import COLUMNS as STATEMENT_COLUMNS
from donors.services.pledge_register import COLUMNS as REGISTER_COLUMNS
from fundmgr.models import ImportJob
from fundmgr.roles import Role
from fundmgr.services import imports
from grants.services.nomination_import import COLUMNS as NOMINATION_COLUMNS
from tests.grants.conftest import PDF, event, officer  # noqa: F401 - fixtures
from tests.test_import_jobs import database_tasks, imports_root, run_worker  # noqa: F401

from .files import csv_bytes, with_a_bad_crc, xlsx_with_a_far_cell, zip_of
from .test_import_refusals import NOMINATION_ROW, REGISTER_ROW, STATEMENT_ROW, saved

#: Each larger than the test's IMPORT_INLINE_MAX_BYTES (200): imported in the background.
BAD_FILES = {
    "a CSV renamed .xlsx": (
        lambda header, row: csv_bytes(header, *[row] * 10),
        "not an XLSX workbook",
    ),
    "a cell at XFD1048576": (xlsx_with_a_far_cell, "delete the unused rows and columns"),
    "a header alone": (lambda header, row: csv_bytes(header) + b"\n" * 300, "no rows under it"),
}


def finished(job: ImportJob) -> ImportJob:
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert job.stored_files == []
    return job


@pytest.mark.parametrize("kind", ["statement", "register"])
@pytest.mark.parametrize("build,message", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_malformed_file_fails_its_background_job_with_the_message(
    client, fund, rates, make_user, database_tasks, imports_root, kind, build, message
):
    client.force_login(make_user("bg-finance", Role.FINANCE_OFFICER))
    header, row, url = {
        "statement": (STATEMENT_COLUMNS, STATEMENT_ROW, "finance-import-statement"),
        "register": (REGISTER_COLUMNS, REGISTER_ROW, "finance-import-register"),
    }[kind]
    content = build(header, row)
    name = "file.csv" if message == "no rows under it" else "file.xlsx"
    before = saved()

    response = client.post(
        reverse(url, args=[fund.code]), {"file": SimpleUploadedFile(name, content)}
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    job = finished(job)
    shown = " ".join([job.error_shown, *(problem["message"] for problem in job.problems_shown)])
    assert "nothing was saved" in shown and message in shown
    assert saved() == before
    assert message in client.get(f"/imports/{job.pk}/").content.decode()


def test_nominations_with_a_corrupt_note_fail_their_background_job_by_line(
    event, officer, database_tasks, imports_root
):
    event.nomination_deadline = None
    event.save()
    sheet = SimpleUploadedFile("n.csv", csv_bytes(NOMINATION_COLUMNS, NOMINATION_ROW))
    notes = SimpleUploadedFile("notes.zip", with_a_bad_crc(zip_of({"np.pdf": PDF}), "np.pdf"))
    before = saved()

    job = imports.request_import(
        ImportJob.Kind.NOMINATIONS, [sheet, notes], event=event, by=officer
    )

    job = finished(job)
    assert [problem["line"] for problem in job.problems] == [2]
    assert "cannot be read from the ZIP file" in job.problems_shown[0]["message"]
    assert saved() == before
