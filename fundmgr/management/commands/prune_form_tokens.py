"""Delete the one-time keys of money forms whose tokens have expired (run
from cron, e.g. daily, beside prune_imports)."""

from fundmgr.management.base import OperatorCommand
from fundmgr.once import TOKEN_HOURS, prune


class Command(OperatorCommand):
    help = (
        f"Delete the claimed one-time keys of money forms older than {TOKEN_HOURS + 1} hours: "
        "their tokens have expired, so no post can claim them again."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{prune()} expired form keys deleted")
