"""Restore a backup into the settings' database and storages, which must be
new and empty, then check the copy holds the same books (docs/deploy.md, "Backup and restore")."""

from pathlib import Path

from django.core.management.base import CommandError
from django.db import DatabaseError

from fundmgr.management.base import OperatorCommand
from fundmgr.services.backup import BackupError, one_line, restore_backup


class Command(OperatorCommand):
    help = (
        "Restore a backup folder into the settings' database (new and empty) and storages "
        "(empty), after checking every file's SHA-256; then compare the copy's books, "
        "row counts and files with the backup's manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="a folder written by manage.py backup")

    def handle(self, *args, input: str, **options):
        folder = Path(input)
        try:
            summary = restore_backup(folder)
        except BackupError as refused:
            raise CommandError(str(refused)) from refused
        except (OSError, DatabaseError) as failed:
            raise CommandError(f"the restore from {folder} failed: {one_line(failed)}") from failed
        manifest = summary.manifest
        for note in summary.notes:
            self.stderr.write(f"note: {note}")
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']} from {folder}: "
            f"{len(manifest['tables'])} tables, {summary.files} stored files; "
            + (
                "the row counts and files are identical."
                if not summary.books_compared
                else "the books, row counts and files are identical "
                f"(books sha256 {manifest['books']['sha256']})."
            )
        )
