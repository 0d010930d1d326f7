"""What awaits finance in card payouts on the "My work" page (fundmgr.work):
payouts with no bank line matched yet, by fund, in one query."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from donors.payments.models import CardPayout
from fundmgr.roles import Role
from fundmgr.work import WorkItem, per_place


def payouts_to_match(user) -> list[WorkItem]:
    counts = (
        CardPayout.objects.filter(bank_line__isnull=True)
        .values_list("fund__code")
        .annotate(n=Count("id"))
        .order_by("fund__code")
    )
    return per_place(
        _("Card payouts to match"),
        counts,
        lambda code: reverse("bank-reconciliation", args=[code]),
    )


def failed_exports(user) -> list[WorkItem]:
    """The administrator's: workbooks whose building failed this week (one query)."""
    from fundmgr.work import admin_list, failures_since
    from reports.models import Export

    since, recent = failures_since()
    failed = Export.objects.filter(status=Export.Status.FAILED, **since).count()
    return [
        WorkItem(
            _("Exports failed in the last seven days"),
            failed,
            admin_list(user, Export, f"?status__exact=failed&{recent}"),
        )
    ]


def register() -> None:
    from fundmgr import extensions

    extensions.add_work("reports.payouts", Role.FINANCE_OFFICER, 40, payouts_to_match)
    extensions.add_work("reports.exports", Role.ADMINISTRATOR, 30, failed_exports)
