"""The labels of the reports app's audit actions (fundmgr.audit_actions)."""

from django.utils.translation import gettext_lazy as _

from fundmgr.audit_actions import define_all, define_family

define_all(
    {
        "bank-line:booked": _("Bank line booked"),
        "bank-line:left-unreconciled": _("Bank line left unreconciled"),
        "bank-line:reopened": _("Bank line reopened"),
        "bank-line:payout-matched": _("Bank line matched to a card payout"),
        "bank-line:payout-unmatched": _("Bank line's card payout match undone"),
        "card-payout:fx-booked": _("Card payout's exchange difference booked"),
        "conference:budget_line_added": _("Conference budget line added"),
        "conference:budget_line_changed": _("Conference budget line changed"),
        "conference:host_cost_paid": _("Cost paid from host cash"),
        "export:requested": _("Export requested"),
        "export:started": _("Export started"),
        "export:done": _("Export ready"),
        "export:failed": _("Export failed"),
        "export:expired": _("Export's file removed"),
        "export:downloaded": _("Export downloaded"),
    }
)


def _host_contribution(rest: str) -> str:
    """``conference:host_<kind>_<status>``: a host country's contribution."""
    from reports.models import HostContribution

    kinds = dict(HostContribution.Kind.choices)
    statuses = dict(HostContribution.Status.choices)
    for kind, kind_label in kinds.items():
        status = rest.removeprefix(kind + "_")
        if rest.startswith(kind + "_") and status in statuses:
            return str(_("Host country contribution: %(kind)s, %(status)s")) % {
                "kind": kind_label,
                "status": statuses[status],
            }
    return "conference:host_" + rest


define_family("conference:host_", _host_contribution)
