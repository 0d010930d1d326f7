from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Travel grants")

    def ready(self):
        from grants import guards

        guards.register()  # its database guards, for the system check (fundmgr.checks)
