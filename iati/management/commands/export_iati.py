"""``manage.py export_iati --fund CODE --output DIR``: the fund's IATI 2.03
activity and organisation files (docs/iati.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from fundmgr.management.base import OperatorCommand
from fundmgr.management.options import day_option, fund_or_known
from iati.services import ACTIVITIES_FILE, ORGANISATION_FILE, IatiExportRefused, export_iati


class Command(OperatorCommand):
    help = "Write a fund's IATI 2.03 files (activities.xml, organisation.xml) into a folder."

    def add_arguments(self, parser):
        parser.add_argument("--fund", required=True, help="the fund's code, e.g. UNFSSC")
        parser.add_argument("--output", required=True, help="the folder to write the files into")
        parser.add_argument("--as-of", help="the last day reported, YYYY-MM-DD (default today)")

    def handle(self, *args, fund, output, as_of=None, **options):
        day = day_option("--as-of", as_of) if as_of else None
        folder = Path(output)
        if not folder.is_dir():  # refused before the database is read
            raise CommandError(
                _("%(folder)s could not be written: there is no such folder.") % {"folder": folder}
            )
        the_fund = fund_or_known(fund)
        try:
            files = export_iati(the_fund, folder, day)
        except IatiExportRefused as refused:
            raise CommandError(str(refused)) from refused
        except OSError as unwritable:  # no permission, a full disk
            raise CommandError(
                _("%(folder)s could not be written: %(reason)s")
                % {"folder": folder, "reason": unwritable.strerror or unwritable}
            ) from unwritable
        self.stdout.write(
            _("Wrote %(activities)s (%(count)d transactions) and %(organisation)s in %(folder)s.")
            % {
                "activities": ACTIVITIES_FILE,
                "organisation": ORGANISATION_FILE,
                "count": files.transactions,
                "folder": folder,
            }
        )
