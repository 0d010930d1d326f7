"""Delete expired export files (run from cron, e.g. hourly)."""

from fundmgr.management.base import OperatorCommand
from reports.exports import prune_expired


class Command(OperatorCommand):
    help = "Delete expired export files and mark them expired; fail exports whose worker vanished."

    def handle(self, *args, **options):
        expired, failed = prune_expired()
        self.stdout.write(f"{expired} exports expired, {failed} abandoned exports marked failed")
