"""Backups' parts one at a time (fundmgr.services.books, fundmgr.services.backup):
the books' fingerprint, the comparison of a copy with a manifest, and the
commands' refusals (one line on stderr, exit status 1, nothing written). The
whole round trip on the database under test: tests/test_backup_drill.py."""

from __future__ import annotations

import datetime
import json
import re
import sqlite3
from contextlib import closing
from decimal import Decimal

import pytest

from fundmgr.money import Money
from fundmgr.services.backup import FORMAT, compare_states
from fundmgr.services.books import AUDIT_TRAIL, books_fingerprint, canonical
from fundmgr.services.ledger import credit, debit, post_entry
from tests.commands import refused_in_one_line, run_manage

AS_OF = datetime.date(2019, 12, 31)


# --- the books' fingerprint ----------------------------------------------------------------


def test_canonical_renders_money_dates_and_models_exactly_and_refuses_anything_else(fund):
    assert canonical(
        {"a": Money("1.50", "USD"), "b": Decimal("0.001"), "c": datetime.date(2019, 3, 20)}
    ) == {"a": "1.50 USD", "b": "0.001", "c": "2019-03-20"}
    assert (
        canonical(
            datetime.datetime(
                2019, 3, 20, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=-3))
            )
        )
        == "2019-03-20T15:00:00+00:00"
    )
    assert canonical(fund) == f"fundmgr.Fund#{fund.pk}"
    with pytest.raises(TypeError, match="no canonical form for object"):
        canonical(object())


def test_the_fingerprint_is_the_same_twice_and_has_each_fund_s_sections(fund):
    first = books_fingerprint(AS_OF)
    again = books_fingerprint(AS_OF)

    assert first == again
    assert sorted(first.sections) == [
        "TESTF journal",
        "TESTF statement",
        "TESTF trial balance",
        AUDIT_TRAIL,
    ]
    assert first.rows("TESTF trial balance") == fund.accounts.count() + 1  # and the totals


def test_an_entry_posted_changes_the_journal_the_trial_balance_the_statement_and_the_audit_trail(
    fund, admin_user
):
    before = books_fingerprint(AS_OF)
    post_entry(
        fund,
        datetime.date(2019, 3, 4),
        "Interest",
        [debit("bank", Money("10.00", "USD")), credit("interest", Money("10.00", "USD"))],
        admin_user,
    )

    after = books_fingerprint(AS_OF)

    changed = sorted(n for n in after.sections if after.sections[n] != before.sections[n])
    assert changed == ["TESTF journal", "TESTF statement", "TESTF trial balance", AUDIT_TRAIL]
    assert after.rows("TESTF journal") == before.rows("TESTF journal") + 3  # an entry, two legs
    assert after.sha256 != before.sha256


def test_the_fingerprint_reads_the_same_in_any_language(fund):
    from django.utils import translation

    with translation.override("fr"):
        in_french = books_fingerprint(AS_OF)

    assert in_french == books_fingerprint(AS_OF)


# --- comparing a copy with a manifest ------------------------------------------------------


def _state(**changes):
    state = {
        "books": {"sections": {"audit trail": {"sha256": "a" * 64, "rows": 3}}},
        "tables": {"fundmgr_leg": 4, "django_session": 0},
        "storages": {
            "documents": {
                "files": {"notes/aa/x.pdf": {"sha256": "b" * 64, "size": 10}},
            }
        },
    }
    state.update(changes)
    return state


def test_an_identical_copy_shows_no_difference():
    assert compare_states(_state(), _state()) == []


def test_every_kind_of_difference_is_named_one_line_each():
    copy = _state(
        books={"sections": {"audit trail": {"sha256": "c" * 64, "rows": 2}}},
        tables={"fundmgr_leg": 5, "stray": 1},
        storages={
            "documents": {
                "files": {
                    "notes/aa/x.pdf": {"sha256": "b" * 64, "size": 11},
                    "notes/bb/y.pdf": {"sha256": "d" * 64, "size": 1},
                }
            }
        },
    )

    assert compare_states(_state(), copy) == [
        "books: the audit trail differs (2 rows, the backup's 3)",
        "table django_session is missing",
        "table fundmgr_leg has 5 rows, the backup 4",
        "table stray is not in the backup",
        "documents/notes/aa/x.pdf differs (SHA-256 or size)",
        "documents/notes/bb/y.pdf is not in the backup",
    ]


def test_a_storage_the_copy_does_not_define_is_named():
    copy = _state(storages={"documents": {"files": None}})

    assert compare_states(_state(), copy) == [
        "storage documents is not defined in settings.STORAGES"
    ]


# --- PostgreSQL's clients ---------------------------------------------------------------


def test_pg_dump_and_pg_restore_get_the_password_in_their_environment_only(monkeypatch):
    from fundmgr.services import backup

    monkeypatch.setenv("PGPASSFILE", "/etc/fundmgr/pgpass")
    env = backup.postgres_env(
        {
            "NAME": "books",
            "USER": "fund",
            "PASSWORD": "s3cret-pw",
            "HOST": "db.internal",
            "PORT": 5433,
            "OPTIONS": {"sslmode": "verify-full"},
        }
    )

    assert {k: env[k] for k in ("PGDATABASE", "PGUSER", "PGPASSWORD", "PGHOST", "PGPORT")} == {
        "PGDATABASE": "books",
        "PGUSER": "fund",
        "PGPASSWORD": "s3cret-pw",
        "PGHOST": "db.internal",
        "PGPORT": "5433",
    }
    assert env["PGSSLMODE"] == "verify-full"
    assert env["PGPASSFILE"] == "/etc/fundmgr/pgpass"  # the process's own, as Django's


def test_a_postgresql_client_that_fails_is_one_line_naming_its_error(tmp_path):
    from fundmgr.services.backup import BackupError, _run_client

    with pytest.raises(BackupError, match=r"^pg_restore failed: pg_restore: error: .+"):
        _run_client(["pg_restore", "--list", str(tmp_path / "none.pgdump")], {"PATH": "/usr/bin"})
    with pytest.raises(BackupError, match="no_such_client is not installed"):
        _run_client(["no_such_client"], {"PATH": "/usr/bin"})


# --- the commands' refusals ----------------------------------------------------------------


def test_backup_refuses_a_folder_that_is_not_empty_and_leaves_it_alone(tmp_path):
    output = tmp_path / "backup"
    output.mkdir()
    (output / "earlier.txt").write_text("an earlier backup")

    result = run_manage(tmp_path / "db.sqlite3", "backup", "--output", str(output))

    refused_in_one_line(result)
    assert "is not empty: a backup never writes over another; give a new folder" in result.stderr
    assert [p.name for p in output.iterdir()] == ["earlier.txt"]


def test_backup_under_a_folder_writes_a_new_folder_named_by_the_time(tmp_path):
    database = tmp_path / "db.sqlite3"
    assert run_manage(database, "migrate", "-v0").returncode == 0
    backups = tmp_path / "backups"
    backups.mkdir()

    result = run_manage(database, "backup", "--under", str(backups))

    assert result.returncode == 0, result.stderr
    (made,) = backups.iterdir()
    assert re.fullmatch(r"\d{8}T\d{6}Z", made.name)
    assert (made / "manifest.json").is_file()
    assert f"Backup written to {made}" in result.stdout


def test_backup_under_a_folder_that_does_not_exist_is_refused_in_one_line(tmp_path):
    result = run_manage(tmp_path / "db.sqlite3", "backup", "--under", str(tmp_path / "none"))

    refused_in_one_line(result)
    assert "is not a folder: make it first" in result.stderr


def test_backup_without_an_output_folder_is_refused_in_one_line(tmp_path):
    result = run_manage(tmp_path / "db.sqlite3", "backup")

    refused_in_one_line(result)
    assert "--output" in result.stderr


def test_restore_refuses_a_folder_that_is_no_backup(tmp_path):
    missing = run_manage(tmp_path / "db.sqlite3", "restore", "--input", str(tmp_path / "none"))
    refused_in_one_line(missing)
    assert "none is not a folder" in missing.stderr

    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / "database.sqlite3").write_bytes(b"")
    result = run_manage(tmp_path / "db.sqlite3", "restore", "--input", str(unfinished))
    refused_in_one_line(result)
    assert "has no manifest.json: not a backup, or one that did not finish" in result.stderr

    (unfinished / "manifest.json").write_text("{not json")
    result = run_manage(tmp_path / "db.sqlite3", "restore", "--input", str(unfinished))
    refused_in_one_line(result)
    assert "cannot be read as JSON" in result.stderr


def _manifest(**changes):
    manifest = {
        "format": FORMAT,
        "created_at": "2019-03-20T12:00:00+00:00",
        "database": {"vendor": "sqlite", "file": "database.sqlite3", "sha256": "0", "size": 0},
        "migrations": {"fundmgr": ["0018_day_totals"]},
        "tables": {},
        "books": {"as_of": "2019-03-20", "sha256": "0", "sections": {}},
        "storages": {"documents": {"files": {}}},
        "skipped_storages": {},
    }
    manifest.update(changes)
    return manifest


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {
                "storages": {
                    "documents": {"files": {"../../etc/passwd": {"sha256": "0", "size": 1}}}
                }
            },
            "the file name '../../etc/passwd' would lead outside its storage's folder",
        ),
        ({"storages": {"media": {"files": {}}}}, "names an unknown storage 'media'"),
        ({"books": {"as_of": "2019-03-20"}}, "is incomplete or malformed"),
        ({"migrations": {"fundmgr": "0018_day_totals"}}, "(a migration is not named)"),
        (
            {"database": {"vendor": "postgresql", "file": "database.pgdump"}},
            "the backup is of a postgresql database; these settings' database is sqlite",
        ),
        (
            {"migrations": {"fundmgr": ["0999_from_the_future"]}},
            "the backup was taken at migrations this version does not have "
            "(fundmgr.0999_from_the_future)",
        ),
        (
            {
                "database": {
                    "vendor": "sqlite",
                    "file": "database.sqlite3",
                    "sha256": "0",
                    "size": 3,
                }
            },
            "the backup's database.sqlite3 is damaged",
        ),
    ],
)
def test_restore_refuses_a_manifest_it_cannot_trust_before_writing_anything(
    tmp_path, changes, message
):
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "database.sqlite3").write_bytes(b"")
    (backup / "manifest.json").write_text(json.dumps(_manifest(**changes)))
    database = tmp_path / "db.sqlite3"

    result = run_manage(database, "restore", "--input", str(backup))

    refused_in_one_line(result)
    assert message in result.stderr
    assert _tables(database) == []


def _tables(database) -> list[str]:
    if not database.exists():
        return []
    with closing(sqlite3.connect(database)) as opened:
        return opened.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()


def test_a_backup_from_before_a_migration_restores_and_says_to_migrate(tmp_path, monkeypatch):
    """A newer version restores an older backup: rows and files are compared
    (its models would read the books with columns the tables lack), and the
    operator is told to migrate."""
    for setting in ("DOCUMENTS_ROOT", "IMPORTS_ROOT", "EXPORTS_ROOT", "MEDIA_ROOT"):
        monkeypatch.setenv(setting, str(tmp_path / setting.lower()))  # never the project's
    source = tmp_path / "source.sqlite3"
    for step in (("migrate", "--noinput"), ("migrate", "fundmgr", "0017", "--noinput")):
        assert run_manage(source, *step).returncode == 0
    backup = tmp_path / "backup"
    taken = run_manage(source, "backup", "--output", str(backup))
    assert taken.returncode == 0, taken.stderr
    assert "migrations of this version are not applied to the database" in taken.stderr

    restored = run_manage(tmp_path / "restored.sqlite3", "restore", "--input", str(backup))

    assert restored.returncode == 0, restored.stderr
    assert "the row counts and files are identical." in restored.stdout
    assert "migrations of this version are not applied yet" in restored.stderr
    assert "run manage.py migrate" in restored.stderr
    migrated = run_manage(tmp_path / "restored.sqlite3", "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr


def test_a_backup_taken_before_migrate_keeps_rows_and_files_and_no_books_fingerprint(
    tmp_path, monkeypatch
):
    """An upgrade backs up first, with the new version's code and the old
    tables: the rows and files are kept, no books' fingerprint (the models
    would read columns the tables lack), and a comparison compares the rows
    and files only."""
    for setting in ("DOCUMENTS_ROOT", "IMPORTS_ROOT", "EXPORTS_ROOT", "MEDIA_ROOT"):
        monkeypatch.setenv(setting, str(tmp_path / setting.lower()))
    source = tmp_path / "source.sqlite3"
    for step in (("migrate", "--noinput"), ("migrate", "fundmgr", "0017", "--noinput")):
        assert run_manage(source, *step).returncode == 0
    backup = tmp_path / "backup"
    assert run_manage(source, "backup", "--output", str(backup)).returncode == 0
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["books"]["sections"] == {} and "books_left_out" in manifest

    compared = run_manage(source, "compare_backup", "--input", str(backup))
    assert compared.returncode == 0, compared.stderr


def test_compare_backup_refuses_a_folder_that_is_no_backup_in_one_line(tmp_path):
    result = run_manage(tmp_path / "db.sqlite3", "compare_backup", "--input", str(tmp_path))

    refused_in_one_line(result)
    assert "has no manifest.json" in result.stderr
