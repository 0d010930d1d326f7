"""Back up the database and the stored files into a new folder
(docs/deploy.md, "Backup and restore"); run it from cron or a timer, then copy the folder off
the host."""

from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import CommandError
from django.db import DatabaseError

from fundmgr.management.base import OperatorCommand
from fundmgr.services.backup import BackupError, one_line, take_backup


class Command(OperatorCommand):
    help = (
        "Write a backup (database dump, every file of the documents, imports and exports "
        "storages, and a manifest with their SHA-256 and the books' fingerprint) into a "
        "new or empty folder."
    )

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--output", help="a new or empty folder")
        where.add_argument(
            "--under",
            help="a folder in which to make a new one named by the time, in UTC "
            "(20261206T020000Z): what the daily timer runs",
        )

    def handle(self, *args, output: str | None, under: str | None, **options):
        if under is not None:
            if not Path(under).is_dir():
                raise CommandError(f"{under} is not a folder: make it first (its owner only)")
            folder = Path(under) / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        else:
            folder = Path(output or "")
        try:
            summary = take_backup(folder)
        except BackupError as refused:
            raise CommandError(str(refused)) from refused
        except (OSError, DatabaseError) as failed:
            raise CommandError(f"the backup into {folder} failed: {one_line(failed)}") from failed
        for alias, why in summary.skipped.items():
            self.stderr.write(f"note: storage {alias!r} skipped: {why}")
        for note in summary.notes:
            self.stderr.write(f"note: {note}")
        manifest = summary.manifest
        books = manifest["books"]
        self.stdout.write(
            f"Backup written to {folder}: {manifest['database']['vendor']} database "
            f"({manifest['database']['size']} bytes, {len(manifest['tables'])} tables), "
            f"{summary.files} stored files ({summary.file_bytes} bytes); "
            f"books as of {books['as_of']}: sha256 {books['sha256']}."
        )
