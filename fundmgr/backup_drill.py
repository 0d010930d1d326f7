"""The backup drill (``manage.py backup_drill``, docs/deploy.md, "Backup and restore"): proves
on scratch databases and folders that a backup restores into a fresh
database and storage holding the same books.

1. A scratch *source* site: a new database (PostgreSQL: ``CREATE DATABASE`` on
   the settings' server; SQLite: a new file), new storage folders; migrated,
   the demo loaded (grants with their notes verbales and boarding passes,
   pledges, receipts), a bank statement imported, a file in each of the
   imports and exports folders.
2. ``manage.py backup`` of it; ``manage.py compare_backup`` on the source (the
   manifest describes it).
3. A scratch *restored* site, empty; ``manage.py restore`` into it.
4. ``manage.py check --database default`` (the guards' check) and
   ``manage.py compare_backup`` on the restored site: the books fingerprint
   (statement, trial balance, journal, audit trail), the row count of every
   table, every stored file's SHA-256, the guards and sequences.
5. The scratch databases and folders are dropped (``--keep`` keeps them).

Every step is a ``manage.py`` process as an operator would run it, with an
environment holding only the scratch database and folders: nothing of the
deployment's own (its DATABASE_URL, object storage, cache, Sentry) reaches
the drill, so it never reads or writes the live site.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings

from fundmgr.services.backup import one_line, read_manifest

#: The only variables of the drill's own environment its steps see.
PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SYSTEMROOT")
ROOTS = ("DOCUMENTS_ROOT", "IMPORTS_ROOT", "EXPORTS_ROOT", "MEDIA_ROOT", "FUNDMGR_SCRATCH_DIR")
#: A bank statement with a line no pledge reference matches: it waits for a person.
ACTIVITY_STATEMENT = (
    "value_date,amount,currency,reference,counterparty,bank_ref\n"
    "2019-03-15,125.00,USD,DRILL-NO-SUCH-PLEDGE,Backup drill,DRILL-BANK-1\n"
)


class DrillFailed(Exception):
    """A step of the drill failed; the message names it."""


@dataclass
class Site:
    label: str
    database_url: str
    root: Path
    database_name: str = ""  # PostgreSQL: the scratch database

    def folder(self, setting: str) -> Path:
        return self.root / setting.removesuffix("_ROOT").removesuffix("_DIR").lower()

    def env(self) -> dict[str, str]:
        env = {key: os.environ[key] for key in PASSED_ON if key in os.environ}
        env.update(
            DATABASE_URL=self.database_url,
            FUNDMGR_ENV="development",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        env.update({setting: str(self.folder(setting)) for setting in ROOTS})
        return env


@dataclass
class DrillResult:
    vendor: str
    manifest: dict[str, Any]
    differences: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        m = self.manifest
        files = sum(len(s["files"]) for s in m["storages"].values())
        tables = m["tables"]
        return (
            f"Backup drill passed on {self.vendor}: {len(tables)} tables "
            f"({sum(tables.values())} rows: {tables.get('fundmgr_journalentry', 0)} entries, "
            f"{tables.get('fundmgr_leg', 0)} legs, {tables.get('fundmgr_auditrecord', 0)} "
            f"audit records) and {files} stored files "
            f"restored identical (books sha256 {m['books']['sha256'][:16]})."
        )


class Drill:
    """Scratch sites on the settings' database server (PostgreSQL) or in
    ``workdir`` (SQLite), and the ``manage.py`` steps run on them."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        database = settings.DATABASES["default"]
        self.vendor = "postgresql" if "postgresql" in database["ENGINE"] else "sqlite"
        self.server = database if self.vendor == "postgresql" else None
        self.token = secrets.token_hex(4)
        self.sites: list[Site] = []

    # --- scratch sites ---------------------------------------------------------------

    def _server_connection(self):
        import psycopg

        assert self.server is not None
        options = self.server.get("OPTIONS", {})
        return psycopg.connect(
            host=self.server.get("HOST") or None,
            port=self.server.get("PORT") or None,
            user=self.server.get("USER") or None,
            password=self.server.get("PASSWORD") or None,
            dbname="postgres",
            sslmode=options.get("sslmode"),
            autocommit=True,
            connect_timeout=10,
        )

    def new_site(self, label: str) -> Site:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,29}", label):
            raise ValueError(f"a scratch site's label is a short lowercase name, not {label!r}")
        root = self.workdir / label
        for setting in ROOTS:
            (root / setting.removesuffix("_ROOT").removesuffix("_DIR").lower()).mkdir(
                parents=True, exist_ok=True
            )
        if self.server is None:
            site = Site(label, f"sqlite:///{root / 'db.sqlite3'}", root)
            self.sites.append(site)
            return site
        name = f"fundmgr_drill_{self.token}_{label}"
        try:
            with self._server_connection() as server:
                server.execute(f'CREATE DATABASE "{name}"')  # our own name: [a-z0-9_]
        except Exception as refused:  # psycopg.Error: no server, no CREATEDB right
            raise DrillFailed(
                f"the scratch database {name} could not be made: {one_line(refused)}"
            ) from refused
        credentials = quote(self.server.get("USER") or "", safe="")
        if self.server.get("PASSWORD"):
            credentials += ":" + quote(self.server["PASSWORD"], safe="")
        host = self.server.get("HOST") or "localhost"
        port = f":{self.server['PORT']}" if self.server.get("PORT") else ""
        query = {k: v for k, v in self.server.get("OPTIONS", {}).items() if k == "sslmode"}
        url = f"postgres://{credentials}@{host}{port}/{name}"
        if query:
            url += "?" + urlencode(query)
        site = Site(label, url, root, name)
        self.sites.append(site)
        return site

    def close(self) -> None:
        """Drops the scratch databases and removes the scratch folders."""
        if self.server is not None:
            names = [site.database_name for site in self.sites if site.database_name]
            if names:
                with self._server_connection() as server:
                    for name in names:
                        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(self.workdir, ignore_errors=True)

    # --- steps ---------------------------------------------------------------------------

    def manage(self, site: Site, *args: str, ok: tuple[int, ...] = (0,)):
        result = subprocess.run(  # noqa: S603 - this interpreter, this project's manage.py
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
            cwd=settings.BASE_DIR,
            env=site.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode not in ok:
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            raise DrillFailed(
                f"manage.py {args[0]} on the {site.label} site failed: "
                f"{lines[-1] if lines else 'exit status ' + str(result.returncode)}"
            )
        return result

    def prepare_source(self, site: Site) -> None:
        self.manage(site, "migrate", "--noinput")
        self.manage(site, "load_demo")
        statement = self.workdir / "drill-statement.csv"
        statement.write_text(ACTIVITY_STATEMENT, encoding="utf-8")
        self.manage(site, "import_bank_statement", str(statement), "--fund", "UNFSSC")
        # A file in each of the other storages' folders, so their round trip
        # is proven too (when settings.STORAGES defines them).
        for setting in ("IMPORTS_ROOT", "EXPORTS_ROOT"):
            sample = site.folder(setting) / "drill" / "sample.csv"
            sample.parent.mkdir(parents=True, exist_ok=True)
            sample.write_text(ACTIVITY_STATEMENT, encoding="utf-8")

    def backup(self, site: Site) -> tuple[Path, dict[str, Any]]:
        folder = self.workdir / "backup"
        self.manage(site, "backup", "--output", str(folder))
        manifest = read_manifest(folder)
        if not manifest["storages"].get("documents", {}).get("files"):
            raise DrillFailed("the source has no stored document: the drill proves no file")
        return folder, manifest

    def restore(self, site: Site, backup: Path) -> None:
        self.manage(site, "restore", "--input", str(backup))

    def compare(self, site: Site, backup: Path) -> list[str]:
        result = self.manage(site, "compare_backup", "--input", str(backup), "--all", ok=(0, 1))
        if result.returncode == 0:
            return []
        return [line for line in result.stdout.splitlines() if line.strip()] or [
            result.stderr.strip()
        ]


def run_drill(drill: Drill, *, after_restore: Callable[[Site], None] | None = None) -> DrillResult:
    """The whole drill on ``drill``'s scratch sites; ``after_restore(site)``
    may change the restored copy first (the tests tamper with it)."""
    source = drill.new_site("source")
    drill.prepare_source(source)
    backup, manifest = drill.backup(source)
    on_source = drill.compare(source, backup)
    if on_source:
        return DrillResult(drill.vendor, manifest, [f"source: {d}" for d in on_source])
    restored = drill.new_site("restored")
    drill.restore(restored, backup)
    # The system check, as an operator runs it after a restore (the guards: E001/E002).
    drill.manage(restored, "check", "--database", "default")
    if after_restore:
        after_restore(restored)
    return DrillResult(drill.vendor, manifest, drill.compare(restored, backup))
