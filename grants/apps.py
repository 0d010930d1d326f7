from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Travel grants")

    def ready(self):
        from fundmgr import extensions
        from grants import (
            audit_actions,  # noqa: F401 - names its audit actions (fundmgr.audit_actions)
            guards,
            sentences,  # noqa: F401 - defines the grants' sentences
        )
        from grants.demo import load_grant_demo
        from grants.models import ApprovalLevel
        from grants.reference import load_approval_levels

        extensions.add_reference_loader(
            "grants.approval_levels", lambda: load_approval_levels(ApprovalLevel)
        )
        extensions.add_demo_loader("grants", 20, load_grant_demo)
        guards.register()  # its database guards, for the system check (fundmgr.checks)
        # An appeal's public page counts the delegates funded (donors.views.appeal_page).
        from fundmgr import public_pages
        from grants.models import Grant

        public_pages.watch(Grant)
        # The audit trail links a grant's records to its page (grants.views.detail).
        from django.urls import reverse

        from fundmgr.audit_trail import readers
        from fundmgr.roles import BOOK_READERS

        extensions.add_record_link(
            Grant,
            lambda grant: reverse("grant-detail", args=[grant.event.code, grant.reference]),
            readers(*BOOK_READERS),
            lambda: Grant.objects.select_related("event").only("pk", "reference", "event__code"),
        )
        # "My work": what awaits each role in travel grants (fundmgr.work).
        from grants import work

        work.register()
        # E-mail notices: a grant awaits you, your nomination changed (grants.notices).
        from grants import notices

        notices.register()
        # Registers the officers' queue export with the exporters (fundmgr.exporters).
        from grants import export  # noqa: F401
