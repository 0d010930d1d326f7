"""Who acts next on a pledge or a bank line, and what awaits finance and
donors on the "My work" page (fundmgr.work): reads only, a fixed number of
queries each whatever the number of pledges and lines."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from donors.models import BankLine, Donor, Pledge
from fundmgr.roles import Role
from fundmgr.work import NOBODY, NextActor, Rows, WorkItem, WorkRow, per_place

#: How many of the donor's pledges their section shows.
ROWS = 10


def pledge_next_actor(pledge: Pledge) -> NextActor:
    """A pledge paid or cancelled waits for nobody; one held for review (far
    above its appeal's target) for finance to release it; any other for the
    donor: to confirm it is theirs (a public pledge), then to pay it."""
    if pledge.status in (Pledge.Status.PAID, Pledge.Status.CANCELLED):
        return NOBODY
    if pledge.held_for_review:
        return NextActor((Role.FINANCE_OFFICER,))
    return NextActor((Role.DONOR,))


def pledge_next_for_donor(pledge: Pledge) -> str:
    """Who acts next, as the donor reads it of their own pledge: their
    payment, rather than "the donor" (a pledge on their pages is confirmed
    as theirs, so what is left them is to pay it)."""
    actor = pledge_next_actor(pledge)
    if actor.who == (Role.DONOR,) and pledge.confirmed:
        return _("Waiting for your payment")
    return str(actor)


def bank_line_next_actor(line: BankLine) -> NextActor:
    """A line unmatched or in error waits for a finance officer (assign it,
    leave it unreconciled with a reason); any other is done."""
    if line.state in BankLine.WAITING:
        return NextActor((Role.FINANCE_OFFICER,))
    return NOBODY


def finance_work(user) -> list[WorkItem]:
    """Bank lines to resolve and pledges held for review, by fund: one query."""
    counts = (
        BankLine.objects.waiting()
        .values_list("fund__code")
        .annotate(n=Count("id"))
        .order_by("fund__code")
    )
    held = (
        Pledge.objects.filter(held_for_review=True)
        .exclude(status=Pledge.Status.CANCELLED)
        .values_list("fund__code")
        .annotate(n=Count("id"))
        .order_by("fund__code")
    )
    return [
        *per_place(
            _("Bank lines to resolve"),
            counts,
            lambda code: reverse("finance-queue", args=[code]),
        ),
        *per_place(
            _("Pledges held for review"),
            held,
            lambda code: reverse("finance-register", args=[code]) + "?show=held",
        ),
    ]


def donor_work(user) -> list:
    """The donor's own pledges (confirmed as theirs): how many are still to
    pay, and the latest with where each stands."""
    donor = Donor.objects.filter(user=user).first()
    home = reverse("donor-home")
    if donor is None:
        return [WorkItem(_("Pledges still to pay"), 0, home)]
    pledges = Pledge.objects.for_donor(donor)
    open_ = pledges.aggregate(
        n=Count(
            "id", filter=Q(status__in=[Pledge.Status.AWAITING_PAYMENT, Pledge.Status.PARTLY_PAID])
        )
    )["n"]
    latest = pledges.select_related("fund").order_by("-pledge_date", "-id")[:ROWS]
    return [
        WorkItem(_("Pledges still to pay"), open_, home),
        Rows(
            _("Your pledges"),
            [
                WorkRow(
                    f"{pledge.reference} · {pledge.fund.name}",
                    home,
                    pledge.get_status_display(),
                    pledge_next_for_donor(pledge),
                    on=pledge.pledge_date,
                )
                for pledge in latest
            ],
            home,
        ),
    ]


def register() -> None:
    from fundmgr import extensions

    extensions.add_work("donors.finance", Role.FINANCE_OFFICER, 10, finance_work)
    extensions.add_work("donors.donor", Role.DONOR, 10, donor_work)
