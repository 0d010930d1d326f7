"""The travel grant's state machine, declared in one place.

``TRANSITIONS`` lists every move a grant can make: the action's name, the
states it starts from, the state it leads to, who may fire it, whether a
reason is required, and what it does to the books. The services in
``grants.services.workflow`` carry the moves out (lock, re-check, post the
entries, record the transition); ``docs/grants-workflow.md`` holds the table
this module renders (``transitions_markdown``), and a test keeps the two equal.

Nothing here touches the database: ``available_actions`` takes the approval
levels and the signatures already read, so a page can ask about many grants
without a query each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from fundmgr.roles import Role, has_role
from fundmgr.work import NOMINATOR, NextActor
from grants.models import GrantState
from grants.reference import DEFAULT_LEVELS

S = GrantState


class TransitionRefused(Exception):
    """A move the state machine does not allow now: the wrong state, a missing
    reason, a rule the grant breaks. The message says which, in the reader's
    language. (A person without the role gets Django's ``PermissionDenied``.)"""


class SignatureRefused(TransitionRefused, PermissionError):
    """Separation of duties: the nominee, the nominator at approval, or a person
    who already signed another level tried to sign."""


class Action:
    SUBMIT = "submit"
    CERTIFY = "certify"
    APPROVE = "approve"
    COMMIT = "commit"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    PAY_ADVANCE = "pay_advance"
    CONFIRM_ATTENDANCE = "confirm_attendance"
    MARK_NO_SHOW = "mark_no_show"
    SETTLE = "settle"
    RECORD_TRAVELLER_REFUND = "record_traveller_refund"
    CLOSE = "close"


class Signs:
    """Which approval level's role fires a signing action."""

    NONE = ""
    FIRST = "first"
    LATER = "later"


@dataclass(frozen=True)
class Transition:
    action: str
    label: Promise
    sources: tuple[str, ...]
    #: None: the grant stays in the state it is in (a refund recorded).
    target: str | None
    #: Roles that may fire it (any of them).
    roles: tuple[str, ...] = ()
    #: The person who nominated the delegate may fire it too.
    nominator: bool = False
    #: ...and so may a focal point for the grant's country (their mission's
    #: nominations, whoever typed them in).
    focal_point: bool = False
    #: The states from which the nominator (or focal point) may fire it, when
    #: fewer than ``sources``; the roles keep every source.
    nominator_sources: tuple[str, ...] | None = None
    #: Signing actions: the role comes from the approval level signed (data).
    signs: str = Signs.NONE
    #: Fired by the service itself, inside another action's transaction.
    automatic: bool = False
    reason_required: bool = False
    #: When a reason is required only in some cases, which.
    reason_when: Promise | None = None
    effect: Promise = _("none")
    #: "A grant that is %(state)s cannot be ..." for a grant in another state.
    refused: Promise = _("A grant that is %(state)s cannot do this.")

    def refusal(self, state: str) -> str:
        return str(self.refused) % {"state": state_name(state)}

    def nominator_may_fire_from(self, state: str) -> bool:
        return state in (self.nominator_sources or self.sources)


#: The states from which a nomination may be withdrawn (everything before the
#: advance is paid: after that, a delegate who does not travel is a no-show).
WITHDRAWABLE = (S.DRAFT, S.SUBMITTED, S.CERTIFIED, S.APPROVED, S.COMMITTED)
#: Before a fund officer certifies it: the mission that nominated the
#: delegate may take the nomination back itself until then (once certified,
#: the certificate is a fund officer's to undo).
BEFORE_CERTIFICATION = (S.DRAFT, S.SUBMITTED)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        Action.SUBMIT,
        _("Submit"),
        (S.DRAFT,),
        S.SUBMITTED,
        roles=(Role.FUND_OFFICER,),
        nominator=True,
        effect=_("none; the nomination enters the fund officers' queue"),
        refused=_("A grant that is %(state)s cannot be submitted."),
    ),
    Transition(
        Action.CERTIFY,
        _("Certify"),
        (S.SUBMITTED,),
        S.CERTIFIED,
        signs=Signs.FIRST,
        effect=_(
            "signature at the first approval level; needs an entitlement (cost above zero) "
            "and an eligible country"
        ),
        refused=_("A grant that is %(state)s cannot be certified."),
    ),
    Transition(
        Action.APPROVE,
        _("Approve"),
        (S.CERTIFIED,),
        S.APPROVED,
        signs=Signs.LATER,
        effect=_(
            "signature at the next approval level; a middle level leaves the grant "
            "certified; the last level re-checks the entitlement, the country's cap and "
            "the money available under the fund's lock, then commits at once"
        ),
        refused=_("A grant that is %(state)s cannot be approved."),
    ),
    Transition(
        Action.COMMIT,
        _("Commit the funds"),
        (S.APPROVED,),
        S.COMMITTED,
        automatic=True,
        effect=_(
            "commitment: Dr Commitments / Cr Commitments control, the approved amount "
            "(PSC on it is counted by the fund's position)"
        ),
        refused=_("A grant that is %(state)s cannot be committed."),
    ),
    Transition(
        Action.REJECT,
        _("Reject"),
        (S.SUBMITTED, S.CERTIFIED),
        S.REJECTED,
        roles=(Role.FUND_OFFICER, Role.APPROVING_OFFICER),
        reason_required=True,
        effect=_("none (nothing is committed before approval); the place is freed"),
        refused=_("A grant that is %(state)s cannot be rejected."),
    ),
    Transition(
        Action.WITHDRAW,
        _("Withdraw"),
        WITHDRAWABLE,
        S.WITHDRAWN,
        roles=(Role.FUND_OFFICER,),
        nominator=True,
        focal_point=True,
        nominator_sources=BEFORE_CERTIFICATION,
        reason_required=True,
        effect=_("release of the open commitment, if any: Dr Commitments control / Cr Commitments"),
        refused=_("A grant that is %(state)s cannot be withdrawn."),
    ),
    Transition(
        Action.PAY_ADVANCE,
        _("Pay the advance"),
        (S.COMMITTED,),
        S.ADVANCE_PAID,
        roles=(Role.FINANCE_OFFICER,),
        effect=_(
            "advance (the event's advance percentage of the approved amount unless another "
            "amount is given): Dr Travel advances / Cr Bank; the commitment is liquidated "
            "by as much: Dr Commitments control / Cr Commitments"
        ),
        refused=_("A grant that is %(state)s cannot have its advance paid."),
    ),
    Transition(
        Action.CONFIRM_ATTENDANCE,
        _("Confirm attendance"),
        (S.COMMITTED, S.ADVANCE_PAID),
        S.TRAVELLED,
        roles=(Role.FUND_OFFICER,),
        refused=_("A grant that is %(state)s cannot have its attendance confirmed."),
    ),
    Transition(
        Action.MARK_NO_SHOW,
        _("Mark as no-show"),
        (S.COMMITTED, S.ADVANCE_PAID),
        S.NO_SHOW,
        roles=(Role.FUND_OFFICER,),
        reason_required=True,
        effect=_(
            "release of the open commitment; an advance paid becomes owed in full: "
            "Dr Receivable from travellers / Cr Travel advances"
        ),
        refused=_("A grant that is %(state)s cannot be marked as a no-show."),
    ),
    Transition(
        Action.SETTLE,
        _("Settle the travel claim"),
        (S.TRAVELLED,),
        S.SETTLED,
        roles=(Role.FINANCE_OFFICER,),
        reason_when=_("required if the claim exceeds the approved amount"),
        effect=_(
            "expenditure: Dr Travel expenditure (actual cost) / Cr Travel advances (advance), "
            "with Dr Receivable from travellers (unused advance) or Cr Bank (balance paid); "
            "PSC: Dr PSC / Cr Bank on the actual cost; release of the open commitment; "
            "boarding passes (PDF) required"
        ),
        refused=_("A grant that is %(state)s cannot be settled."),
    ),
    Transition(
        Action.RECORD_TRAVELLER_REFUND,
        _("Record a refund from the traveller"),
        (S.SETTLED, S.NO_SHOW),
        None,
        roles=(Role.FINANCE_OFFICER,),
        effect=_("Dr Bank / Cr Receivable from travellers, never more than is owed"),
        refused=_("No refund from the traveller can be recorded on a grant that is %(state)s."),
    ),
    Transition(
        Action.CLOSE,
        _("Close"),
        (S.SETTLED, S.NO_SHOW),
        S.CLOSED,
        roles=(Role.FINANCE_OFFICER,),
        effect=_("none; refused while the traveller still owes anything"),
        refused=_("A grant that is %(state)s cannot be closed."),
    ),
)

BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}


def action_label(action: str) -> str:
    """A transition's name in the reader's language (an action no longer
    defined is shown as recorded)."""
    transition = BY_ACTION.get(action)
    return str(transition.label) if transition else action


#: Where the traveller may owe the fund an unused or refundable advance.
RECEIVABLE_STATES = (S.SETTLED, S.NO_SHOW, S.CLOSED)


def state_name(state: str) -> str:
    """A state as a sentence says it: "committed", "advance paid"."""
    try:
        return str(GrantState(state).label).lower()
    except ValueError:
        return str(state)


def transition_for(action: str) -> Transition:
    try:
        return BY_ACTION[action]
    except KeyError:
        raise TransitionRefused(
            _("There is no action “%(action)s”.") % {"action": action}
        ) from None


def owed_by_traveller(grant) -> Decimal:
    """What the traveller still owes: the unused advance after settlement, or
    the whole advance after a no-show, less what they have refunded."""
    if grant.state not in RECEIVABLE_STATES:
        return Decimal(0)
    receivable = max(grant.advance_amount - grant.actual_cost, Decimal(0))
    return max(receivable - grant.traveller_refunded, Decimal(0))


# --- Approval levels ----------------------------------------------------------


def next_level(levels: Sequence, signatures: Iterable):
    """The first approval level (in order) nobody has signed yet, or None."""
    signed = {signature.level for signature in signatures}
    for level in levels:
        if level.code not in signed:
            return level
    return None


def signing_refusal(grant, user, level, levels: Sequence, signatures: Iterable) -> str | None:
    """Why ``user`` may not sign ``grant`` at ``level`` (separation of duties), or None.

    - the nominee never signs their own grant;
    - the nominator may certify (a fund officer often types in a mission's
      nomination: that is clerical work, and the certificate is then checked by
      someone else) but never signs a later level: the approval must come from a
      person who had no hand in the nomination;
    - nobody signs two levels of one grant, whatever roles they hold.
    """
    if grant.nominee_user_id is not None and grant.nominee_user_id == user.pk:
        return str(_("The delegate cannot sign their own travel grant."))
    is_first = bool(levels) and level.code == levels[0].code
    if not is_first and grant.nominated_by_id == user.pk:
        return str(
            _(
                "You nominated this delegate: a person who had no part in the nomination "
                "must sign “%(level)s”."
            )
            % {"level": level.label}
        )
    labels = {lv.code: lv.label for lv in levels}
    for signature in signatures:
        if signature.signer_id == user.pk:
            return str(
                _(
                    "You already signed this grant (“%(signed)s”); a different person must "
                    "sign “%(level)s”."
                )
                % {"signed": labels.get(signature.level, signature.level), "level": level.label}
            )
    return None


# --- Who may do what now --------------------------------------------------------


def may_fire(transition: Transition, grant, user, levels: Sequence, signatures: Sequence) -> bool:
    """Whether ``user`` may fire ``transition`` on ``grant`` now (state, role,
    separation of duties and the simple preconditions)."""
    if transition.automatic or grant.state not in transition.sources:
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    if transition.signs:
        level = next_level(levels, signatures)
        if level is None or len(levels) < 2:
            return False
        is_first = level.code == levels[0].code
        if is_first != (transition.signs == Signs.FIRST):
            return False
        if not has_role(user, level.role):
            return False
        return signing_refusal(grant, user, level, levels, signatures) is None
    allowed = has_role(user, *transition.roles) or (
        transition.nominator
        and grant.nominated_by_id == user.pk
        and user.is_active
        and transition.nominator_may_fire_from(grant.state)
    )
    if not allowed:
        return False
    if transition.action == Action.RECORD_TRAVELLER_REFUND:
        return owed_by_traveller(grant) > 0
    if transition.action == Action.CLOSE:
        return owed_by_traveller(grant) == 0
    return True


def available_actions(grant, user, *, levels=None, signatures=None) -> list[Transition]:
    """The moves ``user`` may make on ``grant`` now, in the table's order.

    ``levels`` (the approval levels in order) and ``signatures`` (the grant's)
    are read from the database when not given: two queries."""
    if levels is None:
        from grants.models import ApprovalLevel

        levels = list(ApprovalLevel.objects.order_by("order"))
    if signatures is None:
        from fundmgr.services.duties import signatures_on

        signatures = signatures_on(grant)
    return [t for t in TRANSITIONS if may_fire(t, grant, user, levels, signatures)]


# --- Who acts next ---------------------------------------------------------------

#: Who acts next on a grant in each state, when the approval chain does not
#: decide it (submitted and certified follow the chain's levels). Approved is
#: never seen (the last approval commits at once); committed waits for the
#: advance (finance), an advance paid for the attendance (a fund officer), a
#: travelled grant for its claim, a settled or no-show grant for its refund
#: and closing (finance).
NEXT_BY_STATE: dict[str, tuple[str, ...]] = {
    S.DRAFT: (NOMINATOR,),
    S.APPROVED: (Role.FINANCE_OFFICER,),
    S.COMMITTED: (Role.FINANCE_OFFICER,),
    S.ADVANCE_PAID: (Role.FUND_OFFICER,),
    S.TRAVELLED: (Role.FINANCE_OFFICER,),
    S.SETTLED: (Role.FINANCE_OFFICER,),
    S.NO_SHOW: (Role.FINANCE_OFFICER,),
    S.CLOSED: (),
    S.REJECTED: (),
    S.WITHDRAWN: (),
}


def next_actor(state: str, levels: Sequence = (), signed: int | None = None) -> NextActor:
    """Who acts next on a grant in ``state``: the role of the next approval
    level while it is being signed (``signed``: how many levels are signed;
    unknown, the second level for a certified grant), else ``NEXT_BY_STATE``.
    No query: ``levels`` are read by the caller, once for many grants."""
    roles = [level.role for level in levels] or [level[3] for level in DEFAULT_LEVELS]
    if state == S.SUBMITTED:
        return NextActor((roles[0],))
    if state == S.CERTIFIED:
        index = signed if signed is not None else 1
        return NextActor((roles[min(max(index, 1), len(roles) - 1)],))
    return NextActor(NEXT_BY_STATE.get(state, ()))


# --- The table, for the docs ------------------------------------------------------


def _role_names(roles: Iterable[str]) -> list[str]:
    """Role labels as they read inside a sentence: "fund officer (certifying)"."""
    labels = dict(Role.choices)
    names = [str(labels[role]) for role in roles]
    return [name[:1].lower() + name[1:] for name in names]


def who_may_fire(transition: Transition) -> str:
    """A sentence naming who may fire ``transition``."""
    if transition.automatic:
        return str(_("nobody: done by the approval, in the same transaction"))
    if transition.signs == Signs.FIRST:
        default = _role_names([DEFAULT_LEVELS[0][3]])[0]
        return str(
            _("the role of the first approval level (by default: %(role)s); never the delegate")
            % {"role": default}
        )
    if transition.signs == Signs.LATER:
        defaults = ", ".join(_role_names(level[3] for level in DEFAULT_LEVELS[1:]))
        return str(
            _(
                "the role of each later approval level (by default: %(roles)s); never the "
                "delegate, the nominator or a person who signed another level"
            )
            % {"roles": defaults}
        )
    names = [str(_("any %(role)s") % {"role": name}) for name in _role_names(transition.roles)]
    if transition.nominator:
        nominator = (
            _("the nominator or the country's focal point")
            if transition.focal_point
            else _("the nominator")
        )
        if transition.nominator_sources:
            nominator = _("%(who)s (from %(states)s only)") % {
                "who": nominator,
                "states": ", ".join(f"`{state}`" for state in transition.nominator_sources),
            }
        names.insert(0, str(nominator))
    return str(_(" or ")).join(names)


def _reason_text(transition: Transition) -> str:
    if transition.automatic:
        return "–"
    if transition.reason_required:
        return str(_("required"))
    if transition.reason_when:
        return str(transition.reason_when)
    return str(_("optional"))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def transitions_markdown() -> str:
    """The table of ``TRANSITIONS`` in Markdown, in English (the docs' language)."""
    with override("en"):
        rows = [
            "| action | from | to | who may fire it | reason | effect on the books |",
            "|---|---|---|---|---|---|",
        ]
        for t in TRANSITIONS:
            sources = ", ".join(f"`{s}`" for s in t.sources)
            target = f"`{t.target}`" if t.target else "(unchanged)"
            rows.append(
                "| "
                + " | ".join(
                    _cell(cell)
                    for cell in (
                        f"`{t.action}`",
                        sources,
                        target,
                        who_may_fire(t),
                        _reason_text(t),
                        str(t.effect),
                    )
                )
                + " |"
            )
    return "\n".join(rows) + "\n"
