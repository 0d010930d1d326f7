from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IatiConfig(AppConfig):
    name = "iati"
    verbose_name = _("IATI publishing")

    def ready(self) -> None:
        from fundmgr import extensions
        from iati.services import publish_if_changed

        # Last: the demo's books complete, its files are published at their
        # public addresses, as the scheduled job would (idempotent: unchanged
        # books publish nothing again).
        extensions.add_demo_loader("iati", 90, publish_if_changed)
