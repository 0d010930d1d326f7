"""Backing up the database and the stored files, restoring them into a fresh
database and storage, and checking that a copy holds the same books
(docs/deploy.md, "Backup and restore"; ``manage.py backup``, ``restore``, ``compare_backup``).

A backup is a folder (mode 0700: it holds every personal document):

- ``database.pgdump`` (PostgreSQL: ``pg_dump --format=custom``) or
  ``database.sqlite3`` (SQLite, for development: its online backup API);
- ``files/<storage>/<name>``: every file of the ``documents``, ``imports``
  and ``exports`` storages (``settings.STORAGES``; one not defined is skipped
  and the manifest says so);
- ``books.txt.gz``: the books' canonical text (fundmgr.services.books), to
  show the first line that differs when a copy does not match;
- ``manifest.json``, written last: when it was taken, the database vendor,
  the migrations applied (the last of each app), the SHA-256 and size of the
  dump and of every file, the row count of every table and the books'
  fingerprint as of the day of the backup.

The dump, the counts and the fingerprint are read from one snapshot of the
database (PostgreSQL: a repeatable-read transaction whose snapshot pg_dump
shares; SQLite: one read transaction), so the manifest describes exactly the
dump even while the site is in use. Files are copied after the dump: a row in
the dump names a file written before the row was committed.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import posixpath
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import InvalidStorageError, Storage, storages
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from fundmgr.checks import guard_differences
from fundmgr.services.books import BooksFingerprint, books_fingerprint, table_counts

FORMAT = "fundmgr-backup/1"
MANIFEST = "manifest.json"
BOOKS_TEXT = "books.txt.gz"
FILES = "files"
#: The storages whose files are the site's own data (settings.STORAGES).
STORAGE_ALIASES = ("documents", "imports", "exports")
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup, restore or comparison refused or failed; the message, one
    line, says why."""


@dataclass
class BackupSummary:
    manifest: dict[str, Any]
    skipped: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    books_compared: bool = True

    @property
    def files(self) -> int:
        return sum(len(s["files"]) for s in self.manifest["storages"].values())

    @property
    def file_bytes(self) -> int:
        return sum(
            f["size"] for s in self.manifest["storages"].values() for f in s["files"].values()
        )


# --- files ---------------------------------------------------------------------------


def _sha256_of(read: Callable[[int], bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def file_digest(path: Path) -> tuple[str, int]:
    with path.open("rb") as handle:
        return _sha256_of(handle.read)


def storage_or_none(alias: str) -> Storage | None:
    try:
        return storages[alias]
    except InvalidStorageError:
        return None


def storage_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in ``storage`` under ``folder``, folders walked in turn
    (Django's storage API has no recursive listing); a local folder not made
    yet is empty."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        if folder:
            raise
        return
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for name in sorted(folders):
        yield from storage_names(storage, posixpath.join(folder, name) if folder else name)


def storage_files(storage: Storage) -> dict[str, dict[str, Any]]:
    """Every file of ``storage`` with its SHA-256 and size, read back through the storage."""
    found = {}
    for name in storage_names(storage):
        with storage.open(name, "rb") as handle:
            sha256, size = _sha256_of(handle.read)
        found[name] = {"sha256": sha256, "size": size}
    return found


def _safe_name(name: str) -> str:
    """A stored name from a manifest, refused if it could leave its folder."""
    parts = name.split("/")
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise BackupError(f"the file name {name!r} would lead outside its storage's folder")
    return name


# --- the database --------------------------------------------------------------------


def postgres_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for the settings' database: the password in
    PGPASSWORD (never on a command line, where ``ps`` shows it), TLS and
    service options as Django's own ``dbshell`` passes them."""
    from django.db.backends.postgresql.client import DatabaseClient

    _args, extra = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    # The process's own PG* variables stay: Django's connection reads them
    # too for what the settings leave out (a host, a password file).
    env = dict(os.environ)
    env.update(extra or {})
    for key, setting in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if settings_dict.get(setting):
            env[key] = str(settings_dict[setting])
    env["PGDATABASE"] = settings_dict.get("NAME") or "postgres"
    env["PGCONNECT_TIMEOUT"] = env.get("PGCONNECT_TIMEOUT", "10")
    return env


def _run_client(command: list[str], env: dict[str, str]) -> None:
    """Runs a PostgreSQL client; its first error line if it fails."""
    try:
        result = subprocess.run(  # noqa: S603 - a fixed client, arguments we built
            command, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as missing:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)"
        ) from missing
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()] or lines
        why = errors[0].strip() if errors else f"exit status {result.returncode}"
        raise BackupError(f"{command[0]} failed: {why}")


def migration_heads() -> dict[str, list[str]]:
    """The last migration applied of each app (several if its graph branches)."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    applied = set(loader.applied_migrations)
    heads: dict[str, list[str]] = {}
    for app, name in sorted(applied):
        node = loader.graph.node_map.get((app, name))
        children = node.children if node else set()
        if not any(child in applied and child[0] == app for child in children):
            heads.setdefault(app, []).append(name)
    return heads


def _unknown_migrations(heads: dict[str, list[str]]) -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [
        f"{app}.{name}"
        for app, names in sorted(heads.items())
        for name in names
        if (app, name) not in loader.disk_migrations
    ]


def _unapplied_migrations() -> int:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return sum(1 for key in loader.graph.nodes if key not in loader.applied_migrations)


@contextlib.contextmanager
def _snapshot() -> Iterator[str | None]:
    """One read-only view of the database for the dump and what the manifest
    says of it; on PostgreSQL its exported snapshot, which pg_dump shares."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                yield cursor.fetchone()[0]
            else:
                cursor.execute("SELECT COUNT(*) FROM sqlite_master")  # the read begins here
                yield None


def _dump(path: Path, snapshot: str | None) -> None:
    if connection.vendor == "postgresql":
        env = postgres_env(connection.settings_dict)
        command = ["pg_dump", "--format=custom", "--no-password", f"--file={path}"]
        if snapshot:
            command.append(f"--snapshot={snapshot}")
        _run_client(command, env)
        return
    # SQLite: the online backup API, from the connection holding the read
    # transaction, so the copy is the snapshot the manifest describes.
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


# --- taking a backup -------------------------------------------------------------------


def _prepare_output(output: Path) -> bool:
    """Makes ``output`` (mode 0700); refuses a folder with anything in it.
    True if it was made here (removed again if the backup fails)."""
    if output.exists():
        if not output.is_dir():
            raise BackupError(f"{output} is a file, not a folder")
        if any(output.iterdir()):
            raise BackupError(
                f"{output} is not empty: a backup never writes over another; give a new folder"
            )
        output.chmod(0o700)
        return False
    try:
        output.mkdir(mode=0o700, parents=True)
    except OSError as refused:
        raise BackupError(f"{output} could not be made: {refused.strerror}") from refused
    return True


def _private_copy(source, target: Path, root: Path) -> tuple[str, int]:
    """Copies ``source`` into ``target`` (under ``root``), readable by its owner only."""
    for folder in reversed([*target.relative_to(root).parents][:-1]):
        (root / folder).mkdir(mode=0o700, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def take_backup(output: Path, aliases: tuple[str, ...] = STORAGE_ALIASES) -> BackupSummary:
    """Writes a backup of the settings' database and storages into ``output``
    (a new or empty folder); BackupError if it cannot."""
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise BackupError(f"backups support PostgreSQL and SQLite, not {vendor}")
    made = _prepare_output(output)
    try:
        return _write_backup(output, vendor, aliases)
    except BaseException:
        if made:
            shutil.rmtree(output, ignore_errors=True)
        else:
            for child in output.iterdir():
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        raise


def _write_backup(output: Path, vendor: str, aliases: tuple[str, ...]) -> BackupSummary:
    created_at = timezone.now()
    as_of = timezone.localdate(created_at)
    dump = output / DUMPS[vendor]
    text_fd = os.open(output / BOOKS_TEXT, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(text_fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as text:

        def sink(section: str, line: str) -> None:
            text.write(f"{section}\t{line}\n".encode())

        with _snapshot() as snapshot:
            _dump(dump, snapshot)
            # Before `migrate` (an upgrade's first step is a backup), this
            # version's models would read the books with columns the tables
            # lack: the rows and files are backed up and compared, not the books.
            pending = _unapplied_migrations()
            if pending:
                fingerprint = BooksFingerprint(as_of, {})
            else:
                fingerprint = books_fingerprint(as_of, sink=sink)
            tables = table_counts()
            heads = migration_heads()
    dump.chmod(0o600)
    dump_sha256, dump_size = file_digest(dump)

    stored: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    for alias in aliases:
        storage = storage_or_none(alias)
        if storage is None:
            skipped[alias] = "not defined in settings.STORAGES"
            continue
        files = {}
        for name in storage_names(storage):
            _safe_name(name)
            with storage.open(name, "rb") as handle:
                sha256, size = _private_copy(handle, output / FILES / alias / name, output)
            files[name] = {"sha256": sha256, "size": size}
        stored[alias] = {"backend": type(storage).__module__ + "." + type(storage).__name__}
        stored[alias]["files"] = files

    manifest = {
        "format": FORMAT,
        "created_at": created_at.isoformat(),
        "database": {
            "vendor": vendor,
            "file": dump.name,
            "sha256": dump_sha256,
            "size": dump_size,
        },
        "migrations": heads,
        "tables": tables,
        "books": fingerprint.as_json(),
        "storages": stored,
        "skipped_storages": skipped,
    }
    if pending:
        manifest["books_left_out"] = (
            f"{pending} migrations of this version were not applied to the database"
        )
    fd = os.open(output / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=1, sort_keys=True)
        handle.write("\n")
    summary = BackupSummary(manifest, skipped, books_compared=not pending)
    if pending:
        summary.notes.append(
            f"{pending} migrations of this version are not applied to the database: the rows "
            "and files were backed up, not the books' fingerprint (a restore compares rows and "
            "files only); take the backup with the version that runs the database to have it"
        )
    return summary


# --- reading and checking a backup -------------------------------------------------------


def read_manifest(folder: Path) -> dict[str, Any]:
    """The backup's manifest, refused (BackupError) unless it is one this
    version wrote, whole."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as missing:
        raise BackupError(
            f"{folder} has no {MANIFEST}: not a backup, or one that did not finish"
        ) from missing
    except (OSError, UnicodeDecodeError, ValueError) as unreadable:
        raise BackupError(f"{path} cannot be read as JSON ({unreadable})") from unreadable
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a fundmgr backup manifest ({FORMAT})")
    try:
        database = manifest["database"]
        if database["vendor"] not in DUMPS or database["file"] != DUMPS[database["vendor"]]:
            raise BackupError(f"{path} names an unknown database dump")
        BooksFingerprint.from_json(manifest["books"])
        for alias, stored in manifest["storages"].items():
            if alias not in STORAGE_ALIASES:
                raise BackupError(f"{path} names an unknown storage {alias!r}")
            for name, digest in stored["files"].items():
                _safe_name(name)
                str(digest["sha256"])
                int(digest["size"])
        if not all(isinstance(n, int) for n in manifest["tables"].values()):
            raise ValueError("a table's row count is not a number")
        for names in manifest["migrations"].values():
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise ValueError("a migration is not named")
    except (KeyError, TypeError, AttributeError, ValueError) as wrong:
        raise BackupError(f"{path} is incomplete or malformed ({wrong})") from wrong
    return manifest


def verify_backup(folder: Path, manifest: dict[str, Any]) -> None:
    """Every file of the backup is there, with the size and SHA-256 its
    manifest gives; BackupError naming the first that is not."""
    expected = [(folder / manifest["database"]["file"], manifest["database"])]
    expected += [
        (folder / FILES / alias / name, digest)
        for alias, stored in sorted(manifest["storages"].items())
        for name, digest in sorted(stored["files"].items())
    ]
    for path, digest in expected:
        shown = path.relative_to(folder)
        if not path.is_file():
            raise BackupError(f"the backup is missing {shown}")
        sha256, size = file_digest(path)
        if size != digest["size"] or sha256 != digest["sha256"]:
            raise BackupError(
                f"the backup's {shown} is damaged: its SHA-256 or size differs from the manifest's"
            )


# --- comparing a database and storages with a backup ------------------------------------


def current_state(as_of, aliases, *, books: bool = True) -> dict[str, Any]:
    """What a manifest records, read from the settings' database and storages
    (without the books: an empty fingerprint)."""
    stored = {}
    for alias in aliases:
        storage = storage_or_none(alias)
        stored[alias] = {"files": storage_files(storage) if storage else None}
    return {
        "books": books_fingerprint(as_of).as_json() if books else {"sections": {}},
        "tables": table_counts(),
        "storages": stored,
    }


def compare_states(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """What differs between a backup's manifest (``expected``) and a copy
    (``actual``): books sections, row counts of tables and stored files, one
    line each; empty when the copy holds the same."""
    differences = []
    want = expected["books"]["sections"]
    have = actual["books"]["sections"]
    for name in sorted(set(want) | set(have)):
        if name not in have:
            differences.append(f"books: the {name} is missing")
        elif name not in want:
            differences.append(f"books: the {name} is not in the backup")
        elif want[name] != have[name]:
            differences.append(
                f"books: the {name} differs ({have[name]['rows']} rows, "
                f"the backup's {want[name]['rows']})"
            )
    for table in sorted(set(expected["tables"]) | set(actual["tables"])):
        if table not in actual["tables"]:
            differences.append(f"table {table} is missing")
        elif table not in expected["tables"]:
            differences.append(f"table {table} is not in the backup")
        elif expected["tables"][table] != actual["tables"][table]:
            differences.append(
                f"table {table} has {actual['tables'][table]} rows, "
                f"the backup {expected['tables'][table]}"
            )
    for alias, stored in sorted(expected["storages"].items()):
        files = actual["storages"].get(alias, {}).get("files")
        if files is None:
            differences.append(f"storage {alias} is not defined in settings.STORAGES")
            continue
        for name, digest in sorted(stored["files"].items()):
            if name not in files:
                differences.append(f"{alias}/{name} is missing")
            elif files[name] != {"sha256": digest["sha256"], "size": digest["size"]}:
                differences.append(f"{alias}/{name} differs (SHA-256 or size)")
        for name in sorted(set(files) - set(stored["files"])):
            differences.append(f"{alias}/{name} is not in the backup")
    return differences


def _first_line_differing(folder: Path, sections: list[str], as_of) -> list[str]:
    """For each books section that differs, the first line where the copy's
    canonical text leaves the backup's (``books.txt.gz``)."""
    path = folder / BOOKS_TEXT
    if not sections or not path.is_file():
        return []
    wanted: dict[str, list[str]] = {name: [] for name in sections}
    with gzip.open(path, "rt", encoding="utf-8") as text:
        for row in text:
            name, _tab, line = row.rstrip("\n").partition("\t")
            if name in wanted:
                wanted[name].append(line)
    found: dict[str, list[str]] = {name: [] for name in sections}

    def sink(section: str, line: str) -> None:
        if section in found:
            found[section].append(line)

    books_fingerprint(as_of, sink=sink)
    shown = []
    for name in sections:
        backup, copy = wanted[name], found[name]
        for number, (a, b) in enumerate(zip(backup, copy, strict=False), start=1):
            if a != b:
                shown.append(
                    f"books: the {name}, line {number}: the backup has {a[:160]}, "
                    f"this copy has {b[:160]}"
                )
                break
        else:
            shown.append(f"books: the {name} has {len(copy)} lines, the backup's {len(backup)}")
    return shown


def database_problems() -> list[str]:
    """What the database itself should say after a restore: every guard
    installed as defined (the system check fundmgr.E001/E002), and on
    PostgreSQL every sequence past the ids already used."""
    problems = []
    missing, altered = guard_differences(connection)
    if missing:
        problems.append(f"guards missing: {', '.join(sorted(missing))}")
    if altered:
        problems.append(f"guards differing from their definitions: {', '.join(sorted(altered))}")
    if connection.vendor != "postgresql":
        return problems
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attname, "
            "pg_get_serial_sequence(quote_ident(c.relname), a.attname) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 "
            "AND NOT a.attisdropped "
            "AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL "
            "ORDER BY c.relname"
        )
        for table, column, sequence in cursor.fetchall():
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
            last, called = cursor.fetchone()
            cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")  # noqa: S608
            (highest,) = cursor.fetchone()
            if highest is not None and (highest > last or (highest == last and not called)):
                problems.append(
                    f"the sequence of {table}.{column} would hand out {last + int(called)}, "
                    f"an id already used (highest {highest})"
                )
    return problems


def compare_with_backup(
    folder: Path, manifest: dict[str, Any] | None = None, *, books: bool = True
) -> list[str]:
    """What differs between the settings' database and storages and the
    backup in ``folder``, then what the database itself reports (guards,
    sequences); empty when the copy holds exactly what was backed up.
    ``books=False`` leaves the books out (a newer version reads them
    otherwise than the one that made the backup)."""
    manifest = manifest or read_manifest(folder)
    if manifest["database"]["vendor"] != connection.vendor:
        return [
            f"the backup is of a {manifest['database']['vendor']} database, "
            f"these settings' is {connection.vendor}"
        ]
    books = books and "books_left_out" not in manifest  # taken before a migrate
    as_of = BooksFingerprint.from_json(manifest["books"]).as_of
    actual = current_state(as_of, sorted(manifest["storages"]), books=books)
    if not books:
        manifest = {**manifest, "books": {"sections": {}}}
    differences = compare_states(manifest, actual)
    differing = [
        name
        for name, digest in manifest["books"]["sections"].items()
        if actual["books"]["sections"].get(name, digest) != digest
    ]
    first_lines = _first_line_differing(folder, sorted(differing), as_of)
    return differences + first_lines + database_problems()


# --- restoring ---------------------------------------------------------------------------


def _refuse_unless_empty(manifest: dict[str, Any]) -> None:
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"the database {connection.settings_dict['NAME']} is not empty ({len(tables)} "
            "tables): restore only into a new, empty database"
        )
    for alias, stored in sorted(manifest["storages"].items()):
        storage = storage_or_none(alias)
        if storage is None:
            raise BackupError(
                f"the backup holds the storage {alias!r} ({len(stored['files'])} files), "
                "which settings.STORAGES does not define"
            )
        if next(storage_names(storage), None) is not None:
            raise BackupError(
                f"the storage {alias!r} is not empty: restore only into empty storage"
            )


def _restore_database(folder: Path, manifest: dict[str, Any]) -> None:
    dump = folder / manifest["database"]["file"]
    settings_dict = connection.settings_dict
    connection.close()
    if connection.vendor == "postgresql":
        env = postgres_env(settings_dict)
        _run_client(
            [
                "pg_restore",
                "--exit-on-error",
                "--single-transaction",
                # Every object owned by the settings' user, who restores it;
                # the source's roles and grants need not exist here.
                "--no-owner",
                "--no-privileges",
                "--no-password",
                f"--dbname={env['PGDATABASE']}",
                str(dump),
            ],
            env,
        )
        return
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    target = sqlite3.connect(settings_dict["NAME"])
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _restore_files(folder: Path, manifest: dict[str, Any]) -> None:
    for alias, stored in sorted(manifest["storages"].items()):
        storage = storages[alias]
        for name, digest in sorted(stored["files"].items()):
            with (folder / FILES / alias / name).open("rb") as handle:
                saved = storage.save(name, File(handle, name=posixpath.basename(name)))
            if saved != name:
                raise BackupError(f"{alias}/{name} was stored as {saved}")
            with storage.open(name, "rb") as handle:
                sha256, size = _sha256_of(handle.read)
            if (sha256, size) != (digest["sha256"], digest["size"]):
                raise BackupError(f"{alias}/{name} reads back differently from the backup")


def restore_backup(folder: Path) -> BackupSummary:
    """Restores the backup in ``folder`` into the settings' database and
    storages, which must be empty, then checks the copy against the manifest.
    Nothing is written before the backup is checked whole."""
    manifest = read_manifest(folder)
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"the backup is of a {vendor} database; these settings' database is {connection.vendor}"
        )
    unknown = _unknown_migrations(manifest["migrations"])
    if unknown:
        raise BackupError(
            f"the backup was taken at migrations this version does not have "
            f"({', '.join(unknown)}): restore it with the version that made it, or a newer one"
        )
    verify_backup(folder, manifest)
    _refuse_unless_empty(manifest)
    _restore_database(folder, manifest)
    try:
        _restore_files(folder, manifest)
    except (BackupError, OSError) as failed:
        raise BackupError(
            f"the database was restored but not the files ({failed}): drop and re-create "
            "the database, empty the storages and restore again"
        ) from failed
    # A newer version than the backup's reads the books with columns the
    # restored tables do not have yet: it compares rows and files only.
    pending = _unapplied_migrations()
    books = not pending and "books_left_out" not in manifest
    differences = compare_with_backup(folder, manifest, books=books)
    if differences:
        raise BackupError("the restored copy differs from the backup: " + summarise(differences))
    summary = BackupSummary(
        manifest, dict(manifest.get("skipped_storages", {})), books_compared=books
    )
    if "books_left_out" in manifest and not pending:
        summary.notes.append(
            f"the backup holds no books' fingerprint ({manifest['books_left_out']}): the row "
            "counts and files were compared, not the books"
        )
    if pending:
        summary.notes.append(
            f"{pending} migrations of this version are not applied yet: the row counts and "
            "files were compared, not the books; to compare the books too, restore with the "
            "version that made the backup (then upgrade); else run manage.py migrate"
        )
    return summary


def one_line(error: BaseException) -> str:
    """An unexpected failure (the disk, the database server) as one line."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def summarise(differences: list[str], most: int = 5) -> str:
    shown = "; ".join(differences[:most])
    if len(differences) > most:
        shown += f" (and {len(differences) - most} more)"
    return shown
