"""What an appeal page shows: target, pledged, received, listed donors, and
how many delegates the appeal's fund has paid for.

Public figures count only what someone answers for (docs/donors.md, "What
the appeal page counts"): a pledge counts in full when it is binding or
confirmed (``PledgeQuerySet.vouched_for``), not held for review, not
cancelled and not by card; every other pledge - unconfirmed, held,
cancelled, or by card - counts only for the money it has brought. A donor is
listed when they asked to be and one of their vouched-for pledges counts.
The rule is ``PledgeQuerySet.with_public_value`` (donors/models.py), shared
with the fund dashboard's public figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count

from donors.models import Appeal, Donor, Pledge, Receipt
from fundmgr.db.exact_sum import ExactSum
from fundmgr.money import Money, round_money
from grants.models import Grant, GrantState

#: A travel grant has funded its delegate once the money is committed to them;
#: a grant still in nomination, or rejected, withdrawn or a no-show (open or
#: closed: ``GrantQuerySet.without_no_shows``), has not.
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


def delegates_funded(fund) -> int:
    """Delegates the fund has paid for: its events' grants in a funded state."""
    return (
        Grant.objects.filter(event__fund=fund, state__in=FUNDED_STATES).without_no_shows().count()
    )


def appeal_progress(appeal: Appeal) -> AppealProgress:
    """In the fund's currency: pledges at their pledge-date value, receipts at
    their value-date value. A pledge not counted in full counts for what it
    paid, valued like the rest of its pledge. Four queries whatever the
    number of pledges or grants."""
    currency = appeal.fund.base_currency
    counted = Pledge.objects.filter(appeal=appeal).counted_publicly()
    pledged = counted.aggregate(total=ExactSum("public_value"), count=Count("id"))
    received = Receipt.objects.filter(pledge__appeal=appeal).aggregate(
        total=ExactSum("base_amount")
    )
    listed = list(
        Donor.objects.filter(pledges__in=counted.vouched_for(), listed_publicly=True)
        .distinct()
        .order_by("name")
    )
    return AppealProgress(
        target=appeal.target,
        pledged=round_money(Money(pledged["total"] or Decimal(0), currency)),
        received=round_money(Money(received["total"] or Decimal(0), currency)),
        listed_donors=listed,
        pledge_count=pledged["count"],
        delegates_funded=delegates_funded(appeal.fund),
    )
