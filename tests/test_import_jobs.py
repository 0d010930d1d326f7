# ruff: noqa: F811 - fixtures imported from the importers' own tests are parameters here
"""Background imports: a small upload is imported in the request as before; a
larger one is stored outside the web root, becomes an ImportJob and is
imported by the task worker with its progress on the row, then its upload is
deleted. A refused file fails the job with its problems by line and saves
nothing; the same file twice records nothing twice; only those who may make
a kind of import see its jobs.

The worker runs here, in this process and this test's transaction (``db_worker
--batch``), with the database task backend, as tests/reports/test_exports.py
does; the files are built with the importers' own test helpers."""

from __future__ import annotations

import datetime
import io
import os
import zipfile
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.tasks.exceptions import InvalidTask
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from donors.models import BankLine, BankStatement, Donor, Pledge, Receipt
from donors.services.bank_statements import import_bank_statement
from fundmgr import settings as project_settings
from fundmgr.models import AuditRecord, ImportJob, JournalEntry
from fundmgr.roles import Role
from fundmgr.services import imports
from grants.models import Grant
from tests.conftest import DATABASE_TASKS
from tests.grants.conftest import PDF, event  # noqa: F401 - a fixture
from tests.grants.test_nomination_import import row
from tests.grants.test_nomination_import import write_csv as write_nominations
from tests.test_bank_statements import make_pledge, write_statement  # noqa: F401 - fixture
from tests.test_pledge_register import GOOD
from tests.test_pledge_register import write_csv as write_register

#: Small enough that the test files go to the background.
THRESHOLD = 200
LINES = 1200  # more than the importers' PROGRESS_EVERY, so progress is counted on the way


@pytest.fixture
def imports_root(settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "imports"
    settings.STATIC_ROOT = tmp_path / "static"
    return settings.IMPORTS_ROOT


@pytest.fixture
def database_tasks(settings, monkeypatch, imports_root):
    settings.TASKS = DATABASE_TASKS
    settings.IMPORT_INLINE_MAX_BYTES = THRESHOLD
    # The worker checks its connection between tasks; inside a test's
    # transaction that would drop it.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def run_worker(queue_name: str = "imports") -> None:
    """What the worker of that queue does (Procfile, deploy/systemd): every task waiting there."""
    call_command(
        "db_worker",
        queue_name=queue_name,
        batch=True,
        reload=False,
        startup_delay=False,
        interval=0,
        verbosity=0,
    )


@pytest.fixture
def finance(make_user):
    return make_user("import-finance", Role.FINANCE_OFFICER)


@pytest.fixture
def officer(make_user):
    return make_user("import-officer", Role.FUND_OFFICER)


@pytest.fixture
def donor(make_user):
    return make_user("import-donor", Role.DONOR)


@pytest.fixture
def open_event(event):
    """The deadline is judged on the day of upload: an event without one."""
    event.nomination_deadline = None
    event.save()
    return event


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def actions_of(job: ImportJob) -> list[str]:
    return list(
        AuditRecord.objects.filter(
            target_type=ContentType.objects.get_for_model(ImportJob), target_id=str(job.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


def upload_of(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def big_statement(tmp_path, pledge, name="statement.csv") -> Path:
    """One line paying ``pledge``, then LINES - 1 lines nobody's (unmatched)."""
    rows = [("2019-03-20", "1000.00", "EUR", pledge.reference, "ACME", "B0")]
    rows += [
        ("2019-03-21", f"{n}.00", "EUR", "no reference", "Someone", f"B{n}")
        for n in range(1, LINES)
    ]
    return write_statement(tmp_path, rows, name)


def job_url(job: ImportJob) -> str:
    return reverse("import-job", args=[job.pk])


# Inline below the threshold ---------------------------------------------------------


def test_a_small_statement_is_still_imported_in_the_request_with_the_same_message(
    client, fund, finance, make_pledge, tmp_path, imports_root
):
    pledge = make_pledge("1000")
    path = write_statement(
        tmp_path, [("2019-03-20", "1000.00", "EUR", pledge.reference, "ACME", "B1")]
    )
    assert path.stat().st_size <= project_settings.IMPORT_INLINE_MAX_BYTES
    client.force_login(finance)
    response = client.post(
        reverse("finance-import-statement", args=[fund.code]), {"file": upload_of(path)}
    )
    statement = BankStatement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("finance-statement", args=[fund.code, statement.pk])
    page = client.get(response["Location"]).content.decode()
    assert "statement.csv: 1 matched, 0 already imported, 0 waiting for a person" in page
    assert not ImportJob.objects.exists() and files_under(imports_root) == []


def test_the_pledge_register_upload_page_opens_and_lists_the_funds_recent_jobs(
    client, fund, finance, database_tasks, tmp_path
):
    client.force_login(finance)
    url = reverse("finance-import-register", args=[fund.code])
    response = client.get(url)
    assert response.status_code == 200
    assert "Import a pledge register" in response.content.decode()
    job = imports.request_import(
        ImportJob.Kind.PLEDGE_REGISTER,
        [upload_of(write_register(tmp_path, GOOD))],
        fund=fund,
        by=finance,
    )
    assert job_url(job) in client.get(url).content.decode()


# A bank statement in the background -------------------------------------------------


def test_a_large_statement_is_imported_by_the_worker_to_a_full_bar_and_links_to_its_statement(
    client, fund, finance, make_pledge, tmp_path, database_tasks, imports_root
):
    pledge = make_pledge("1000")
    client.force_login(finance)
    response = client.post(
        reverse("finance-import-statement", args=[fund.code]),
        {"file": upload_of(big_statement(tmp_path, pledge))},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job_url(job)
    assert (job.status, job.kind, job.fund, job.requested_by) == (
        "queued",
        "bank_statement",
        fund,
        finance,
    )
    assert job.file_names == ["statement.csv"]
    task = DBTaskResult.objects.get()
    assert task.task_path == "fundmgr.tasks.run_import_job" and job.task_id == str(task.id)
    stored = imports_root / job.stored_files[0]
    assert files_under(imports_root) == [stored] and stored.name != "statement.csv"
    assert not BankStatement.objects.exists()  # nothing imported inside the request

    waiting = client.get(job_url(job))
    assert waiting.status_code == 200 and waiting["Refresh"] == "3"
    assert b'<progress aria-label="Progress"></progress>' in waiting.content  # no count yet

    run_worker()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    assert job.progress_done == job.progress_total == LINES
    statement = BankStatement.objects.get()
    assert job.summary == {
        "statement": statement.pk,
        "matched": 1,
        "already": 0,
        "unmatched": LINES - 1,
        "discarded": 0,
        "errors": 0,
    }
    assert statement.fund == fund and statement.file_name == "statement.csv"
    assert Receipt.objects.get().pledge == pledge
    assert files_under(imports_root) == [] and job.stored_files == []  # the upload is gone
    assert job.started_at <= job.finished_at
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert actions_of(job) == ["import:requested", "import:started", "import:done"]

    done = client.get(job_url(job))
    assert "Refresh" not in done and b"<progress" not in done.content
    text = done.content.decode()
    assert (
        f"statement.csv: 1 matched, 0 already imported, {LINES - 1} waiting for a person, "
        "0 discarded, 0 errors." in text
    )
    assert f'href="{reverse("finance-statement", args=[fund.code, statement.pk])}"' in text


def test_the_statement_importer_reports_checking_then_saving_every_few_hundred_lines(
    fund, finance, make_pledge, tmp_path
):
    calls: list[tuple[int, int]] = []
    path = big_statement(tmp_path, make_pledge("1000"))
    import_bank_statement(path, fund, finance, progress=lambda *at: calls.append(at))
    checking = [call for call in calls if call[1] == 0]
    assert checking == [(500, 0), (1000, 0), (LINES, 0)]
    saving = calls[len(checking) :]
    assert saving[0] == (LINES - 1, LINES) and saving[-1] == (LINES, LINES)
    assert len(calls) < 10


def test_progress_reaches_the_row_a_few_times_not_once_per_row(fund, finance):
    job = ImportJob.objects.create(
        kind="bank_statement", fund=fund, requested_by=finance, fingerprint="x" * 64
    )
    progress = imports._Progress(job.pk)
    with CaptureQueriesContext(connection) as queries:
        for done in range(1, LINES + 1):
            progress(done, 0)  # checking, row by row: total not known yet
        for done in range(1, LINES + 1):
            progress(done, LINES)  # saving
    # checking: first row, every 500 rows; saving: its start, every 500, its end
    assert len(queries) == 7
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total) == (LINES, LINES)


def test_a_rejected_statement_fails_the_job_with_its_problems_by_line_and_saves_nothing(
    client, fund, finance, make_pledge, tmp_path, database_tasks, imports_root
):
    pledge = make_pledge("1000")
    rows = [("2019-03-20", "1000.00", "EUR", pledge.reference, "ACME", "B0")]
    rows += [("2019-03-21", "5.00", "EUR", "ref", "Someone", f"B{n}") for n in range(1, 10)]
    rows.insert(2, ("21/03/2019", "5.00", "EUR", "ref", "Someone", "BAD1"))
    rows.insert(5, ("2019-03-21", "5.00", "ZZZ", "ref", "Someone", "BAD2"))
    path = write_statement(tmp_path, rows)
    client.force_login(finance)
    client.post(reverse("finance-import-statement", args=[fund.code]), {"file": upload_of(path)})
    run_worker()

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert job.error == "statement.csv was not imported; nothing was saved."
    assert [problem["line"] for problem in job.problems] == [4, 7]
    assert "is not a date in the form YYYY-MM-DD" in job.problems_shown[0]["message"]
    assert "unknown currency" in job.problems_shown[1]["message"]
    assert (BankStatement.objects.count(), BankLine.objects.count(), Receipt.objects.count()) == (
        0,
        0,
        0,
    )
    assert files_under(imports_root) == [] and job.finished_at is not None
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"  # a refused file is not a crash
    assert actions_of(job)[-1] == "import:failed"

    shown = client.get(job_url(job), HTTP_ACCEPT_LANGUAGE="en")
    page = shown.content.decode()
    assert "nothing was saved" in page
    assert "<td>4</td>" in page and "<td>7</td>" in page
    from tests.accessible import error_focused

    error_focused(shown, "page-error")  # said at once: focused, "Error: " in the title
    assert reverse("finance-import-statement", args=[fund.code]) in page


def test_running_a_finished_job_again_changes_nothing(
    fund, finance, make_pledge, tmp_path, database_tasks
):
    path = big_statement(tmp_path, make_pledge("1000"))
    job = imports.request_import(
        ImportJob.Kind.BANK_STATEMENT, [upload_of(path)], fund=fund, by=finance
    )
    run_worker()
    before = (BankStatement.objects.count(), BankLine.objects.count(), Receipt.objects.count())
    assert imports.run_import(job.pk) == ImportJob.Status.DONE
    assert (
        BankStatement.objects.count(),
        BankLine.objects.count(),
        Receipt.objects.count(),
    ) == before
    assert actions_of(job).count("import:started") == 1


def test_a_double_submitted_statement_is_one_job_and_a_later_job_of_it_records_nothing_twice(
    client, fund, finance, make_pledge, tmp_path, database_tasks, imports_root
):
    path = big_statement(tmp_path, make_pledge("1000"))
    client.force_login(finance)
    url = reverse("finance-import-statement", args=[fund.code])
    first = client.post(url, {"file": upload_of(path)})
    second = client.post(url, {"file": upload_of(path)})  # the button clicked twice
    job = ImportJob.objects.get()
    assert first["Location"] == second["Location"] == job_url(job)
    assert DBTaskResult.objects.count() == 1 and len(files_under(imports_root)) == 1
    run_worker()
    money = (Receipt.objects.count(), JournalEntry.objects.count())

    client.post(url, {"file": upload_of(path)})  # the same file, once the first is done
    run_worker()
    again = ImportJob.objects.exclude(pk=job.pk).get()
    assert again.status == ImportJob.Status.DONE
    assert again.summary["already"] == LINES and again.summary["matched"] == 0
    assert (Receipt.objects.count(), JournalEntry.objects.count()) == money


def test_if_the_job_cannot_be_recorded_its_stored_upload_is_removed(
    fund, finance, make_pledge, tmp_path, database_tasks, imports_root, settings
):
    # A backend without the task's queue refuses the task inside the transaction.
    settings.TASKS = {"default": {**DATABASE_TASKS["default"], "QUEUES": ["elsewhere"]}}
    path = big_statement(tmp_path, make_pledge("1000"))
    with pytest.raises(InvalidTask):
        imports.request_import(
            ImportJob.Kind.BANK_STATEMENT, [upload_of(path)], fund=fund, by=finance
        )
    assert not ImportJob.objects.exists() and files_under(imports_root) == []
    assert not AuditRecord.objects.filter(action="import:requested").exists()


def test_an_unexpected_error_is_logged_recorded_and_fails_the_task(
    fund, finance, make_pledge, tmp_path, database_tasks, settings, caplog
):
    path = big_statement(tmp_path, make_pledge("1000"))
    job = imports.request_import(
        ImportJob.Kind.BANK_STATEMENT, [upload_of(path)], fund=fund, by=finance
    )
    settings.IMPORTS_ROOT = Path(settings.MEDIA_ROOT) / "imports"  # misconfigured meanwhile
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "MEDIA_ROOT" in job.error
    assert DBTaskResult.objects.get().status == "FAILED"
    assert f"import {job.pk}" in caplog.text and "Traceback" in caplog.text
    assert not BankStatement.objects.exists()


def test_a_requester_who_lost_the_role_before_the_worker_ran_imports_nothing(
    fund, finance, make_pledge, tmp_path, database_tasks, imports_root
):
    path = big_statement(tmp_path, make_pledge("1000"))
    job = imports.request_import(
        ImportJob.Kind.BANK_STATEMENT, [upload_of(path)], fund=fund, by=finance
    )
    finance.groups.clear()
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "no longer holds a role" in job.error
    assert not BankStatement.objects.exists() and files_under(imports_root) == []


# A pledge register in the background ------------------------------------------------


def test_a_large_pledge_register_is_imported_by_the_worker_and_a_second_job_records_nothing_twice(
    client, fund, rates, finance, tmp_path, database_tasks, imports_root
):
    path = write_register(tmp_path, GOOD)
    assert path.stat().st_size > THRESHOLD
    client.force_login(finance)
    url = reverse("finance-import-register", args=[fund.code])
    client.post(url, {"file": upload_of(path)})
    job = ImportJob.objects.get()
    assert job.kind == "pledge_register" and not Pledge.objects.exists()
    run_worker()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    assert job.summary == {"created": 3, "already": 0}
    assert job.progress_done == job.progress_total == 3
    assert Pledge.objects.filter(fund=fund).count() == 3 and files_under(imports_root) == []
    page = client.get(job_url(job)).content.decode()
    assert "register.csv: 3 pledges recorded, 0 already recorded." in page
    assert f'href="{reverse("finance-register", args=[fund.code])}"' in page

    before = (Pledge.objects.count(), Donor.objects.count(), JournalEntry.objects.count())
    client.post(url, {"file": upload_of(path)})
    run_worker()
    again = ImportJob.objects.exclude(pk=job.pk).get()
    assert again.summary == {"created": 0, "already": 3}
    assert (Pledge.objects.count(), Donor.objects.count(), JournalEntry.objects.count()) == before


def test_a_rejected_pledge_register_job_lists_its_bad_lines_and_records_no_pledge(
    fund, rates, finance, tmp_path, database_tasks
):
    bad = GOOD[:2] + [GOOD[2].replace("KWD", "ZZZ")]
    job = imports.request_import(
        ImportJob.Kind.PLEDGE_REGISTER,
        [upload_of(write_register(tmp_path, bad))],
        fund=fund,
        by=finance,
    )
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert [p["line"] for p in job.problems] == [4] and "ZZZ" in job.problems_shown[0]["message"]
    assert not Pledge.objects.exists() and not Donor.objects.exists()


# Nominations in the background ------------------------------------------------------


def notes_zip(*names: str) -> SimpleUploadedFile:
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        for name in names:
            archive.writestr(name, PDF)
    return SimpleUploadedFile("notes.zip", bundle.getvalue())


def test_large_nominations_are_imported_by_the_worker_and_the_same_file_again_saves_nothing(
    client, open_event, officer, tmp_path, database_tasks, imports_root, settings
):
    sheet = write_nominations(
        tmp_path,
        [
            row("Sita Sharma"),
            row("Ram Thapa", gender="male"),
            row("Tashi Wangmo", "BTN", note_verbale="bt.pdf"),
        ],
    )
    client.force_login(officer)
    url = reverse("grants-import-nominations", args=[open_event.code])
    response = client.post(
        url, {"file": upload_of(sheet), "documents": notes_zip("np.pdf", "bt.pdf")}
    )
    job = ImportJob.objects.get()
    assert response["Location"] == job_url(job)
    assert (job.kind, job.event, job.fund) == ("nominations", open_event, open_event.fund)
    assert job.file_names == ["nominations.csv", "notes.zip"]
    assert len(files_under(imports_root)) == 2 and not Grant.objects.exists()
    run_worker()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, (job.error, job.problems)
    assert job.summary == {"created": 3, "quotes": 0, "first": "CONF19-0001", "last": "CONF19-0003"}
    assert job.progress_done == job.progress_total == 3
    assert Grant.objects.filter(event=open_event).count() == 3
    assert files_under(imports_root) == []
    page = client.get(job_url(job)).content.decode()
    assert "nominations.csv: 3 nominations submitted, 0 with an airfare quote." in page
    assert f'href="{reverse("grants-nominations", args=[open_event.code])}"' in page
    assert job_url(job) in client.get(url).content.decode()  # listed on the upload page

    notes = files_under(Path(settings.DOCUMENTS_ROOT))
    client.post(url, {"file": upload_of(sheet), "documents": notes_zip("np.pdf", "bt.pdf")})
    run_worker()
    again = ImportJob.objects.exclude(pk=job.pk).get()
    assert again.status == ImportJob.Status.FAILED
    assert [p["line"] for p in again.problems] == [2, 3, 4]
    assert all("already" in p["message"] for p in again.problems_shown)
    assert Grant.objects.count() == 3 and files_under(Path(settings.DOCUMENTS_ROOT)) == notes


def test_rejected_nominations_save_no_grant_and_no_note_verbale(
    open_event, officer, tmp_path, database_tasks, settings
):
    sheet = write_nominations(tmp_path, [row("Sita Sharma"), row("Nobody", "XYZ")])
    job = imports.request_import(
        ImportJob.Kind.NOMINATIONS,
        [upload_of(sheet), notes_zip("np.pdf")],
        event=open_event,
        by=officer,
    )
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert [p["line"] for p in job.problems] == [3]
    assert "country “XYZ” is not known" in job.problems_shown[0]["message"]
    assert not Grant.objects.exists() and files_under(Path(settings.DOCUMENTS_ROOT)) == []


# Who may see and ask -----------------------------------------------------------------


def test_only_those_who_may_make_a_kind_of_import_see_its_jobs(
    client, fund, finance, officer, donor, make_user, open_event, tmp_path, database_tasks
):
    statement_job = imports.request_import(
        ImportJob.Kind.BANK_STATEMENT,
        [upload_of(write_statement(tmp_path, [("2019-03-20", "1.00", "EUR", "x", "y", "B1")]))],
        fund=fund,
        by=finance,
    )
    sheet = write_nominations(tmp_path, [row()])
    nominations_job = imports.request_import(
        ImportJob.Kind.NOMINATIONS,
        [upload_of(sheet), notes_zip("np.pdf")],
        event=open_event,
        by=officer,
    )
    administrator = make_user("import-admin", Role.ADMINISTRATOR)
    auditor = make_user("import-auditor", Role.AUDITOR)
    allowed = {
        (finance, statement_job): 200,
        (administrator, statement_job): 200,
        (officer, statement_job): 403,
        (auditor, statement_job): 200,  # the auditor reads every import (README)
        (donor, statement_job): 403,
        (officer, nominations_job): 200,
        (auditor, nominations_job): 200,
        (finance, nominations_job): 403,
        (donor, nominations_job): 403,
    }
    for (user, job), status in allowed.items():
        client.force_login(user)
        assert client.get(job_url(job)).status_code == status, (user.username, job.kind)
    client.force_login(donor)
    assert client.get(reverse("import-job", args=[999_999])).status_code == 403  # not 404
    client.logout()
    assert client.get(job_url(statement_job)).status_code == 302  # sign in first


def test_a_donor_or_a_fund_officer_cannot_ask_for_a_statement_import(
    fund, donor, officer, tmp_path, database_tasks, imports_root
):
    path = write_statement(tmp_path, [("2019-03-20", "1.00", "EUR", "x", "y", "B1")])
    for user in (donor, officer):
        with pytest.raises(PermissionDenied):
            imports.request_import(
                ImportJob.Kind.BANK_STATEMENT, [upload_of(path)], fund=fund, by=user
            )
    assert not ImportJob.objects.exists() and files_under(imports_root) == []


def test_the_upload_pages_list_recent_jobs_in_a_fixed_number_of_queries(
    client, fund, finance, tmp_path, database_tasks
):
    client.force_login(finance)
    url = reverse("finance-import-statement", args=[fund.code])

    def add(count):
        for n in range(count):
            path = write_statement(
                tmp_path, [("2019-03-20", f"{n}.00", "EUR", "x", "y", f"B{n}-{count}")]
            )
            imports.request_import(
                ImportJob.Kind.BANK_STATEMENT, [upload_of(path)], fund=fund, by=finance
            )

    add(2)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(9)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(few) == len(many)
    assert response.content.decode().count('data-import="') == 10  # the latest ten


# Where the files wait, and pruning ----------------------------------------------------


def test_uploads_wait_outside_static_and_media_roots_and_a_root_inside_them_is_refused(
    settings, tmp_path
):
    for served in ("STATIC_ROOT", "MEDIA_ROOT"):
        settings.IMPORTS_ROOT = Path(getattr(settings, served)) / "imports"
        with pytest.raises(ImproperlyConfigured, match=served):
            imports.imports_storage().exists("any")
    # The project's own setting (read from the module: the fixtures move the folders).
    root = Path(project_settings.IMPORTS_ROOT).resolve()
    assert root == (project_settings.BASE_DIR / "var" / "imports").resolve()
    assert not root.is_relative_to(Path(project_settings.STATIC_ROOT).resolve())
    assert not root.is_relative_to(Path(project_settings.MEDIA_ROOT).resolve())


def test_prune_fails_abandoned_jobs_and_deletes_uploads_left_behind_keeping_the_rows(
    fund, finance, tmp_path, database_tasks, imports_root
):
    def ask(n):
        path = write_statement(tmp_path, [("2019-03-20", f"{n}.00", "EUR", "x", "y", f"B{n}")])
        return imports.request_import(
            ImportJob.Kind.BANK_STATEMENT, [upload_of(path)], fund=fund, by=finance
        )

    stuck, waiting = ask(1), ask(2)
    ImportJob.objects.filter(pk=stuck.pk).update(
        status="running",
        started_at=timezone.now(),
        requested_at=timezone.now() - datetime.timedelta(hours=7),
    )
    stuck_file = imports_root / stuck.stored_files[0]
    waiting_file = imports_root / waiting.stored_files[0]
    stray_old, stray_new = imports_root / "old.csv", imports_root / "new.csv"
    stray_old.write_text("x")
    stray_new.write_text("x")
    seven_hours_ago = (timezone.now() - datetime.timedelta(hours=7)).timestamp()
    for path in (stray_old, waiting_file):
        os.utime(path, (seven_hours_ago, seven_hours_ago))

    out = io.StringIO()
    call_command("prune_imports", stdout=out)

    assert "1 abandoned imports marked failed, 1 stray uploads deleted" in out.getvalue()
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "did not finish" in stuck.error
    # Its record says why by code, read in the reader's language (it was English text).
    failed = AuditRecord.objects.filter(action="import:failed", target_id=str(stuck.pk)).get()
    assert failed.data["why"]["code"] == "job.worker-did-not-finish"
    assert stuck.stored_files == [] and not stuck_file.exists()
    # A job still waiting keeps its upload, however old the file.
    assert ImportJob.objects.get(pk=waiting.pk).status == "queued" and waiting_file.exists()
    assert not stray_old.exists() and stray_new.exists()
    assert ImportJob.objects.count() == 2
    assert actions_of(stuck)[-1] == "import:failed"


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_count_shows_while_the_importers_transaction_is_still_open(fund, finance):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite allows one writer: the saving phase's count shows when it commits")
    job = ImportJob.objects.create(
        kind="bank_statement", fund=fund, requested_by=finance, fingerprint="y" * 64
    )
    progress = imports._Progress(job.pk)
    page = connections.create_connection("default")  # as the job page's request would read
    try:
        with transaction.atomic():  # the importer's transaction, saving lines
            progress(700, LINES)
            with page.cursor() as cursor:
                cursor.execute(
                    "SELECT progress_done, progress_total FROM fundmgr_importjob WHERE id = %s",
                    [job.pk],
                )
                assert cursor.fetchone() == (700, LINES)
    finally:
        progress.close()
        page.close()


def test_import_jobs_are_listed_read_only_in_the_admin(client, make_user):
    admin = make_user("import-site-admin", Role.ADMINISTRATOR)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get("/admin/fundmgr/importjob/").status_code == 200
    assert client.get("/admin/fundmgr/importjob/add/").status_code == 403


def test_a_small_rejected_statement_is_said_at_the_top_focused_with_error_in_the_title(
    client, fund, finance, make_pledge, tmp_path, imports_root
):
    from tests.accessible import error_focused

    path = write_statement(tmp_path, [("21/03/2019", "5.00", "EUR", "ref", "Someone", "BAD1")])
    client.force_login(finance)
    response = client.post(
        reverse("finance-import-statement", args=[fund.code]),
        {"file": upload_of(path)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    box = error_focused(response, "page-error")
    assert "nothing was saved" in box.text_content()
