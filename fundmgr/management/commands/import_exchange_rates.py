from pathlib import Path

from django.core.management.base import CommandError

from fundmgr.management.base import OperatorCommand
from fundmgr.management.options import actor_named
from fundmgr.services.rate_import import (
    anchor_rows_skipped,
    import_exchange_rates,
    rates_replaced,
)
from fundmgr.tabular import FileRejected


class Command(OperatorCommand):
    help = (
        "Import UN operational rates of exchange from a CSV or XLSX file with the "
        "columns currency,effective_date,units_per_usd (optional: illustrative,source). "
        "A file with any bad row saves nothing; importing the same file twice changes nothing. "
        "A rate no posted entry used is replaced by the file's figure; a used one is refused "
        "(revise it from a date on the exchange-rates page)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--illustrative", action="store_true", help="Mark every rate as not official."
        )
        parser.add_argument("--by", help="Username recorded as the importer in the audit trail.")

    def handle(self, *args, file: Path, illustrative: bool, by: str | None, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        actor = actor_named(by, "import_exchange_rates command")
        try:
            with file.open("rb") as handle:
                result = import_exchange_rates(
                    handle, actor, name=file.name, illustrative=illustrative
                )
        except FileRejected as rejected:
            raise CommandError(str(rejected)) from rejected
        except OSError as unreadable:  # a file one may not read, a disk error
            raise CommandError(f"{file}: {unreadable.strerror or unreadable}") from unreadable
        self.stdout.write(
            self.style.SUCCESS(
                f"{file.name}: {result.created} rates added, {result.unchanged} already recorded."
            )
        )
        if result.replaced:
            self.stdout.write(rates_replaced(result.replaced))
        if result.skipped:
            self.stdout.write(anchor_rows_skipped(result.skipped))
