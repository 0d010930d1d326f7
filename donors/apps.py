from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DonorsConfig(AppConfig):
    name = "donors"
    verbose_name = _("Donors and pledges")

    def ready(self):
        from django.db.models import Prefetch

        from donors import (
            audit_actions,  # noqa: F401 - names its audit actions (fundmgr.audit_actions)
            guards,
            sentences,  # noqa: F401 - defines the donors' sentences (fundmgr.sentences)
        )
        from donors.demo import load_donor_demo
        from donors.models import Appeal, Donor, Pledge, Receipt
        from fundmgr import extensions, public_pages

        extensions.add_fund_section(
            "donors.appeals",
            lambda: Prefetch(
                "appeals", queryset=Appeal.objects.filter(is_open=True), to_attr="open_appeals"
            ),
            "donors/home_fund_appeals.html",
        )
        extensions.add_demo_loader("donors", 10, load_donor_demo)
        guards.register()  # its database guards, for the system check (fundmgr.checks)
        # An appeal's public page shows these (donors.views.appeal_page).
        public_pages.watch(Appeal, Donor, Pledge, Receipt)
        from donors import audit_links

        audit_links.register()  # the audit trail links to pledges, receipts, bank lines
        from donors import work

        work.register()  # "My work": bank lines to resolve, the donor's pledges
        # The receipt's thank-you (always sent) and its PDF, made when it is sent.
        from django.utils.translation import gettext_lazy

        from donors.services import notifications
        from fundmgr.extensions import NoticeKind
        from fundmgr.roles import Role

        extensions.add_notice_kind(
            NoticeKind(
                notifications.RECEIPT_KIND,
                gettext_lazy("Thank-you for each payment received, with its acknowledgement"),
                roles=(Role.DONOR,),
                always=True,
                order=30,
            )
        )
        extensions.add_mail_attachment(notifications.RECEIPT_KIND, notifications.receipt_attachment)
