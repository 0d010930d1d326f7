from fundmgr.management.base import OperatorCommand
from fundmgr.services.mail import send_waiting


class Command(OperatorCommand):
    help = (
        "Hand e-mails whose retry is due to the task workers, and forget sent e-mails older "
        "than 30 days. Run it every minute (cron or a systemd timer)."
    )

    def handle(self, *args, **options):
        count = send_waiting()
        self.stdout.write(f"{count} e-mails handed to the workers.")
