"""``manage.py publish_iati [--fund CODE]``: for a timer (every few minutes):
regenerate the IATI files of every fund (or one) whose books changed since
they were last generated, and publish them if they pass both checks."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fundmgr.management.base import OperatorCommand
from fundmgr.management.options import fund_or_known
from fundmgr.models import Fund
from iati.services import publish_if_changed


class Command(OperatorCommand):
    help = "Regenerate and publish the IATI files of the funds whose books changed."

    def add_arguments(self, parser):
        parser.add_argument("--fund", help="only this fund's code")

    def handle(self, *args, fund=None, **options):
        funds = [fund_or_known(fund)] if fund else Fund.objects.order_by("code")
        for each in funds:
            publication = publish_if_changed(each)
            if publication is None:
                self.stdout.write(_("%(code)s: unchanged.") % {"code": each.code})
            elif publication.valid:
                self.stdout.write(
                    _("%(code)s: published (%(count)d transactions).")
                    % {"code": each.code, "count": publication.transactions}
                )
            else:
                self.stdout.write(
                    _("%(code)s: not published: %(problem)s")
                    % {"code": each.code, "problem": publication.problems[0]}
                )
