from pathlib import Path

from django.core.management.base import CommandError

from donors.models import BankLine
from donors.services.bank_statements import COLUMNS, import_bank_statement
from fundmgr.management.base import OperatorCommand
from fundmgr.management.options import actor_named, fund_coded
from fundmgr.tabular import FileRejected


class Command(OperatorCommand):
    help = (
        "Import a bank statement for a fund: a CSV or XLSX with the columns "
        f"{','.join(COLUMNS)}, or the bank's own ISO 20022 CAMT.053 (XML) or SWIFT "
        "MT940 file, recognised by its content. Lines quoting a pledge reference are "
        "recorded as receipts; the others wait for a person. A file with any bad row "
        "saves nothing; a line imported before is never recorded twice; CAMT.053 "
        "entries not booked yet are skipped and listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--fund", required=True, help="Code of the fund's bank account.")
        parser.add_argument("--by", help="Username recorded as the importer in the audit trail.")

    def handle(self, *args, file: Path, fund: str, by: str | None, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        fund_obj, actor = fund_coded(fund), actor_named(by, "import_bank_statement command")
        try:
            with file.open("rb") as handle:
                result = import_bank_statement(handle, fund_obj, actor, name=file.name)
        except FileRejected as rejected:
            raise CommandError(str(rejected)) from rejected
        except OSError as unreadable:  # a file one may not read, a disk error
            raise CommandError(f"{file}: {unreadable.strerror or unreadable}") from unreadable
        counts = ", ".join(
            f"{result[state]} {label.lower()}" for state, label in BankLine.State.choices
        )
        self.stdout.write(
            self.style.SUCCESS(f"{file.name}: {result.statement.line_count} lines: {counts}.")
        )
        for skipped in result.skipped:
            self.stdout.write(f"Not imported: {skipped}")
        if result.unmatched or result.errors:
            self.stdout.write(
                f"{result.unmatched + result.errors} lines wait for a person to assign or discard."
            )
