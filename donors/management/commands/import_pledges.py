from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from donors.services.pledge_register import COLUMNS, import_pledge_register
from fundmgr.models import Fund
from fundmgr.tabular import FileRejected


def fund_and_actor(code: str, username: str | None, system_actor: str):
    try:
        fund = Fund.objects.get(code=code)
    except Fund.DoesNotExist as missing:
        raise CommandError(f"no fund with the code {code!r}") from missing
    if not username:
        return fund, system_actor
    try:
        return fund, get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist as missing:
        raise CommandError(f"no user named {username!r}") from missing


class Command(BaseCommand):
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
        fund_obj, actor = fund_and_actor(fund, by, "import_pledges command")
        try:
            with file.open("rb") as handle:
                result = import_pledge_register(handle, fund_obj, actor, name=file.name)
        except FileRejected as rejected:
            raise CommandError(str(rejected)) from rejected
        self.stdout.write(
            self.style.SUCCESS(
                f"{file.name}: {result.created} pledges recorded, "
                f"{result.already} already recorded."
            )
        )
