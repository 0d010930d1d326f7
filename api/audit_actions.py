"""The labels of the API's audit actions (fundmgr.audit_actions)."""

from django.utils.translation import gettext_lazy as _

from api.audit import CALL, REFUSED
from fundmgr.audit_actions import define_all

define_all(
    {
        "api-token:created": _("API token created"),
        "api-token:revoked": _("API token revoked"),
        CALL: _("API call"),
        REFUSED: _("API token refused"),
    }
)
