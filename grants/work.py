"""What awaits each role in travel grants, for the "My work" page
(fundmgr.work): reads only, a fixed number of queries each whatever the
number of grants (the approval levels, then one grouped count per kind of
work, and one page of rows).

Separation of duties holds on the counts as it does on the buttons
(``grants.workflow.signing_refusal``): a grant counts as awaiting a person's
signature only if they hold the next level's role, have signed no level of
it, are not its delegate, and (past the first level) did not nominate it.
"""

from __future__ import annotations

from django.db.models import CharField, Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fundmgr.formatting import country_name
from fundmgr.models import Signature
from fundmgr.roles import Role, roles_of
from fundmgr.work import Rows, WorkItem, WorkRow, per_place
from grants.models import ApprovalLevel, FocalPoint, Grant, GrantState
from grants.workflow import next_actor

S = GrantState
#: How many of a list's rows the section shows.
ROWS = 10
#: The states where any finance officer acts (``NEXT_BY_STATE``): the
#: advance to pay, the claim to settle, the traveller's refund to record and
#: the grant to close. "My work" counts what "awaiting me" lists.
FINANCE_STATES = (S.COMMITTED, S.TRAVELLED, S.SETTLED, S.NO_SHOW)


def _signatures():
    return Signature.objects.filter(
        record_type__app_label="grants",
        record_type__model="grant",
        record_id=Cast(OuterRef("pk"), CharField()),
    )


def with_signed(grants):
    """``signed``: how many approval levels of each grant are signed (a subquery)."""
    counted = _signatures().order_by().values("record_id").annotate(n=Count("id")).values("n")[:1]
    return grants.annotate(signed=Coalesce(Subquery(counted, output_field=IntegerField()), 0))


def levels() -> list[ApprovalLevel]:
    return list(ApprovalLevel.objects.order_by("order"))


def awaiting_signature(user, chain: list[ApprovalLevel], *, first: bool):
    """The grants whose next signature ``user`` may give: the first level's
    (to certify) or a later one's (to approve)."""
    roles = roles_of(user)
    if len(chain) < 2:
        return Grant.objects.none()
    mine = Q(nominee_user=user)
    if first:
        if chain[0].role not in roles:
            return Grant.objects.none()
        return Grant.objects.filter(state=S.SUBMITTED).exclude(mine)
    positions = [i for i, level in enumerate(chain) if i > 0 and level.role in roles]
    if not positions:
        return Grant.objects.none()
    return (
        with_signed(Grant.objects.filter(state=S.CERTIFIED))
        .filter(signed__in=positions)
        .exclude(mine | Q(nominated_by=user))
        .exclude(Exists(_signatures().filter(signer=user)))
    )


def acts_on_now(user, chain: list[ApprovalLevel]) -> Q:
    """The grants ``user`` may act on now, as a filter: the work "My work"
    counts for them, and the queue's "awaiting me". Nominations to certify
    (the first level's role, never their own as delegate), grants awaiting
    their approval (``awaiting_signature``: a person who signed one level, or
    nominated the delegate, is never asked for another), attendance to
    confirm once the event has begun (fund officers), advances to pay,
    claims to settle, refunds to record and grants to close (finance
    officers), and drafts they nominated."""
    roles = roles_of(user)
    if not roles:
        return Q(pk__in=[])
    found = Q(state=S.DRAFT, nominated_by=user)
    if len(chain) >= 2 and chain[0].role in roles:
        found |= Q(state=S.SUBMITTED) & ~Q(nominee_user=user)
    if any(level.role in roles for level in chain[1:]):
        found |= Q(pk__in=awaiting_signature(user, chain, first=False).values("pk"))
    if Role.FUND_OFFICER in roles:
        found |= Q(
            state__in=(S.COMMITTED, S.ADVANCE_PAID), event__starts_on__lte=timezone.localdate()
        )
    if Role.FINANCE_OFFICER in roles:
        found |= Q(state__in=FINANCE_STATES)
    return found


def _by_event(grants):
    return grants.values_list("event__code").annotate(n=Count("id")).order_by("event__code")


def _queue(state: str, *, mine: bool = False):
    """The event's queue in ``state``; ``mine``: only what awaits the reader
    (the queue's "awaiting me"), so the list holds exactly what was counted."""
    extra = "&awaiting=me" if mine else ""
    return lambda code: reverse("grant-queue", args=[code]) + f"?state={state}{extra}"


def _rows(grants, chain, *, page: str = "grant-detail", country: bool = True) -> list[WorkRow]:
    """The newest grants, each linked to ``page`` with its state and who acts
    next (after its country, for staff: a mission knows its own)."""
    found = with_signed(grants).select_related("event", "country").order_by("-id")[:ROWS]
    rows = []
    for grant in found:
        who = str(next_actor(grant.state, chain, grant.signed))
        rows.append(
            WorkRow(
                f"{grant.reference} – {grant.nominee_name}",
                reverse(page, args=[grant.event.code, grant.reference]),
                grant.get_state_display(),
                f"{country_name(grant.country)} · {who}" if country else who,
            )
        )
    return rows


# --- Each role's part ------------------------------------------------------------


def approving_officer_work(user) -> list:
    """Grants awaiting the person's approval, by event, and the first of them."""
    chain = levels()
    waiting = awaiting_signature(user, chain, first=False)
    return [
        *per_place(
            _("Grants awaiting your approval"),
            _by_event(waiting),
            _queue(S.CERTIFIED, mine=True),
        ),
        Rows(_("Awaiting your approval"), _rows(waiting, chain)),
    ]


def fund_officer_work(user) -> list:
    """Nominations to certify, attendance to confirm once an event has begun,
    and the drafts they nominated, still to submit ("awaiting me" lists them
    too): the latter two in one grouped count."""
    chain = levels()
    to_certify = awaiting_signature(user, chain, first=True)
    counts = (
        Grant.objects.filter(
            Q(state__in=(S.COMMITTED, S.ADVANCE_PAID), event__starts_on__lte=timezone.localdate())
            | Q(state=S.DRAFT, nominated_by=user)
        )
        .values_list("event__code", "state")
        .annotate(n=Count("id"))
        .order_by("event__code", "state")
    )
    attendance: list[WorkItem] = []
    drafts: list[tuple[str, int]] = []
    for code, state, n in counts:
        if state == S.DRAFT:
            drafts.append((code, n))
        else:
            attendance.append(
                WorkItem(
                    _("Attendance to confirm"), n, _queue(state)(code), f"{code}, {S(state).label}"
                )
            )
    return [
        *per_place(
            _("Nominations to certify"), _by_event(to_certify), _queue(S.SUBMITTED, mine=True)
        ),
        *(attendance or [WorkItem(_("Attendance to confirm"), 0)]),
        *per_place(_("Drafts to submit"), drafts, _queue(S.DRAFT, mine=True)),
    ]


def finance_officer_work(user) -> list:
    """Advances to pay (committed grants), travel claims to settle, and
    settled or no-show grants to close (once any refund the traveller owes is
    recorded), by event; the last by state too, as the queue filters one
    state at a time. One grouped count."""
    counts = (
        Grant.objects.filter(state__in=FINANCE_STATES)
        .values_list("event__code", "state")
        .annotate(n=Count("id"))
        .order_by("event__code", "state")
    )
    by_state: dict[str, list[tuple[str, int]]] = {S.COMMITTED: [], S.TRAVELLED: []}
    to_close: list[WorkItem] = []
    for code, state, n in counts:
        if state in by_state:
            by_state[state].append((code, n))
        else:
            to_close.append(
                WorkItem(
                    _("Grants to close or refund"),
                    n,
                    _queue(state)(code),
                    f"{code}, {S(state).label}",
                )
            )
    return [
        *per_place(_("Advances to pay"), by_state[S.COMMITTED], _queue(S.COMMITTED)),
        *per_place(_("Travel claims to settle"), by_state[S.TRAVELLED], _queue(S.TRAVELLED)),
        *(to_close or [WorkItem(_("Grants to close or refund"), 0)]),
    ]


def focal_point_grants(user):
    """The nominations of the countries the person is the focal point for
    (whoever typed them in), newest first."""
    countries = FocalPoint.objects.filter(user=user).values("country_id")
    return Grant.objects.filter(country_id__in=countries)


def focal_point_work(user) -> list:
    """Their nominations: how many, how many still with them (drafts), and
    the latest with where each stands."""
    chain = levels()
    grants = focal_point_grants(user)
    counts = grants.aggregate(all=Count("id"), drafts=Count("id", filter=Q(state=S.DRAFT)))
    mine = reverse("my-nominations")
    return [
        WorkItem(_("Your nominations"), counts["all"], mine),
        WorkItem(_("Drafts to submit"), counts["drafts"], mine + "?state=draft"),
        Rows(
            _("Your latest nominations"),
            _rows(grants, chain, page="my-nomination", country=False),
            mine,
        ),
    ]


def register() -> None:
    from fundmgr import extensions

    extensions.add_work("grants.approve", Role.APPROVING_OFFICER, 10, approving_officer_work)
    extensions.add_work("grants.certify", Role.FUND_OFFICER, 10, fund_officer_work)
    extensions.add_work("grants.finance", Role.FINANCE_OFFICER, 20, finance_officer_work)
    extensions.add_work("grants.focal", Role.FOCAL_POINT, 10, focal_point_work)
