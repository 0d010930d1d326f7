"""Background exports: asked for on the page, built by the task worker with
its progress on the row, downloaded by book readers only, deleted when expired.

The worker runs here, in this process and this test's transaction (``db_worker
--batch``). Until the reconciliation workbook's writer is wired in, most tests
build with ``stand_in_writer``: a small but real openpyxl workbook, written
with the writer's signature and progress calls."""

from __future__ import annotations

import datetime
import io
import os
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from fundmgr import settings as project_settings
from fundmgr.models import AuditRecord
from fundmgr.roles import Role
from fundmgr.services.funds import open_fund
from reports import exports
from reports.models import Export
from tests.conftest import DATABASE_TASKS

AS_OF = datetime.date(2019, 3, 31)
ROWS = 1200  # more than PROGRESS_EVERY_ROWS, so throttling shows


class StandInWriter:
    """Writes two sheets row by row, reporting progress after every row, as
    the real writer may; records what the export's row said meanwhile."""

    def __init__(self, fail_with: Exception | None = None):
        self.fail_with = fail_with
        self.seen: list[tuple[str, int, int]] = []
        self.calls = 0

    def __call__(self, fund, as_of, destination, *, progress=None):
        self.calls += 1
        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        sheets = {"Contributions": ROWS, "Checks": 3}
        total = sum(sheets.values())
        done = 0
        for title, rows in sheets.items():
            sheet = workbook.create_sheet(title)
            sheet.append(["fund", "as of", "row"])
            for row in range(rows):
                sheet.append([fund.code, as_of, row])
                done += 1
                progress(done, total)
                if self.fail_with is not None and done == 10:
                    raise self.fail_with
            export = Export.objects.get(fund=fund, as_of=as_of)
            self.seen.append((export.status, export.progress_done, export.progress_total))
        workbook.save(destination)


@pytest.fixture
def exports_root(settings, tmp_path):
    settings.EXPORTS_ROOT = tmp_path / "exports"
    settings.STATIC_ROOT = tmp_path / "static"
    return settings.EXPORTS_ROOT


@pytest.fixture
def writer(monkeypatch, exports_root):
    stand_in = StandInWriter()
    monkeypatch.setitem(exports.WRITERS, Export.Kind.RECONCILIATION, stand_in)
    return stand_in


@pytest.fixture
def database_tasks(settings, monkeypatch):
    settings.TASKS = DATABASE_TASKS
    # The worker checks its connection between tasks; inside a test's
    # transaction that would drop it.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def run_worker(queue_name: str = "exports") -> None:
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
def officer(make_user):
    return make_user("export-officer", Role.FUND_OFFICER)


@pytest.fixture
def finance(make_user):
    return make_user("export-finance", Role.FINANCE_OFFICER)


@pytest.fixture
def donor(make_user):
    return make_user("export-donor", Role.DONOR)


def audit_of(export: Export):
    return AuditRecord.objects.filter(
        target_type=ContentType.objects.get_for_model(Export), target_id=str(export.pk)
    )


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_requested_export_goes_queued_running_done_with_full_progress_and_a_workbook(
    fund, officer, writer, exports_root, database_tasks
):
    export = exports.request_export(fund, AS_OF, officer)
    assert export.status == Export.Status.QUEUED
    task = DBTaskResult.objects.get()
    assert task.task_path == "reports.tasks.build_export"
    assert task.args_kwargs == {"args": [export.pk], "kwargs": {}}
    assert export.task_id == str(task.id)
    assert writer.calls == 0  # nothing is built inside the request

    run_worker()

    # While the writer wrote, the row said running, with its progress so far.
    assert [status for status, _, _ in writer.seen] == ["running", "running"]
    assert writer.seen[0][2] == ROWS + 3 and 0 < writer.seen[0][1] <= ROWS
    export.refresh_from_db()
    assert export.status == Export.Status.DONE
    assert export.progress_done == export.progress_total == ROWS + 3
    path = exports_root / export.file_name
    assert files_under(exports_root) == [path]  # no temporary file left behind
    assert export.size == path.stat().st_size
    sheet = openpyxl.load_workbook(path)["Contributions"]
    assert sheet.max_row == ROWS + 1 and sheet["A2"].value == fund.code
    assert export.expires_at == export.finished_at + datetime.timedelta(hours=24)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    actions = audit_of(export).values_list("action", flat=True)
    assert set(actions) == {"export:requested", "export:started", "export:done"}


def test_progress_is_written_per_sheet_and_every_few_hundred_rows_not_per_row(fund, officer):
    export = Export.objects.create(
        fund=fund, kind="reconciliation", as_of=AS_OF, requested_by=officer
    )
    progress = exports._progress(export.pk)
    with CaptureQueriesContext(connection) as queries:
        for done in range(1, ROWS + 1):
            progress(done, ROWS)  # one sheet, reported row by row
        for done in range(1, 4):
            progress(done, 3)  # the next sheet starts its own count
    # first row, every 500 rows, the sheet's end; the next sheet's start and end
    assert len(queries) == 6
    export.refresh_from_db()
    assert (export.progress_done, export.progress_total) == (3, 3)


def test_a_failing_writer_marks_the_export_failed_with_its_message_and_leaves_no_file(
    fund, officer, monkeypatch, exports_root, database_tasks, caplog
):
    failing = StandInWriter(fail_with=ValueError("No EUR rate in force on 2019-03-31"))
    monkeypatch.setitem(exports.WRITERS, Export.Kind.RECONCILIATION, failing)
    export = exports.request_export(fund, AS_OF, officer)
    run_worker()
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED
    assert export.error == "No EUR rate in force on 2019-03-31"
    assert export.finished_at is not None and export.file_name == ""
    assert files_under(exports_root) == []
    assert DBTaskResult.objects.get().status == "FAILED"
    assert f"export {export.pk}" in caplog.text and "No EUR rate" in caplog.text
    assert audit_of(export).filter(action="export:failed").exists()


def test_building_an_export_again_changes_nothing(fund, officer, writer):
    export = exports.request_export(fund, AS_OF, officer)  # built at once (ImmediateBackend)
    export.refresh_from_db()
    assert export.status == Export.Status.DONE and writer.calls == 1
    assert exports.build(export.pk) == Export.Status.DONE
    assert writer.calls == 1


def test_only_book_readers_may_ask_and_never_for_a_future_date(fund, officer, donor, writer):
    with pytest.raises(PermissionDenied):
        exports.request_export(fund, AS_OF, donor)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(exports.ExportError, match="future"):
        exports.request_export(fund, tomorrow, officer)
    with pytest.raises(exports.ExportError):
        exports.request_export(fund, "2019-03-31", officer)
    assert not Export.objects.exists() and writer.calls == 0


def test_the_file_lands_outside_static_and_media_roots_and_a_root_inside_them_is_refused(
    fund, officer, writer, exports_root, settings
):
    export = exports.request_export(fund, AS_OF, officer)
    export.refresh_from_db()
    path = (exports_root / export.file_name).resolve()
    assert path.is_file()
    for served in (settings.STATIC_ROOT, settings.MEDIA_ROOT):
        assert not path.is_relative_to(Path(served).resolve())

    settings.EXPORTS_ROOT = Path(settings.MEDIA_ROOT) / "exports"
    with pytest.raises(ImproperlyConfigured, match="MEDIA_ROOT"):
        exports.exports_storage().exists("any")
    settings.EXPORTS_ROOT = Path(settings.STATIC_ROOT) / "exports"
    with pytest.raises(ImproperlyConfigured, match="STATIC_ROOT"):
        exports.exports_storage().exists("any")
    # A worker so misconfigured writes nothing and says why.
    again = exports.request_export(fund, AS_OF, officer)
    again.refresh_from_db()
    assert again.status == Export.Status.FAILED and "STATIC_ROOT" in again.error
    assert not Path(settings.EXPORTS_ROOT).exists()


def test_the_projects_own_exports_root_is_outside_its_static_and_media_roots():
    """Read from the settings module itself: the test fixtures move these folders."""
    root = Path(project_settings.EXPORTS_ROOT).resolve()
    assert not root.is_relative_to(Path(project_settings.STATIC_ROOT).resolve())
    assert not root.is_relative_to(Path(project_settings.MEDIA_ROOT).resolve())


def download_url(export: Export) -> str:
    return reverse("export-download", args=[export.fund.code, export.pk])


def test_any_book_reader_downloads_the_workbook_with_its_name_and_type(
    client, fund, officer, finance, writer, exports_root
):
    export = exports.request_export(fund, AS_OF, officer)
    export.refresh_from_db()
    client.force_login(finance)  # not the one who asked: book readers read every fund's books
    response = client.get(download_url(export))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="TESTF-reconciliation-2019-03-31.xlsx"'
    )
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == (exports_root / export.file_name).read_bytes()
    assert audit_of(export).filter(action="export:downloaded", actor=finance).exists()


def test_a_donor_is_refused_the_download_and_the_page_with_403(
    client, fund, officer, donor, writer
):
    export = exports.request_export(fund, AS_OF, officer)
    client.force_login(donor)
    assert client.get(download_url(export)).status_code == 403
    assert client.get(reverse("fund-exports", args=[fund.code])).status_code == 403


def test_an_expired_export_is_refused_with_410_and_a_missing_file_with_404(
    client, fund, officer, writer, exports_root
):
    export = exports.request_export(fund, AS_OF, officer)
    export.refresh_from_db()
    client.force_login(officer)
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    assert client.get(download_url(export)).status_code == 410
    Export.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    (exports_root / export.file_name).unlink()
    assert client.get(download_url(export)).status_code == 404


def test_another_funds_code_in_the_address_finds_no_export(
    client, fund, admin_user, officer, writer
):
    other = open_fund(
        code="OTHER",
        name="Other fund",
        by=admin_user,
        psc_rate_pct=Decimal("8"),
        psc_from=datetime.date(2018, 1, 1),
    )
    export = exports.request_export(fund, AS_OF, officer)
    client.force_login(officer)
    assert client.get(reverse("export-download", args=[other.code, export.pk])).status_code == 404


def test_prune_deletes_expired_files_marks_them_expired_and_keeps_the_rest(
    fund, officer, writer, exports_root
):
    old = exports.request_export(fund, AS_OF, officer)
    fresh = exports.request_export(fund, AS_OF - datetime.timedelta(days=1), officer)
    old.refresh_from_db()
    fresh.refresh_from_db()
    old_path, fresh_path = exports_root / old.file_name, exports_root / fresh.file_name
    Export.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    out = io.StringIO()
    call_command("prune_exports", stdout=out)

    assert "1 exports expired" in out.getvalue()
    assert not old_path.exists() and fresh_path.exists()
    old.refresh_from_db()
    assert old.status == Export.Status.EXPIRED and old.file_name == ""
    assert Export.objects.get(pk=fresh.pk).status == Export.Status.DONE
    assert audit_of(old).filter(action="export:expired").exists()


def test_prune_fails_an_export_whose_worker_vanished_and_removes_its_half_written_file(
    fund, officer, exports_root, database_tasks
):
    stuck = exports.request_export(fund, AS_OF, officer)  # queued; no worker runs it
    waiting = exports.request_export(fund, AS_OF, officer)
    Export.objects.filter(pk=stuck.pk).update(
        status=Export.Status.RUNNING,
        started_at=timezone.now(),  # a running job says when it started (a check)
        requested_at=timezone.now() - datetime.timedelta(hours=7),
    )
    folder = exports_root / fund.code
    folder.mkdir(parents=True)
    abandoned, current = folder / ".abandoned.part", folder / ".current.part"
    abandoned.write_bytes(b"PK")
    current.write_bytes(b"PK")
    seven_hours_ago = (timezone.now() - datetime.timedelta(hours=7)).timestamp()
    os.utime(abandoned, (seven_hours_ago, seven_hours_ago))

    assert exports.prune_expired() == (0, 1)

    assert not abandoned.exists() and current.exists()
    stuck.refresh_from_db()
    assert stuck.status == Export.Status.FAILED and "did not finish" in stuck.error
    assert Export.objects.get(pk=waiting.pk).status == Export.Status.QUEUED


def test_the_page_shows_a_progress_bar_and_refreshes_itself_only_while_an_export_runs(
    client, fund, officer, writer, database_tasks
):
    export = exports.request_export(fund, AS_OF, officer)
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.RUNNING,
        started_at=timezone.now(),  # a running job says when it started (a check)
        progress_done=600,
        progress_total=1203,
    )
    client.force_login(officer)
    url = reverse("fund-exports", args=[fund.code])
    response = client.get(url)
    assert response.status_code == 200 and response["Refresh"] == "3"
    assert b'<progress value="600" max="1203"' in response.content
    assert download_url(export).encode() not in response.content

    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.QUEUED, progress_done=0, progress_total=0
    )
    run_worker()
    response = client.get(url)
    assert "Refresh" not in response
    assert b"<progress" not in response.content
    assert download_url(export).encode() in response.content


def test_posting_the_form_asks_for_the_export_and_a_bad_date_is_refused(
    client, fund, officer, writer
):
    client.force_login(officer)
    url = reverse("fund-exports", args=[fund.code])
    response = client.post(url, {"as_of": "2019-03-31"})
    assert response.status_code == 302 and response["Location"] == url
    export = Export.objects.get()
    assert (export.as_of, export.requested_by, export.status) == (AS_OF, officer, "done")

    assert client.post(url, {"as_of": "31 March"}).status_code == 400
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(url, {"as_of": future})
    assert response.status_code == 400 and b"future" in response.content
    assert Export.objects.count() == 1


def test_the_worker_builds_the_real_reconciliation_workbook(
    fund, officer, exports_root, database_tasks
):
    export = exports.request_export(fund, AS_OF, officer)
    run_worker()
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    assert export.progress_total > 0 and export.progress_done == export.progress_total
    workbook = openpyxl.load_workbook(exports_root / export.file_name, read_only=True)
    assert {"Statement", "Checks"} <= set(workbook.sheetnames)


def test_exports_are_listed_read_only_in_the_admin(client, make_user):
    admin = make_user("site-admin", "administrator")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get("/admin/reports/export/").status_code == 200
    assert client.get("/admin/reports/export/add/").status_code == 403


def test_each_download_link_names_its_workbook(
    client, fund, officer, writer, exports_root, database_tasks
):
    """Two workbooks ready: their links say which is which (both said "Download")."""
    from tests.accessible import controls_sharing_a_name, page_of

    exports.request_export(fund, AS_OF, officer)
    run_worker()
    exports.request_export(fund, AS_OF - datetime.timedelta(days=1), officer)
    run_worker()
    assert Export.objects.filter(status=Export.Status.DONE).count() == 2
    client.force_login(officer)

    response = client.get(reverse("fund-exports", args=[fund.code]), HTTP_ACCEPT_LANGUAGE="en")

    names = [" ".join(a.text_content().split()) for a in page_of(response).xpath("//a[@download]")]
    assert len(names) == 2 and all(name.startswith("Download (workbook no. ") for name in names)
    assert controls_sharing_a_name(response) == {}
