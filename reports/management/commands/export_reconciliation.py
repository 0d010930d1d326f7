"""``manage.py export_reconciliation --fund CODE --as-of YYYY-MM-DD --output FILE.xlsx``:
the fund's reconciliation workbook (``reports.workbook``)."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from fundmgr.management.base import OperatorCommand
from fundmgr.models import Fund
from reports.workbook import write_reconciliation_workbook


class Command(OperatorCommand):
    help = "Write a fund's reconciliation workbook (.xlsx) as of a date."

    def add_arguments(self, parser):
        parser.add_argument("--fund", required=True, help="the fund's code, e.g. UNFSSC")
        parser.add_argument("--as-of", required=True, help="the date, YYYY-MM-DD")
        parser.add_argument("--output", required=True, help="the .xlsx file to write")

    def handle(self, *args, fund, as_of, output, **options):
        try:
            day = datetime.date.fromisoformat(as_of)
        except ValueError:
            raise CommandError(
                _("--as-of must be a date as YYYY-MM-DD, not %(value)r.") % {"value": as_of}
            ) from None
        try:
            the_fund = Fund.objects.get(code=fund)
        except Fund.DoesNotExist:
            known = ", ".join(Fund.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(
                _("There is no fund %(code)r (funds: %(known)s).")
                % {"code": fund, "known": known or _("none")}
            ) from None
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
