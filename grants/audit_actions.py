"""The labels of the grants app's audit actions (fundmgr.audit_actions):
``grant:<action>`` for each move of the workflow (grants.workflow.Action)."""

from django.utils.translation import gettext_lazy as _

from fundmgr.audit_actions import define_all
from grants.workflow import Action

define_all(
    {
        "grant:nominated": _("Delegate nominated"),
        "grant:quote-added": _("Airfare quote added"),
        "grant:entitlement": _("Entitlement computed"),
        "grants:nominations-imported": _("Nominations imported"),
        "grants:queue-tally-rebuilt": _("Grant queue's counts rebuilt"),
        f"grant:{Action.SUBMIT}": _("Grant submitted"),
        f"grant:{Action.CERTIFY}": _("Grant certified"),
        f"grant:{Action.APPROVE}": _("Grant approved"),
        f"grant:{Action.COMMIT}": _("Grant committed"),
        f"grant:{Action.REJECT}": _("Grant rejected"),
        f"grant:{Action.WITHDRAW}": _("Grant withdrawn"),
        f"grant:{Action.PAY_ADVANCE}": _("Grant's advance paid"),
        f"grant:{Action.CONFIRM_ATTENDANCE}": _("Delegate's attendance confirmed"),
        f"grant:{Action.MARK_NO_SHOW}": _("Delegate marked as a no-show"),
        f"grant:{Action.SETTLE}": _("Grant settled"),
        f"grant:{Action.RECORD_TRAVELLER_REFUND}": _("Traveller's refund recorded"),
        f"grant:{Action.CLOSE}": _("Grant closed"),
    }
)
