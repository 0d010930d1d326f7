"""What an appeal page shows: target, pledged, received, listed donors."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from donors.models import Appeal, Donor, Pledge, Receipt
from fundmgr.money import Money, round_money


@dataclass(frozen=True)
class AppealProgress:
    target: Money
    pledged: Money
    received: Money
    listed_donors: list[Donor]
    pledge_count: int

    @property
    def received_pct(self) -> int:
        """Share of the target received, 0-100, for the progress bar."""
        if not self.target.amount:
            return 0
        return min(100, int(self.received.amount * 100 / self.target.amount))

    @property
    def pledged_pct(self) -> int:
        if not self.target.amount:
            return 0
        return min(100, int(self.pledged.amount * 100 / self.target.amount))


def appeal_progress(appeal: Appeal) -> AppealProgress:
    """In the fund's currency: pledges at their pledge-date value, receipts at
    their value-date value. Three queries whatever the number of pledges."""
    currency = appeal.fund.base_currency
    pledges = Pledge.objects.filter(appeal=appeal).exclude(status=Pledge.Status.CANCELLED)
    pledged = pledges.aggregate(total=Sum("base_amount"), count=Count("id"))
    received = Receipt.objects.filter(pledge__appeal=appeal).aggregate(total=Sum("base_amount"))
    listed = list(
        Donor.objects.filter(pledges__in=pledges, listed_publicly=True).distinct().order_by("name")
    )
    return AppealProgress(
        target=appeal.target,
        pledged=round_money(Money(pledged["total"] or Decimal(0), currency)),
        received=round_money(Money(received["total"] or Decimal(0), currency)),
        listed_donors=listed,
        pledge_count=pledged["count"] or 0,
    )
