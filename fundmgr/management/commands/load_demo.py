from django.conf import settings
from django.core.management.base import CommandError

from fundmgr import extensions
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
        fund = load_demo()
        for loader in extensions.demo_loaders():  # each app's part (fundmgr.extensions)
            loader.load(fund)
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: fund {fund.code}, event BAPA40."))
