"""``manage.py export_reconciliation --fund CODE --as-of YYYY-MM-DD --output FILE.xlsx``:
the fund's reconciliation workbook (``reports.workbook``)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from fundmgr.management.base import OperatorCommand
from fundmgr.management.options import day_option, fund_or_known
from reports.workbook import write_reconciliation_workbook


class Command(OperatorCommand):
    help = "Write a fund's reconciliation workbook (.xlsx) as of a date."

    def add_arguments(self, parser):
        parser.add_argument("--fund", required=True, help="the fund's code, e.g. UNFSSC")
        parser.add_argument("--as-of", required=True, help="the date, YYYY-MM-DD")
        parser.add_argument("--output", required=True, help="the .xlsx file to write")

    def handle(self, *args, fund, as_of, output, **options):
        day = day_option("--as-of", as_of)
        the_fund = fund_or_known(fund)
        folder = Path(output).parent
        if not folder.is_dir():  # refused before the workbook is built
            raise CommandError(
                _("%(output)s could not be written: there is no folder %(folder)s.")
                % {"output": output, "folder": folder}
            )
        try:
            summary = write_reconciliation_workbook(the_fund, day, output)
        except OSError as unwritable:  # no such folder, no permission, a full disk
            raise CommandError(
                _("%(output)s could not be written: %(reason)s")
                % {"output": output, "reason": unwritable.strerror or unwritable}
            ) from unwritable
        self.stdout.write(
            _("Wrote %(output)s: %(rows)d rows, %(checks)d checks.")
            % {"output": output, "rows": summary.total_rows, "checks": len(summary.checks)}
        )
