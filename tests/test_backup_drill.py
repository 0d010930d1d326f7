"""The backup drill (fundmgr/backup_drill.py, docs/deploy.md, "Backup and restore") on the
database the tests run on: PostgreSQL when DATABASE_URL says so (pg_dump and
pg_restore on scratch databases of that server), SQLite otherwise (its online
backup API on scratch files). A backup restores into a fresh database and
storage with identical books, and the comparison names what a restored copy
changed: a byte of a document, a ledger leg, a guard, a sequence."""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

from fundmgr.backup_drill import Drill, DrillFailed, Site

ROOT = Path(__file__).resolve().parents[1]
VENDOR = "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"


def test_the_drill_backs_up_restores_and_finds_the_books_identical_then_drops_its_scratch(
    tmp_path,
):
    scratch = tmp_path / "tmp"  # where the drill makes its scratch folder
    scratch.mkdir()
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment["TMPDIR"] = str(scratch)
    before = _scratch_databases()
    result = subprocess.run(
        [sys.executable, "manage.py", "backup_drill"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Backup drill passed on {VENDOR}: "), result.stdout
    assert "stored files restored identical" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1
    assert list(scratch.iterdir()) == []
    assert _scratch_databases() == before


def _scratch_databases() -> list[str]:
    if VENDOR != "postgresql":
        return []
    drill = Drill(Path(tempfile.mkdtemp()))
    with drill._server_connection() as server:
        rows = server.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'fundmgr_drill_%'"
        ).fetchall()
    shutil.rmtree(drill.workdir)
    return [name for (name,) in rows]


# --- a restored copy changed: the comparison names what ----------------------------------


@pytest.fixture(scope="module")
def drilled():
    """One scratch source site backed up, for the tests below to restore."""
    drill = Drill(Path(tempfile.mkdtemp(prefix="fundmgr-drill-test-")))
    try:
        source = drill.new_site("source")
        drill.prepare_source(source)
        backup, manifest = drill.backup(source)
        yield drill, backup, manifest
    finally:
        drill.close()


SITES = itertools.count(1)


@pytest.fixture
def restored(drilled):
    drill, backup, _manifest = drilled
    site = drill.new_site(f"restored{next(SITES)}")
    drill.restore(site, backup)
    return site


def _execute(site: Site, *statements: str) -> None:
    if VENDOR == "sqlite":
        database = sqlite3.connect(site.root / "db.sqlite3")
        try:
            for statement in statements:
                database.execute(statement)
            database.commit()
        finally:
            database.close()
        return
    import psycopg

    with psycopg.connect(site.database_url, autocommit=True) as database:
        for statement in statements:
            database.execute(statement)


def _change_a_leg(site: Site) -> None:
    """Adds 1 to a leg's debit behind the guards' back, and puts them back as they were."""
    update = (
        "UPDATE fundmgr_leg SET debit = debit + 1 "
        "WHERE id = (SELECT MIN(id) FROM fundmgr_leg WHERE debit > 0)"
    )
    if VENDOR == "postgresql":
        # A superuser's session whose triggers do not fire (the tests' PostgreSQL).
        _execute(site, "SET session_replication_role = replica; " + update)
        return
    database = sqlite3.connect(site.root / "db.sqlite3")
    try:
        triggers = database.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'fundmgr_leg' ORDER BY rowid"
        ).fetchall()
        for name, _sql in triggers:
            database.execute(f"DROP TRIGGER {name}")
        database.execute(update)
        for _name, sql in triggers:
            database.execute(sql)
        database.commit()
    finally:
        database.close()


def test_a_restored_copy_left_alone_is_identical(drilled, restored):
    drill, backup, _manifest = drilled

    assert drill.compare(restored, backup) == []


def test_a_changed_byte_in_a_restored_document_is_named(drilled, restored):
    drill, backup, manifest = drilled
    name = sorted(manifest["storages"]["documents"]["files"])[0]
    path = restored.folder("DOCUMENTS_ROOT") / name
    content = bytearray(path.read_bytes())
    content[0] ^= 0x01
    path.write_bytes(bytes(content))

    assert drill.compare(restored, backup) == [f"documents/{name} differs (SHA-256 or size)"]


def test_a_changed_ledger_leg_in_the_restored_copy_is_named(drilled, restored):
    drill, backup, manifest = drilled
    _change_a_leg(restored)

    differences = drill.compare(restored, backup)

    rows = manifest["books"]["sections"]["UNFSSC journal"]["rows"]
    assert f"books: the UNFSSC journal differs ({rows} rows, the backup's {rows})" in differences
    assert any(d.startswith("books: the UNFSSC trial balance differs") for d in differences)
    # The journal lists the entries, then the legs: the first leg with a debit is the first leg.
    first_leg = manifest["tables"]["fundmgr_journalentry"] + 1
    assert any(
        d.startswith(f"books: the UNFSSC journal, line {first_leg}: the backup has")
        for d in differences
    ), differences
    # Same rows, guards back in place: only the books say what changed.
    assert not [d for d in differences if d.startswith(("table ", "guards"))]


def test_a_guard_dropped_from_the_restored_copy_is_named(drilled, restored):
    drill, backup, _manifest = drilled
    if VENDOR == "postgresql":
        _execute(restored, "DROP TRIGGER fundmgr_leg_no_update ON fundmgr_leg")
    else:
        _execute(restored, "DROP TRIGGER fundmgr_leg_no_update")

    assert drill.compare(restored, backup) == ["guards missing: fundmgr_leg_no_update"]


def test_a_row_added_to_a_restored_table_is_counted(drilled, restored):
    drill, backup, manifest = drilled
    _execute(
        restored,
        "INSERT INTO django_session (session_key, session_data, expire_date) "
        "VALUES ('drill', 'x', '2030-01-01 00:00:00')",
    )
    sessions = manifest["tables"]["django_session"]

    assert drill.compare(restored, backup) == [
        f"table django_session has {sessions + 1} rows, the backup {sessions}"
    ]


@pytest.mark.postgres_only
@pytest.mark.skipif(VENDOR != "postgresql", reason="SQLite's AUTOINCREMENT cannot fall behind")
def test_a_sequence_set_back_in_the_restored_copy_is_named(drilled, restored):
    drill, backup, _manifest = drilled
    _execute(restored, "SELECT setval(pg_get_serial_sequence('fundmgr_auditrecord', 'id'), 1)")

    differences = drill.compare(restored, backup)

    assert len(differences) == 1
    assert differences[0].startswith(
        "the sequence of fundmgr_auditrecord.id would hand out 2, an id already used"
    )


# --- restore refusals --------------------------------------------------------------------


def test_a_damaged_backup_is_refused_before_anything_is_restored(drilled):
    drill, backup, manifest = drilled
    damaged = drill.workdir / "damaged-backup"
    shutil.copytree(backup, damaged)
    name = sorted(manifest["storages"]["documents"]["files"])[-1]
    path = damaged / "files" / "documents" / name
    path.write_bytes(path.read_bytes() + b"\0")
    site = drill.new_site("refused_damaged")

    with pytest.raises(DrillFailed) as refused:
        drill.restore(site, damaged)

    assert str(refused.value) == (
        "manage.py restore on the refused_damaged site failed: CommandError: the backup's "
        f"files/documents/{name} is damaged: its SHA-256 or size differs from the manifest's"
    )
    # Nothing was written: the sound backup restores into the same site.
    drill.restore(site, backup)
    assert drill.compare(site, backup) == []


def test_restore_refuses_a_database_that_is_not_empty(drilled, restored):
    drill, backup, _manifest = drilled

    with pytest.raises(DrillFailed, match="CommandError: the database .* is not empty"):
        drill.restore(restored, backup)
    assert drill.compare(restored, backup) == []


def test_restore_refuses_storage_that_is_not_empty(drilled):
    drill, backup, _manifest = drilled
    site = drill.new_site("refused_storage")
    stray = site.folder("DOCUMENTS_ROOT") / "stray.pdf"
    stray.write_bytes(b"%PDF")

    with pytest.raises(DrillFailed, match="CommandError: the storage 'documents' is not empty"):
        drill.restore(site, backup)
