# ruff: noqa: F811 - fixtures imported from other tests' modules are parameters here
"""The private files on S3-compatible object storage, against a real server
over HTTP (moto's server mode, tests/storage/conftest.py): personal documents
saved privately and streamed by their role-checked views, exports built by a
worker and downloaded from the bucket, and an upload taken by a web process
and imported by a worker that has only the bucket in common with it, as if
on another host. The local folders of the default storage are never used."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker

from donors.models import BankStatement, Receipt
from donors.services.pledges import find_or_create_donor, record_pledge
from fundmgr.models import ImportJob
from fundmgr.money import Money
from fundmgr.private_files import UNGUESSABLE
from fundmgr.roles import Role
from fundmgr.services import imports
from fundmgr.storage_settings import private_storages
from grants.models import Grant
from reports import exports
from reports.models import Export
from tests.grants.conftest import PDF, event, make_grant, officer  # noqa: F401 - fixtures
from tests.grants.test_nomination_import import row
from tests.grants.test_nomination_import import write_csv as write_nominations
from tests.test_bank_statements import make_pledge  # noqa: F401 - a fixture
from tests.test_import_jobs import (  # noqa: F401 - open_event is a fixture
    DATABASE_TASKS,
    LINES,
    THRESHOLD,
    big_statement,
    notes_zip,
    open_event,
    upload_of,
)

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2019, 3, 31)


@pytest.fixture
def worker_queue(settings, monkeypatch):
    """The database task queue, run here by ``run_worker``; statements of a
    few hundred bytes already go to the background."""
    settings.TASKS = DATABASE_TASKS
    settings.IMPORT_INLINE_MAX_BYTES = THRESHOLD
    # The worker checks its connection between tasks; inside a test's
    # transaction that would drop it.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def run_worker(queue_name: str) -> None:
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


def as_another_host(settings, tmp_path):
    """From here on the process is a worker on another host: its own scratch
    folder, and local folders that are not the web's (and stay unused)."""
    host = tmp_path / "worker-host"
    settings.FUNDMGR_SCRATCH_DIR = host / "scratch"
    settings.DOCUMENTS_ROOT = host / "documents"
    settings.IMPORTS_ROOT = host / "imports"
    settings.EXPORTS_ROOT = host / "exports"
    return host


def files_under(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
def finance(make_user):
    return make_user("s3-finance", Role.FINANCE_OFFICER)


# The environment ------------------------------------------------------------------------


def test_the_storages_are_local_folders_unless_the_environment_asks_for_s3():
    local = private_storages({})
    assert set(local) == {"documents", "imports", "exports"}
    assert {entry["OPTIONS"]["setting"] for entry in local.values()} == {
        "DOCUMENTS_ROOT",
        "IMPORTS_ROOT",
        "EXPORTS_ROOT",
    }
    s3 = private_storages(
        {
            "FUNDMGR_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "fund-files",
            "AWS_S3_ENDPOINT_URL": "https://objects.example.org",
            "AWS_LOCATION": "/prod/",
            "AWS_S3_SERVER_SIDE_ENCRYPTION": "AES256",
        }
    )
    assert {alias: entry["OPTIONS"]["location"] for alias, entry in s3.items()} == {
        "documents": "prod/documents",
        "imports": "prod/imports",
        "exports": "prod/exports",
    }
    options = s3["imports"]["OPTIONS"]
    assert options["bucket_name"] == "fund-files"
    assert options["endpoint_url"] == "https://objects.example.org"
    assert options["object_parameters"] == {"ServerSideEncryption": "AES256"}
    assert "access_key" not in options  # unset: boto3's own chain (an instance role)
    assert options["default_acl"] == "private"
    no_acl = private_storages(
        {"FUNDMGR_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "b", "AWS_DEFAULT_ACL": "none"}
    )
    assert no_acl["documents"]["OPTIONS"]["default_acl"] is None  # an ACL-less AWS bucket


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"FUNDMGR_STORAGE": "ftp"}, "local or s3"),
        ({"FUNDMGR_STORAGE": "s3"}, "AWS_STORAGE_BUCKET_NAME"),
        (
            {
                "FUNDMGR_STORAGE": "s3",
                "AWS_STORAGE_BUCKET_NAME": "b",
                "AWS_S3_SERVER_SIDE_ENCRYPTION": "rot13",
            },
            "AES256",
        ),
        (
            {
                "FUNDMGR_STORAGE": "s3",
                "AWS_STORAGE_BUCKET_NAME": "b",
                "AWS_DEFAULT_ACL": "public-read",
            },
            "AWS_DEFAULT_ACL",
        ),
    ],
)
def test_a_wrong_storage_environment_is_refused_with_what_to_set(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        private_storages(environ)


# Personal documents ---------------------------------------------------------------------


def test_a_note_verbale_is_stored_privately_in_the_bucket_and_streamed_by_its_view(
    client, s3, make_grant, make_user, tmp_path
):
    grant = make_grant()
    name = grant.note_verbale.name
    assert UNGUESSABLE.match(name) and s3.keys("documents") == [name]
    assert s3.read("documents", name) == PDF
    acl = s3.server.client().get_object_acl(Bucket=s3.server.bucket, Key=s3.key("documents", name))
    assert [grant["Permission"] for grant in acl["Grants"]] == ["FULL_CONTROL"]  # the owner only
    assert "URI" not in acl["Grants"][0]["Grantee"]  # not AllUsers nor AuthenticatedUsers
    with pytest.raises(ValueError, match="no public URL"):
        grant.note_verbale.url  # noqa: B018

    url = reverse("grant-document", args=[grant.event.code, grant.reference, "note-verbale"])
    client.force_login(make_user("s3-donor", Role.DONOR))
    assert client.get(url).status_code == 403
    client.force_login(make_user("s3-auditor", Role.AUDITOR))
    response = client.get(url)
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == PDF
    assert "no-store" in response["Cache-Control"]

    grant.note_verbale.delete(save=False)
    assert s3.keys("documents") == []
    assert not (tmp_path / "local").exists()  # DOCUMENTS_ROOT never used


def test_a_pledge_letter_is_stored_in_the_bucket_and_streamed_to_a_book_reader(
    client, s3, fund, rates, admin_user, finance, tmp_path
):
    donor = find_or_create_donor(name="Examplia", kind="member_state", email="m@examplia.org")
    pledge = record_pledge(
        fund=fund,
        donor=donor,
        amount=Money("1000", "EUR"),
        pledge_date=datetime.date(2019, 3, 4),
        method="schedule",
        by=admin_user,
        letter=SimpleUploadedFile("letter.pdf", PDF, "application/pdf"),
    )
    assert s3.keys("documents") == [pledge.letter.name]
    client.force_login(finance)
    response = client.get(reverse("finance-pledge-letter", args=[fund.code, pledge.reference]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert not (tmp_path / "local").exists()


def test_the_donor_downloads_their_own_pledge_letter_from_the_bucket(
    client, s3, fund, rates, admin_user, tmp_path
):
    from tests.test_donor_account import sign_in_by_link

    donor = find_or_create_donor(name="Examplia", kind="member_state", email="m@examplia.org")
    pledge = record_pledge(
        fund=fund,
        donor=donor,
        amount=Money("1000", "EUR"),
        pledge_date=datetime.date(2019, 3, 4),
        method="bank_transfer",
        by=admin_user,
        letter=SimpleUploadedFile("letter.pdf", PDF, "application/pdf"),
    )
    sign_in_by_link(client, "m@examplia.org")
    response = client.get(reverse("my-pledge-letter", args=[pledge.reference]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert not (tmp_path / "local").exists()


# Exports --------------------------------------------------------------------------------


def test_an_export_built_by_a_worker_is_downloaded_from_the_bucket_then_pruned(
    client, s3, fund, officer, finance, worker_queue, settings, tmp_path
):
    client.force_login(officer)
    asked = client.post(reverse("fund-exports", args=[fund.code]), {"as_of": AS_OF.isoformat()})
    assert asked.status_code == 302
    export = Export.objects.get()

    worker = as_another_host(settings, tmp_path)
    run_worker("exports")
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    assert s3.keys("exports") == [export.file_name]
    stored = s3.read("exports", export.file_name)
    assert export.size == len(stored)
    assert (worker / "scratch").is_dir() and files_under(worker / "scratch") == []
    assert not (worker / "exports").exists()

    client.force_login(finance)  # from the web host again: it has only the bucket
    response = client.get(reverse("export-download", args=[fund.code, export.pk]))
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content)
    assert body == stored
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    assert {"Statement", "Checks"} <= set(workbook.sheetnames)

    assert exports.prune_expired(export.expires_at + datetime.timedelta(seconds=1)) == (1, 0)
    export.refresh_from_db()
    assert export.status == Export.Status.EXPIRED and s3.keys("exports") == []
    assert not (tmp_path / "local").exists() and not (tmp_path / "web-scratch").exists()


def test_a_workbook_gone_from_the_bucket_is_not_found_rather_than_an_error(
    client, s3, fund, officer, worker_queue
):
    export = exports.request_export(fund, AS_OF, officer)
    run_worker("exports")
    export.refresh_from_db()
    s3.server.client().delete_object(
        Bucket=s3.server.bucket, Key=s3.key("exports", export.file_name)
    )
    client.force_login(officer)
    assert client.get(reverse("export-download", args=[fund.code, export.pk])).status_code == 404


# Imports: the web takes the upload, a worker elsewhere imports it ------------------------


def test_an_upload_taken_by_the_web_is_imported_by_a_worker_on_another_host(
    client, s3, fund, finance, make_pledge, worker_queue, settings, tmp_path
):
    pledge = make_pledge("1000")
    statement = big_statement(tmp_path, pledge)
    assert statement.stat().st_size > settings.IMPORT_INLINE_MAX_BYTES
    client.force_login(finance)
    response = client.post(
        reverse("finance-import-statement", args=[fund.code]), {"file": upload_of(statement)}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportJob.Status.QUEUED
    assert s3.keys("imports") == job.stored_files  # in the bucket, under a random name
    assert s3.read("imports", job.stored_files[0]) == statement.read_bytes()
    web_folders = tmp_path / "local"
    assert not web_folders.exists() and not (tmp_path / "web-scratch").exists()

    worker = as_another_host(settings, tmp_path)
    run_worker("imports")

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    assert job.progress_done == job.progress_total == LINES
    assert BankStatement.objects.get().file_name == "statement.csv"
    assert Receipt.objects.get().pledge == pledge
    assert s3.keys("imports") == [] and job.stored_files == []  # deleted once imported
    # The worker read its own copy, in its own scratch folder, and left nothing there.
    assert (worker / "scratch").is_dir() and files_under(worker / "scratch") == []
    assert not (worker / "imports").exists()
    assert not web_folders.exists()

    client.force_login(finance)
    done = client.get(reverse("import-job", args=[job.pk]))
    assert f"{LINES - 1} waiting for a person" in done.content.decode()


def test_nominations_taken_by_the_web_are_imported_elsewhere_and_their_notes_land_in_the_bucket(
    client, s3, open_event, officer, make_user, worker_queue, settings, tmp_path
):
    sheet = write_nominations(
        tmp_path, [row("Sita Sharma"), row("Tashi Wangmo", "BTN", note_verbale="bt.pdf")]
    )
    client.force_login(officer)
    client.post(
        reverse("grants-import-nominations", args=[open_event.code]),
        {"file": upload_of(sheet), "documents": notes_zip("np.pdf", "bt.pdf")},
    )
    job = ImportJob.objects.get()
    assert len(s3.keys("imports")) == 2  # the sheet and the ZIP

    worker = as_another_host(settings, tmp_path)
    run_worker("imports")

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, (job.error, job.problems)
    grants = list(Grant.objects.filter(event=open_event).order_by("reference"))
    assert len(grants) == 2 and s3.keys("imports") == []
    assert s3.keys("documents") == sorted(grant.note_verbale.name for grant in grants)
    assert files_under(worker / "scratch") == [] and not (worker / "documents").exists()

    client.force_login(make_user("s3-reader", Role.AUDITOR))
    grant = grants[0]
    url = reverse("grant-document", args=[open_event.code, grant.reference, "note-verbale"])
    assert b"".join(client.get(url).streaming_content) == PDF
    assert not (tmp_path / "local").exists()


def test_an_upload_gone_from_the_bucket_fails_its_job_saying_so_and_imports_nothing(
    s3, fund, finance, make_pledge, worker_queue, tmp_path
):
    path = big_statement(tmp_path, make_pledge("1000"))
    job = imports.request_import(
        ImportJob.Kind.BANK_STATEMENT, [upload_of(path)], fund=fund, by=finance
    )
    s3.server.client().delete_object(
        Bucket=s3.server.bucket, Key=s3.key("imports", job.stored_files[0])
    )
    run_worker("imports")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error == "The uploaded file is no longer there: upload it again."
    assert not BankStatement.objects.exists()


def test_prune_imports_fails_abandoned_jobs_and_deletes_their_uploads_and_strays_in_the_bucket(
    s3, fund, finance, make_pledge, worker_queue, tmp_path
):
    path = big_statement(tmp_path, make_pledge("1000"))
    job = imports.request_import(
        ImportJob.Kind.BANK_STATEMENT, [upload_of(path)], fund=fund, by=finance
    )
    s3.server.client().put_object(
        Bucket=s3.server.bucket, Key=s3.key("imports", "left/behind.csv"), Body=b"x"
    )
    assert len(s3.keys("imports")) == 2
    assert imports.prune(timezone.now()) == (0, 0)  # too young to be strays
    assert imports.prune(timezone.now() + datetime.timedelta(hours=7)) == (1, 1)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and s3.keys("imports") == []


# Readiness ------------------------------------------------------------------------------


def test_readyz_checks_the_bucket(client, s3, settings, s3_server):
    assert client.get("/readyz").json()["checks"]["storage"] == "ok"
    environ = {**s3_server.environ(s3.prefix), "AWS_STORAGE_BUCKET_NAME": "no-such-bucket"}
    settings.STORAGES = {**settings.STORAGES, **private_storages(environ)}
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["storage"] == "failed"
