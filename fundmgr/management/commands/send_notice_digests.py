from fundmgr.management.base import OperatorCommand
from fundmgr.services.notices import send_digests


class Command(OperatorCommand):
    help = (
        "Write each person's daily digest: one e-mail, in their language, listing the notices "
        "waiting for it (fundmgr.services.notices); forget notices told more than 30 days ago. "
        "Run it once a day (cron or a systemd timer); running it again sends nothing twice."
    )

    def handle(self, *args, **options):
        count = send_digests()
        self.stdout.write(f"{count} digests written to the outbox.")
