from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Finance reports")

    def ready(self):
        from fundmgr import extensions
        from reports import (
            audit_actions,  # noqa: F401 - names its audit actions
            sentences,  # noqa: F401 - defines the reports' sentences
        )
        from reports.demo import load_conference_demo
        from reports.demo_bank import load_bank_demo

        extensions.add_demo_loader("reports.conference", 30, load_conference_demo)
        extensions.add_demo_loader("reports.bank", 40, load_bank_demo)
        # Each fund's financial statement is part of the books a backup is checked against.
        from reports.services.statement import statement_for_books

        extensions.add_books_section("statement", statement_for_books)
        # The public contributions page (reports/open_data.py) shows these; a
        # grant's entries are posted with a change to the grant, a pledge's
        # reversal or write-down with a change to the pledge.
        from donors.models import Donor, Pledge, Receipt
        from fundmgr import public_pages
        from fundmgr.models import Fund
        from grants.models import Grant

        public_pages.watch(Fund, Donor, Pledge, Receipt, Grant)
        # The audit trail links an event's and its conference budget's records
        # to the conference page (reports.views_conference.conference).
        from django.urls import reverse

        from fundmgr.audit_trail import readers
        from fundmgr.models import Event
        from fundmgr.roles import BOOK_READERS
        from reports.models import BudgetLine, HostContribution, HostCost

        extensions.add_record_link(
            Event,
            lambda event: reverse("reports-conference", args=[event.code]),
            readers(*BOOK_READERS),
            lambda: Event.objects.only("pk", "code"),
        )
        for model in (BudgetLine, HostContribution, HostCost):
            extensions.add_record_link(
                model,
                lambda record: reverse("reports-conference", args=[record.event.code]),
                readers(*BOOK_READERS),
                lambda model=model: model.objects.select_related("event").only("pk", "event__code"),
            )
        # "My work": card payouts still to match with their bank line (fundmgr.work).
        from reports import work

        work.register()
        # Registers the reconciliation workbook with the exporters (fundmgr.exporters).
        from reports import workbook  # noqa: F401
