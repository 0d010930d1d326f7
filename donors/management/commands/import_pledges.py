from pathlib import Path

from django.core.management.base import CommandError

from donors.services.pledge_register import COLUMNS, donor_differs_message, import_pledge_register
from fundmgr.management.base import OperatorCommand
from fundmgr.management.options import actor_named, fund_coded
from fundmgr.tabular import FileRejected


class Command(OperatorCommand):
    help = (
        "Import a pledge register (CSV or XLSX) into a fund, with the columns "
        f"{','.join(COLUMNS)}. A file with any bad row saves nothing; importing the "
        "same file twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--fund", required=True, help="Code of the fund pledged to.")
        parser.add_argument("--by", help="Username recorded as the importer in the audit trail.")

    def handle(self, *args, file: Path, fund: str, by: str | None, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        fund_obj, actor = fund_coded(fund), actor_named(by, "import_pledges command")
        try:
            with file.open("rb") as handle:
                result = import_pledge_register(handle, fund_obj, actor, name=file.name)
        except FileRejected as rejected:
            raise CommandError(str(rejected)) from rejected
        except OSError as unreadable:  # a file one may not read, a disk error
            raise CommandError(f"{file}: {unreadable.strerror or unreadable}") from unreadable
        self.stdout.write(
            self.style.SUCCESS(
                f"{file.name}: {result.created} pledges recorded, "
                f"{result.already} already recorded."
            )
        )
        for item in result.donors_differ:
            self.stdout.write(self.style.WARNING(donor_differs_message(item.as_dict())))
