"""Fail background imports whose worker vanished and delete uploads left
behind (run from cron, e.g. hourly, beside prune_exports)."""

from fundmgr.management.base import OperatorCommand
from fundmgr.services.imports import prune


class Command(OperatorCommand):
    help = (
        "Mark imports still waiting 6 hours after they were asked failed and delete "
        "their uploads and any upload no waiting import names; the jobs' rows are kept."
    )

    def handle(self, *args, **options):
        failed, deleted = prune()
        self.stdout.write(
            f"{failed} abandoned imports marked failed, {deleted} stray uploads deleted"
        )
