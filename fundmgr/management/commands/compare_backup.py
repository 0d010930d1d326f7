"""Compare the settings' database and storages with a backup: after a restore,
or to prove a backup just taken describes the live site (docs/deploy.md, "Backup and restore")."""

from pathlib import Path

from django.core.management.base import CommandError
from django.db import DatabaseError

from fundmgr.management.base import OperatorCommand
from fundmgr.services.backup import BackupError, compare_with_backup, one_line, summarise


class Command(OperatorCommand):
    help = (
        "Compare the settings' database and storages with a backup's manifest: the books "
        "(statement, trial balance, journal, audit trail), the row count of every table, "
        "every stored file's SHA-256, the guards and sequences. Exit status 1 naming what "
        "differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="a folder written by manage.py backup")
        parser.add_argument(
            "--all", action="store_true", help="print every difference, one per line, on stdout"
        )

    def handle(self, *args, input: str, all: bool, **options):
        folder = Path(input)
        try:
            differences = compare_with_backup(folder)
        except BackupError as refused:
            raise CommandError(str(refused)) from refused
        except (OSError, DatabaseError) as failed:
            raise CommandError(f"comparing with {folder} failed: {one_line(failed)}") from failed
        if differences:
            if all:
                for difference in differences:
                    self.stdout.write(difference)
            raise CommandError(
                f"{len(differences)} differences from the backup: {summarise(differences)}"
            )
        self.stdout.write(f"The database and storages hold exactly the backup in {folder}.")
