"""What an appeal page shows: target, pledged, received, listed donors, and
how many delegates the appeal's fund has paid for.

Public figures count only what someone answers for (docs/donors.md, "What
the appeal page counts"): a pledge counts in full when it is binding or
confirmed (``PledgeQuerySet.vouched_for``), not held for review, not
cancelled and not by card; every other pledge - unconfirmed, held,
cancelled, or by card - counts only for the money it has brought. A donor is
listed when they asked to be and one of their vouched-for pledges counts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from donors.models import Appeal, Donor, PaymentMethod, Pledge, Receipt
from fundmgr.money import Money, round_money
from grants.models import Grant, GrantState

#: A travel grant has funded its delegate once the money is committed to them;
#: a grant still in nomination, or rejected, withdrawn or a no-show, has not.
FUNDED_STATES = (
    GrantState.COMMITTED,
    GrantState.ADVANCE_PAID,
    GrantState.TRAVELLED,
    GrantState.SETTLED,
    GrantState.CLOSED,
)


@dataclass(frozen=True)
class AppealProgress:
    target: Money
    pledged: Money
    received: Money
    listed_donors: list[Donor]
    pledge_count: int
    delegates_funded: int = 0

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


#: A pledge the appeal page counts in full; any other counts for what it paid.
COUNTED_IN_FULL = (
    (Q(agreement_signed=True) | Q(confirmed=True))
    & Q(held_for_review=False)
    & ~Q(status=Pledge.Status.CANCELLED)
    & ~Q(method=PaymentMethod.CARD)
)


def delegates_funded(fund) -> int:
    """Delegates the fund has paid for: its events' grants in a funded state."""
    return Grant.objects.filter(event__fund=fund, state__in=FUNDED_STATES).count()


def appeal_progress(appeal: Appeal) -> AppealProgress:
    """In the fund's currency: pledges at their pledge-date value, receipts at
    their value-date value. A pledge not counted in full counts for what it
    paid, valued like the rest of its pledge. Five queries whatever the
    number of pledges or grants."""
    currency = appeal.fund.base_currency
    pledges = Pledge.objects.filter(appeal=appeal)
    pledged = pledges.filter(COUNTED_IN_FULL).aggregate(total=Sum("base_amount"), count=Count("id"))
    received = Receipt.objects.filter(pledge__appeal=appeal).aggregate(total=Sum("base_amount"))
    kept = Decimal(0)  # the paid part of the others, at the pledge-date value
    paid_only = 0
    for row in (
        pledges.exclude(COUNTED_IN_FULL)
        .annotate(paid=Sum("receipts__applied"))
        .filter(paid__gt=0)
        .values("amount", "base_amount", "paid")
    ):
        kept += row["base_amount"] * min(row["paid"], row["amount"]) / row["amount"]
        paid_only += 1
    shown = pledges.vouched_for().filter(COUNTED_IN_FULL | Q(receipts__applied__gt=0))
    listed = list(
        Donor.objects.filter(pledges__in=shown, listed_publicly=True).distinct().order_by("name")
    )
    return AppealProgress(
        target=appeal.target,
        pledged=round_money(Money((pledged["total"] or Decimal(0)) + kept, currency)),
        received=round_money(Money(received["total"] or Decimal(0), currency)),
        listed_donors=listed,
        pledge_count=(pledged["count"] or 0) + paid_only,
        delegates_funded=delegates_funded(appeal.fund),
    )
