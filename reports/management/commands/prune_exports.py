"""Delete expired export files (run from cron, e.g. hourly): the background
jobs' shared prune routine (fundmgr.services.jobs) over exports."""

from fundmgr.management.base import OperatorCommand
from reports.exports import RUNNER


class Command(OperatorCommand):
    help = (
        "Delete expired export files and mark them expired; fail exports whose worker "
        "vanished; delete files no export holds once 6 hours old."
    )

    def handle(self, *args, **options):
        pruned = RUNNER.prune()
        self.stdout.write(
            f"{pruned.expired} exports expired, {pruned.failed} abandoned exports marked failed, "
            f"{pruned.deleted} stray files deleted"
        )
