# ruff: noqa: F811 - fixtures imported from the importers' own tests are parameters here
"""A background import's problems by line, and why it failed, are kept by a
sentence's code and its values (fundmgr.sentences), not in the language of
whoever asked for it: a file a French officer uploaded reads in English for
the English officer or auditor, on the job's page and in the API (issue 15).
What the file said (a value, a reference) is kept as it was; problems kept
as text before this still show as they were."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from api.scopes import Scope
from fundmgr.models import AuditRecord, ImportJob
from fundmgr.services import imports
from tests.api.helpers import bearer, issue
from tests.test_bank_statements import make_pledge, write_statement  # noqa: F401 - fixture
from tests.test_import_jobs import (  # noqa: F401 - fixtures
    database_tasks,
    finance,
    imports_root,
    job_url,
    run_worker,
    upload_of,
)
from tests.test_pledge_register import GOOD
from tests.test_pledge_register import write_csv as write_register


def french(msgid: str, values: dict) -> str:
    with translation.override("fr"):
        return translation.gettext(msgid) % values


def asked_in_french(client, url: str, path) -> ImportJob:
    client.post(url, {"file": upload_of(path)}, HTTP_ACCEPT_LANGUAGE="fr")
    job = ImportJob.objects.get()
    assert job.language == "fr"
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    return job


def test_a_register_job_asked_in_french_keeps_its_problems_by_code_and_reads_in_english(
    client, fund, rates, finance, tmp_path, database_tasks
):
    bad = GOOD[:2] + [GOOD[2].replace("KWD", "ZZZ"), GOOD[0].replace("2019-03-10", "10/03/2019")]
    client.force_login(finance)
    url = reverse("finance-import-register", args=[fund.code])
    job = asked_in_french(client, url, write_register(tmp_path, bad))

    assert job.problems == [
        {"line": 4, "message": {"code": "import.unknown-currency", "params": {"code": "ZZZ"}}},
        {"line": 5, "message": {"code": "import.not-a-date", "params": {"value": "10/03/2019"}}},
    ]
    with translation.override("en"):
        english = job.problems_shown
        error = job.error_shown
    assert english == [
        {"line": 4, "message": "unknown currency “ZZZ”"},
        {"line": 5, "message": "“10/03/2019” is not a date in the form YYYY-MM-DD"},
    ]
    assert error == "register.csv was not imported; nothing was saved."
    with translation.override("fr"):
        assert job.problems_shown[0]["message"] == french(
            "unknown currency “%(code)s”", {"code": "ZZZ"}
        )
    assert job.error_sentence == {"code": "import.not-imported", "params": {"name": "register.csv"}}
    failed = AuditRecord.objects.get(action="import:failed")
    assert failed.reason == "register.csv was not imported; nothing was saved."
    assert failed.data["why"] == job.error_sentence

    # The job's page and the API, read by an English reader.
    page = client.get(job_url(job), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<td>unknown currency “ZZZ”</td>" in page
    assert "register.csv was not imported; nothing was saved." in page
    api = bearer(issue(finance, [Scope.IMPORT_FILES]))
    answer = api.get(f"/api/v1/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert answer["problems"][0] == {"line": 4, "message": "unknown currency “ZZZ”"}
    assert answer["message"] == "register.csv was not imported; nothing was saved."
    listed = api.get("/api/v1/imports/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert listed[0]["problems"][1]["message"] == (
        "“10/03/2019” is not a date in the form YYYY-MM-DD"
    )


def test_a_statement_lines_several_problems_are_each_kept_by_code(
    client, fund, finance, make_pledge, tmp_path, database_tasks
):
    pledge = make_pledge("1000")
    rows = [("2019-03-20", "1000.00", "EUR", pledge.reference, "ACME", "B0")]
    rows += [("2019-03-21", "5.00", "EUR", "ref", "Someone", f"B{n}") for n in range(1, 10)]
    rows.insert(2, ("21/03/2019", "5.00", "ZZZ", "ref", "Someone", "BAD1"))
    client.force_login(finance)
    url = reverse("finance-import-statement", args=[fund.code])
    job = asked_in_french(client, url, write_statement(tmp_path, rows))

    (problem,) = job.problems
    assert problem["message"]["code"] == "import.several"
    with translation.override("en"):
        (shown,) = job.problems_shown
    assert shown == {
        "line": 4,
        "message": "“21/03/2019” is not a date in the form YYYY-MM-DD; unknown currency “ZZZ”",
    }
    with translation.override("fr"):
        (in_french,) = job.problems_shown
    assert french("unknown currency “%(code)s”", {"code": "ZZZ"}) in in_french["message"]


def test_problems_kept_as_text_before_still_show_as_they_were(fund, finance):
    job = ImportJob(
        kind=ImportJob.Kind.PLEDGE_REGISTER,
        fund=fund,
        requested_by=finance,
        status=ImportJob.Status.FAILED,
        error="register.csv n’a pas été importé ; aucune donnée n’a été enregistrée.",
        problems=[{"line": 4, "message": "monnaie inconnue « ZZZ »"}],
    )
    with translation.override("en"):
        assert job.problems_shown == [{"line": 4, "message": "monnaie inconnue « ZZZ »"}]
        assert job.error_shown == job.error


def test_a_job_whose_worker_vanished_says_so_in_the_readers_language(fund, finance, database_tasks):
    with translation.override("fr"):
        job = imports.request_import(
            ImportJob.Kind.PLEDGE_REGISTER,
            [SimpleUploadedFile("register.csv", b"x")],
            fund=fund,
            by=finance,
        )
    later = timezone.now() + ImportJob.STALE_AFTER + datetime.timedelta(minutes=1)
    with translation.override("fr"):
        imports.prune(later)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error_sentence == {"code": "job.worker-did-not-finish", "params": {}}
    with translation.override("en"):
        assert job.error_shown == "The background worker did not finish it."
