from django.conf import settings
from django.core.management.base import CommandError

from fundmgr.demo import load_demo
from fundmgr.management.base import OperatorCommand


class Command(OperatorCommand):
    help = "Load the BAPA+40 demo (UNFSSC fund, BAPA40 event, rates, demo users). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load even in production mode (demo users have a public password).",
        )

    def handle(self, *args, allow_production: bool, **options):
        if settings.PRODUCTION and not allow_production:
            raise CommandError(
                "Refusing to load demo users with a public password in production mode."
            )
        from donors.demo import load_donor_demo
        from grants.demo import load_grant_demo
        from reports.demo import load_conference_demo
        from reports.demo_bank import load_bank_demo

        fund = load_demo()
        load_donor_demo(fund)
        load_grant_demo(fund)
        load_conference_demo(fund)
        load_bank_demo(fund)
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: fund {fund.code}, event BAPA40."))
