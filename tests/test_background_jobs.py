# ruff: noqa: F811 - fixtures imported from the exports' tests are parameters here
"""One background-job model and one runner (fundmgr.models.jobs,
fundmgr.services.jobs): imports and exports carry the same checks in the
database, are claimed, run in the requester's language and with the
requester's role checked again, and are pruned by the same routine.

The kinds' own behaviour is tested in tests/test_import_jobs.py and
tests/reports/test_exports.py; this file holds what they now share."""

from __future__ import annotations

import datetime
import io
import os

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from fundmgr.models import AuditRecord, ImportJob
from fundmgr.models.jobs import status_field
from fundmgr.roles import Role
from reports import exports
from reports.models import Export
from tests.reports.test_exports import (  # noqa: F401 - fixtures
    AS_OF,
    StandInWriter,
    database_tasks,
    exports_root,
    run_worker,
    writer,
)


@pytest.fixture
def officer(make_user):
    return make_user("jobs-officer", Role.FUND_OFFICER)


def new_job(model, fund, by, **fields):
    if model is ImportJob:
        return ImportJob.objects.create(
            kind="bank_statement", fund=fund, requested_by=by, fingerprint="f" * 64, **fields
        )
    return Export.objects.create(
        fund=fund, kind="reconciliation", as_of=AS_OF, requested_by=by, **fields
    )


@pytest.mark.parametrize("model", [ImportJob, Export])
@pytest.mark.parametrize(
    ("fields", "check"),
    [
        ({"status": "running"}, "running_has_started"),
        ({"status": "failed"}, "finished_iff_over"),
        ({"finished_at": timezone.now()}, "finished_iff_over"),
        ({"progress_done": 5, "progress_total": 3}, "progress_within_total"),
        (
            {"status": "failed", "finished_at": timezone.now(), "expires_at": timezone.now()},
            "expiry_only_when_done",
        ),
    ],
)
def test_every_kind_of_job_carries_the_same_checks_in_the_database(
    model, fields, check, fund, officer
):
    job = new_job(model, fund, officer)
    with pytest.raises(IntegrityError, match=check), transaction.atomic():
        model.objects.filter(pk=job.pk).update(**fields)


def test_a_jobs_status_must_name_every_shared_state():
    class Partial(models.TextChoices):
        QUEUED = "queued", "Queued"
        DONE = "done", "Done"

    with pytest.raises(TypeError, match="failed"):
        status_field(Partial)


def test_a_job_is_claimed_only_while_it_is_queued(fund, officer):
    job = new_job(Export, fund, officer)
    with transaction.atomic():
        assert Export.lock(job.pk).claim() is True
    with transaction.atomic():
        again = Export.lock(job.pk)
        assert again.claim() is False and again.status == "running"


def test_an_export_is_written_in_the_requesters_language(
    fund, officer, writer, exports_root, monkeypatch
):
    languages = []
    real = writer.__call__

    def writing(*args, **kwargs):
        languages.append(translation.get_language())
        return real(*args, **kwargs)

    monkeypatch.setitem(exports.WRITERS, Export.Kind.RECONCILIATION, writing)
    with translation.override("fr"):
        export = exports.request_export(fund, AS_OF, officer)  # built at once (immediate)
    export.refresh_from_db()
    assert export.language == "fr" and languages == ["fr"]
    assert export.status == Export.Status.DONE


def test_an_export_whose_requester_no_longer_reads_the_books_is_not_written(
    fund, officer, writer, exports_root, database_tasks
):
    export = exports.request_export(fund, AS_OF, officer)
    officer.groups.clear()
    run_worker()
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED
    assert "no longer holds a role that may read the books" in export.error
    assert writer.calls == 0 and export.file_name == ""
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"  # a refusal, not a crash
    assert [p for p in exports_root.rglob("*") if p.is_file()] == []
    assert AuditRecord.objects.filter(action="export:failed").count() == 1


def test_prune_deletes_an_old_file_no_export_holds_and_keeps_a_ready_exports_file(
    fund, officer, writer, exports_root
):
    export = exports.request_export(fund, AS_OF, officer)
    export.refresh_from_db()
    kept = exports_root / export.file_name
    orphan = kept.parent / "reconciliation-20190101-999999.xlsx"  # its row is gone
    recent = kept.parent / "reconciliation-20190102-999998.xlsx"
    orphan.write_bytes(b"PK")
    recent.write_bytes(b"PK")
    seven_hours_ago = (timezone.now() - datetime.timedelta(hours=7)).timestamp()
    for path in (kept, orphan):
        os.utime(path, (seven_hours_ago, seven_hours_ago))

    out = io.StringIO()
    call_command("prune_exports", stdout=out)

    assert "0 exports expired, 0 abandoned exports marked failed, 1 stray files deleted" in (
        out.getvalue()
    )
    assert kept.exists() and recent.exists() and not orphan.exists()


def test_a_finished_job_shows_a_full_bar_however_its_work_counted(fund, officer):
    job = new_job(ImportJob, fund, officer)
    with transaction.atomic():
        ImportJob.lock(job.pk).claim()
    job.refresh_from_db()
    job.finish("done", summary={"created": 0})
    assert (job.progress_done, job.progress_total) == (1, 1)
    assert job.status == "done" and job.finished_at is not None and job.expires_at is None


@pytest.mark.django_db(transaction=True)
def test_the_export_migration_keeps_every_row_bringing_hand_edited_ones_into_line(fund, officer):
    before, after = ("reports", "0004_entry_sources"), ("reports", "0005_export_background_job")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps.get_model("reports", "Export")
        now = timezone.now()
        common = {"fund_id": fund.pk, "kind": "reconciliation", "as_of": AS_OF}
        running = old.objects.create(**common, requested_by_id=officer.pk, status="running")
        failed = old.objects.create(
            **common, requested_by_id=officer.pk, status="failed", started_at=now
        )
        queued = old.objects.create(
            **common, requested_by_id=officer.pk, status="queued", finished_at=now
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate([after])
    # Read as the migration left them (later migrations add columns).
    migrated = executor.loader.project_state([after]).apps.get_model("reports", "Export")
    rows = {row.pk: row for row in migrated.objects.all()}
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert set(rows) == {running.pk, failed.pk, queued.pk}
    assert rows[running.pk].started_at == rows[running.pk].requested_at
    assert rows[failed.pk].finished_at == now
    assert rows[queued.pk].finished_at is None and rows[queued.pk].language == ""
