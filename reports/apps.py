from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Finance reports")

    def ready(self):
        # Registers the reconciliation workbook with the exporters (fundmgr.exporters).
        from reports import workbook  # noqa: F401
