from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundmgrConfig(AppConfig):
    name = "fundmgr"
    verbose_name = _("Fund core")

    def ready(self):
        from fundmgr import (
            audit_actions,  # noqa: F401 - names the core's audit actions
            checks,  # noqa: F401 - registers the system checks
            people_audit,
            refusals,  # noqa: F401 - defines the refusals' sentences (fundmgr.sentences)
            request_id,
        )

        people_audit.connect()  # users, roles and permissions reach the audit trail
        request_id.connect()  # request and task ids on the log lines
        from fundmgr import public_pages
        from fundmgr.models import Fund

        public_pages.watch(Fund)  # its name is on every appeal's public page
        from fundmgr import audit_trail

        audit_trail.register_core_links()  # the audit trail links to funds, entries...
        from fundmgr import work

        work.register_core_work()  # "My work": journals to approve, recent activity
        # The language a person signs in with becomes their e-mails' language
        # until they choose one (fundmgr.services.notices).
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_remember_language, dispatch_uid="fundmgr.remember_language")


def _remember_language(sender, request, user, **kwargs):
    from fundmgr.services.notices import remember_language

    if request is not None:
        remember_language(user, getattr(request, "LANGUAGE_CODE", None))
