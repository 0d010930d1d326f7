"""Who hears of a travel grant's move, by e-mail (fundmgr.services.notices).

Every move (``grants.services.workflow._record``) is handed over when its
transaction commits, one task per transaction (``announce_transitions``), in
which, for each grant, its last move of that transaction is told:

- *awaits you* (``grant-awaits-you``): the people who may make the grant's
  next move now, as the pages' buttons decide (``grants.workflow.may_fire``
  over the roles of ``next_actor``): the approving officers who may approve
  a certified grant, never the person who certified it, the nominator at a
  later level or the delegate (separation of duties). Only if that move is
  still the grant's latest when the task runs: a grant that moved on since
  awaits someone else. Rejecting or withdrawing is not "next".
- *your nomination* (``nomination-changed``): the focal points for the
  grant's country, at each change; never those of another country.

Nobody is told of their own move. Each person hears once per move (the
notice's key is the transition), in their own language, as they chose.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fundmgr import extensions
from fundmgr.extensions import NoticeKind
from fundmgr.formatting import country_name
from fundmgr.roles import Role
from fundmgr.services.duties import signatures_on
from fundmgr.services.notices import notify, on_commit_batch
from grants.models import ApprovalLevel, FocalPoint, GrantTransition
from grants.workflow import TRANSITIONS, Action, may_fire, next_actor, state_name

logger = logging.getLogger(__name__)

AWAITS_YOU = "grant-awaits-you"
NOMINATION_CHANGED = "nomination-changed"
#: Moves that end a grant's road rather than take it on: never "awaiting you".
NOT_NEXT = {Action.REJECT, Action.WITHDRAW}


def register() -> None:
    extensions.add_notice_kind(
        NoticeKind(
            AWAITS_YOU,
            gettext_lazy("A travel grant awaits my action"),
            roles=(Role.FUND_OFFICER, Role.APPROVING_OFFICER, Role.FINANCE_OFFICER),
            order=10,
        )
    )
    extensions.add_notice_kind(
        NoticeKind(
            NOMINATION_CHANGED,
            gettext_lazy("One of my country's nominations changed"),
            roles=(Role.FOCAL_POINT,),
            order=20,
        )
    )


def transition_recorded(transition: GrantTransition) -> None:
    """Tell of ``transition`` once its transaction commits (never if it rolls back)."""
    on_commit_batch(
        "grants.transitions",
        transition.pk,
        lambda ids: announce_transitions.enqueue(sorted(set(ids))),
    )


@task(queue_name="email")
def announce_transitions(transition_ids: list[int]) -> int:
    """Write the notices of these moves (see the module); returns how many."""
    moves = list(
        GrantTransition.objects.filter(pk__in=transition_ids)
        .select_related("grant__event", "grant__country")
        .order_by("id")
    )
    last_per_grant = {move.grant_id: move for move in moves}  # the last of each
    levels = list(ApprovalLevel.objects.order_by("order"))
    written = 0
    failed = 0
    for move in last_per_grant.values():
        try:
            with transaction.atomic():
                written += _announce(move, levels)
        except Exception:  # one grant's notices do not keep the others from going
            failed += 1
            logger.exception("grant transition %s: its notices were not written", move.pk)
    if failed:
        raise RuntimeError(f"the notices of {failed} grant moves were not written")
    return written


def _site() -> str:
    return settings.SITE_URL.rstrip("/")


def _announce(move: GrantTransition, levels: list) -> int:
    grant = move.grant
    written = notify(
        NOMINATION_CHANGED,
        [person for person in _focal_points(grant) if person.pk != move.by_id],
        f"grant-transition:{move.pk}",
        lambda person: _nomination_changed(move, levels),
    )
    latest = GrantTransition.objects.filter(grant_id=grant.pk).order_by("-id").first()
    if latest is not None and latest.pk == move.pk and latest.to_state == grant.state:
        people = [person for person in _next_actors(grant, levels) if person.pk != move.by_id]
        written += notify(
            AWAITS_YOU,
            people,
            f"grant-transition:{move.pk}",
            lambda person: _awaits(grant, person, levels),
        )
    return written


def _focal_points(grant) -> list:
    return [
        focal.user
        for focal in FocalPoint.objects.filter(
            country_id=grant.country_id,
            user__is_active=True,
            user__groups__name=Role.FOCAL_POINT,
        ).select_related("user")
    ]


def _next_actors(grant, levels: list) -> list:
    """Whoever may make the grant's next move now, as its page's buttons would."""
    roles = [
        who for who in next_actor(grant.state, levels, _signed(grant)).who if who in Role.values
    ]
    if not roles:
        return []
    signatures = signatures_on(grant)
    candidates = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=roles)
        .distinct()
        .prefetch_related("groups")
        .order_by("pk")
    )
    moves = [t for t in TRANSITIONS if t.action not in NOT_NEXT]
    people = []
    for person in candidates:
        person._fundmgr_roles = frozenset(group.name for group in person.groups.all())
        if any(may_fire(t, grant, person, levels, signatures) for t in moves):
            people.append(person)
    return people


def _signed(grant) -> int:
    return len(signatures_on(grant))


def _awaits(grant, person, levels: list) -> tuple[str, str]:
    signatures = signatures_on(grant)
    actions = [
        str(t.label)
        for t in TRANSITIONS
        if t.action not in NOT_NEXT and may_fire(t, grant, person, levels, signatures)
    ]
    subject = _("Travel grant %(reference)s awaits you: %(actions)s") % {
        "reference": grant.reference,
        "actions": ", ".join(actions),
    }
    body = render_to_string(
        "grants/email/awaits_you.txt",
        {
            "grant": grant,
            "country": country_name(grant.country),
            "state": state_name(grant.state),
            "actions": actions,
            "link": _site() + reverse("grant-detail", args=[grant.event.code, grant.reference]),
        },
    )
    return subject, body


def _nomination_changed(move: GrantTransition, levels: list) -> tuple[str, str]:
    grant = move.grant
    subject = _("Nomination %(reference)s (%(name)s) is now %(state)s") % {
        "reference": grant.reference,
        "name": grant.nominee_name,
        "state": state_name(move.to_state),
    }
    body = render_to_string(
        "grants/email/nomination_changed.txt",
        {
            "grant": grant,
            "move": move,
            "state": state_name(move.to_state),
            "next": next_actor(move.to_state, levels, _signed(grant)),
            "link": _site() + reverse("my-nomination", args=[grant.event.code, grant.reference]),
        },
    )
    return subject, body
