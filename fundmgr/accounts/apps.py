from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fundmgr.accounts"
    label = "fundmgr_accounts"
    verbose_name = _("Staff sign-in")

    def ready(self) -> None:
        from fundmgr.accounts import (
            sentences,  # noqa: F401 - defines the sign-in's sentences (fundmgr.sentences)
            signals,  # noqa: F401 - connects the receivers
        )
