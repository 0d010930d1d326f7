"""Fail background imports whose worker vanished and delete uploads left
behind (run from cron, e.g. hourly, beside prune_exports): the background
jobs' shared prune routine (fundmgr.services.jobs) over imports."""

from fundmgr.management.base import OperatorCommand
from fundmgr.services.imports import RUNNER


class Command(OperatorCommand):
    help = (
        "Mark imports still waiting 6 hours after they were asked failed and delete "
        "their uploads and any upload no waiting import names; the jobs' rows are kept."
    )

    def handle(self, *args, **options):
        pruned = RUNNER.prune()
        self.stdout.write(
            f"{pruned.failed} abandoned imports marked failed, "
            f"{pruned.deleted} stray uploads deleted"
        )
