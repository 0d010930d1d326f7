from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Travel grants")

    def ready(self):
        # Registers the officers' queue export with the exporters (fundmgr.exporters).
        from grants import export  # noqa: F401
