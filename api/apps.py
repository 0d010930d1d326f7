from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("REST API")

    def ready(self):
        # The API's refusals are refusals in the audit trail too (its filter
        # "only refused attempts", fundmgr.audit_trail): a revoked or expired
        # token, and a call refused for its token's scope or owner's role (403)
        # or its rate (429).
        from django.db.models import Q

        # "My work": tokens near their expiry, for administrators (fundmgr.work).
        from api import (
            audit_actions,  # noqa: F401 - names its audit actions (fundmgr.audit_actions)
            sentences,  # noqa: F401 - defines the API's sentences (fundmgr.sentences)
            work,
        )
        from api.audit import CALL, REFUSED
        from fundmgr import extensions

        work.register()
        extensions.add_refusal(
            "api", Q(action=REFUSED) | Q(action=CALL, data__status__in=[401, 403, 429])
        )
