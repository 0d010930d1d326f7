from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundmgrConfig(AppConfig):
    name = "fundmgr"
    verbose_name = _("Fund core")
