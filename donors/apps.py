from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DonorsConfig(AppConfig):
    name = "donors"
    verbose_name = _("Donors and pledges")

    def ready(self):
        from donors import guards

        guards.register()  # its database guards, for the system check (fundmgr.checks)
