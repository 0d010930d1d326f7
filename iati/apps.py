from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IatiConfig(AppConfig):
    name = "iati"
    verbose_name = _("IATI publishing")

    def ready(self) -> None:
        from fundmgr import extensions
        from iati.demo import load_iati_demo

        # Last: the demo's books complete, its files are published.
        extensions.add_demo_loader("iati", 90, load_iati_demo)
