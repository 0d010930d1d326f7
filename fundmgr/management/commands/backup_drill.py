"""The backup drill on scratch databases and folders (fundmgr.backup_drill,
docs/deploy.md, "Backup and restore"): back up, restore into a fresh database and storage,
check the restored books are identical. Run in CI (tests/test_backup_drill.py)."""

import tempfile
from pathlib import Path

from django.core.management.base import CommandError

from fundmgr.backup_drill import Drill, DrillFailed, run_drill
from fundmgr.management.base import OperatorCommand
from fundmgr.services.backup import BackupError, summarise


class Command(OperatorCommand):
    help = (
        "Back up a scratch copy of the demo (on the settings' PostgreSQL server, or SQLite), "
        "restore it into a fresh database and storage and check the books, row counts and "
        "files are identical. Exit status 1 naming what differs. Never touches the "
        "settings' own database or storage."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep",
            action="store_true",
            help="keep the scratch folder and databases to look at (printed)",
        )

    def handle(self, *args, keep: bool, **options):
        drill = Drill(Path(tempfile.mkdtemp(prefix="fundmgr-drill-")))
        try:
            result = run_drill(drill)
        except (DrillFailed, BackupError) as failed:
            raise CommandError(f"Backup drill failed: {failed}") from failed
        except OSError as failed:
            raise CommandError(f"Backup drill failed: {failed}") from failed
        finally:
            if keep:
                names = ", ".join(s.database_name for s in drill.sites if s.database_name)
                self.stderr.write(
                    f"note: kept {drill.workdir}" + (f" and databases {names}" if names else "")
                )
            else:
                drill.close()
        if not result.passed:
            raise CommandError(
                f"Backup drill failed on {result.vendor}: {len(result.differences)} differences: "
                + summarise(result.differences)
            )
        self.stdout.write(result.summary())
