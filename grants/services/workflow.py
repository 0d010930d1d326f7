"""The moves of a travel grant, one function per action of ``grants.workflow``.

Every move runs in one transaction: it locks the grant's row
(``SELECT ... FOR UPDATE``), reads its state again, checks who is acting and
whether the state allows the action, does what the action does (signatures,
ledger entries under idempotency keys ``grant:<pk>:<what>``), then records a
``GrantTransition`` (who, when, from, to, why) and an audit record. The same
person repeating the move they just made (a double click) changes nothing
the second time. A move that is not allowed raises ``TransitionRefused``
(its message names the state and the action), ``InsufficientFunds`` (with
the figures) or Django's ``PermissionDenied`` for the wrong role; nothing is
recorded then.

The grant's money fields follow the ledger: ``approved_amount`` (the cost
committed at approval), ``committed_amount`` (the open commitment: what was
committed less what was advanced, until settlement, withdrawal or no-show
release the rest), ``advance_amount``, ``actual_cost``, ``balance_paid`` and
``traveller_refunded``. See docs/grants-workflow.md for each entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from fundmgr.chart import AccountKey
from fundmgr.formatting import country_name, money
from fundmgr.models import EntryKind, Fund
from fundmgr.money import Money, quantum, round_amount, to_decimal
from fundmgr.roles import Role, has_role, require_role
from fundmgr.sentences import Sentence
from fundmgr.services.audit import Actor, actor_fields, log_action
from fundmgr.services.duties import SeparationOfDutiesError, sign, signatures_on
from fundmgr.services.ledger import credit, debit, post_entry
from grants import notices
from grants.models import (
    ApprovalLevel,
    FocalPoint,
    Grant,
    GrantState,
    GrantTransition,
    Priority,
)
from grants.queries import grant_entries
from grants.sentences import (
    MEMO_ADVANCE,
    MEMO_COMMITMENT,
    MEMO_LIQUIDATION,
    MEMO_NO_SHOW,
    MEMO_NO_SHOW_RELEASE,
    MEMO_PSC,
    MEMO_SETTLED,
    MEMO_SETTLEMENT,
    MEMO_TRAVEL_GRANT,
    MEMO_TRAVELLER_REFUND,
    MEMO_WITHDRAWN,
)
from grants.services.commitments import (
    InsufficientFunds,
    check_country_cap,
    lock_fund,
    psc_fraction,
    reserve,
)
from grants.workflow import (
    BY_ACTION,
    Action,
    SignatureRefused,
    Transition,
    TransitionRefused,
    next_level,
    owed_by_traveller,
    signing_refusal,
    state_name,
)

__all__ = [
    "BulkResult",
    "InsufficientFunds",
    "SignatureRefused",
    "TransitionRefused",
    "approval_levels",
    "approve",
    "bulk_certify",
    "certify",
    "close",
    "confirm_attendance",
    "history",
    "mark_no_show",
    "pay_advance",
    "perform",
    "record_traveller_refund",
    "reject",
    "settle",
    "submit",
    "withdraw",
]

MAX_BOARDING_PASSES_BYTES = 10 * 1024 * 1024
DEFAULT_ADVANCE_PCT = Decimal(80)

S = GrantState
K = AccountKey


# --- Reading ----------------------------------------------------------------------


def history(grant: Grant) -> list[GrantTransition]:
    """The grant's transitions, oldest first, with who made them: one query."""
    return list(
        GrantTransition.objects.filter(grant_id=grant.pk).select_related("by").order_by("at", "id")
    )


def approval_levels() -> list[ApprovalLevel]:
    """The approval chain in order; it needs a level to certify and one to approve."""
    levels = list(ApprovalLevel.objects.order_by("order"))
    if len(levels) < 2:
        raise TransitionRefused(
            _(
                "The approval chain needs at least two levels, one to certify and one to "
                "approve; an administrator must set them up."
            )
        )
    return levels


# --- The machinery every move shares ---------------------------------------------


def _lock(grant: Grant | int) -> Grant:
    pk = grant.pk if isinstance(grant, Grant) else grant
    return (
        Grant.objects.select_for_update(of=("self",))
        .select_related("event__fund", "country")
        .get(pk=pk)
    )


def _sync(target, source: Grant) -> None:
    """Give the caller's instance the state the move left the row in."""
    if not isinstance(target, Grant) or target is source:
        return
    for model_field in Grant._meta.concrete_fields:
        value = getattr(source, model_field.attname)
        if isinstance(value, FieldFile):
            value = value.name
        setattr(target, model_field.attname, value)


def _is_repeat(grant: Grant, transition: Transition, by: Actor) -> bool:
    """The same person just made this very move: a double click, or a retry."""
    if transition.action == Action.RECORD_TRAVELLER_REFUND:
        return False  # partial refunds repeat legitimately; each is capped by what is owed
    last = grant.transitions.order_by("-id").first()
    if last is None or last.by_id != getattr(by, "pk", None) or last.to_state != grant.state:
        return False
    # A repeated last approval finds the grant committed. A repeated middle
    # level is not swallowed: the person is told they already signed.
    repeated = Action.COMMIT if transition.action == Action.APPROVE else transition.action
    return last.action == repeated


def _check_who(grant: Grant, transition: Transition, by: Actor) -> None:
    """The roles may fire a move from every source state; the nominator (and,
    where the move says so, a focal point for the grant's country) from
    ``nominator_sources`` only, told so in words past them."""
    if has_role(by, *transition.roles):
        return
    if (
        transition.nominator
        and getattr(by, "is_active", False)
        and _nominates(grant, transition, by)
    ):
        if grant.state in transition.sources and not transition.nominator_may_fire_from(
            grant.state
        ):
            raise TransitionRefused(
                _(
                    "Nomination %(reference)s is %(state)s: its nominator can no longer "
                    "withdraw it. Ask a fund officer to withdraw it, saying why."
                )
                % {"reference": grant.reference, "state": state_name(grant.state)}
            )
        return
    require_role(by, *transition.roles)


def _nominates(grant: Grant, transition: Transition, by: Actor) -> bool:
    person = getattr(by, "pk", None)  # a system actor (a name) nominates nothing
    if person is not None and person == grant.nominated_by_id:
        return True
    return bool(
        person is not None
        and transition.focal_point
        and has_role(by, Role.FOCAL_POINT)
        and FocalPoint.objects.filter(user_id=person, country_id=grant.country_id).exists()
    )


def _check_state(grant: Grant, transition: Transition) -> None:
    if grant.state not in transition.sources:
        raise TransitionRefused(transition.refusal(grant.state))


def _check_reason(transition: Transition, reason: str) -> None:
    if transition.reason_required and not reason:
        raise TransitionRefused(_("“%(action)s” needs a reason.") % {"action": transition.label})


def _record(
    grant: Grant,
    action: str,
    from_state: str,
    to_state: str,
    by: Actor,
    reason: str = "",
    data: dict | None = None,
    dated: datetime.date | None = None,
) -> GrantTransition:
    recorded = GrantTransition.objects.create(
        grant=grant,
        from_state=from_state,
        to_state=to_state,
        action=action,
        **actor_fields(by, "by"),
        reason=reason,
        dated=dated,
    )
    notices.transition_recorded(recorded)  # told once this commits (grants.notices)
    log_action(
        grant,
        f"grant:{action}",
        by,
        reason,
        {"reference": grant.reference, "from": from_state, "to": to_state, **(data or {})},
    )
    return recorded


def _move(
    grant: Grant | int,
    action: str,
    by: Actor,
    reason: str = "",
    effect: Callable[[Grant, datetime.date], dict[str, Any] | None] | None = None,
    on: datetime.date | None = None,
    dating: Callable[[Grant, datetime.date | None], datetime.date] | None = None,
) -> Grant:
    """Lock, re-check, apply ``effect`` (its entries dated ``on``, default
    today), move to the target state, record. ``dating`` checks ``on``: a
    value date (``_value_date``) unless another rule is given."""
    transition = BY_ACTION[action]
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _lock(grant)
        if _is_repeat(locked, transition, by):
            _sync(grant, locked)
            return locked
        _check_who(locked, transition, by)
        _check_state(locked, transition)
        _check_reason(transition, reason)
        from_state = locked.state
        day = (dating or _value_date)(locked, on)
        data = (effect(locked, day) if effect else None) or {}
        if on is not None:
            data["value_date"] = day.isoformat()
        locked.state = transition.target or from_state
        locked.save()
        _record(locked, action, from_state, locked.state, by, reason, data, _dated(day, on))
    _sync(grant, locked)
    return locked


# --- Money and the ledger ------------------------------------------------------------


def _value_date(grant: Grant, on: datetime.date | None) -> datetime.date:
    """The date a money movement is booked at: the day money moved (the bank's
    value date), which finance may record later; never in the future, and
    never before the grant's latest entry, so each grant's entries follow
    one another (commitment, advance, settlement, refunds) in the books as
    they did in fact."""
    today = timezone.localdate()
    if on is None:
        return today
    if on > today:
        raise TransitionRefused(
            _("%(date)s is in the future: record the money on the day it moved.")
            % {"date": on.isoformat()}
        )
    _check_after_latest_entry(grant, on)
    return on


def _check_after_latest_entry(grant: Grant, on: datetime.date) -> None:
    latest = grant_entries(grant).aggregate(latest=Max("date"))["latest"]
    if latest and on < latest:
        raise TransitionRefused(
            _(
                "Grant %(reference)s's latest entry is dated %(latest)s: this one cannot be "
                "dated earlier (%(date)s)."
            )
            % {"reference": grant.reference, "latest": latest.isoformat(), "date": on.isoformat()}
        )


def _signing_date(grant: Grant, on: datetime.date | None) -> datetime.date:
    """The day a signature was signed, which may be recorded later (a paper
    approval entered after the fact): never in the future, never before the
    grant's latest step (the certificate an approval signs off, a signature
    before it) nor its latest entry, so the grant's history and books keep
    the order things happened in."""
    today = timezone.localdate()
    if on is None:
        return today
    if on > today:
        raise TransitionRefused(
            _("%(date)s is in the future: give the day the grant was signed.")
            % {"date": on.isoformat()}
        )
    steps = GrantTransition.objects.filter(grant_id=grant.pk).only("at", "dated", "action")
    latest = max(steps, key=lambda step: step.effective_day, default=None)
    if latest is not None and on < latest.effective_day:
        raise TransitionRefused(
            _(
                "Grant %(reference)s's latest step (“%(action)s”) is dated %(latest)s: a "
                "signature cannot be dated earlier (%(date)s)."
            )
            % {
                "reference": grant.reference,
                "action": BY_ACTION[latest.action].label
                if latest.action in BY_ACTION
                else latest.action,
                "latest": latest.effective_day.isoformat(),
                "date": on.isoformat(),
            }
        )
    _check_after_latest_entry(grant, on)
    return on


def _dated(day: datetime.date, on: datetime.date | None) -> datetime.date | None:
    """What a transition keeps as its date: the day given, none for today."""
    return day if on is not None else None


def _currency(grant: Grant) -> str:
    return grant.event.fund.base_currency


def _amount(grant: Grant, value, what: str) -> Decimal:
    """A positive amount in the fund's currency, to its minor unit."""
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError) as bad:
        raise TransitionRefused(str(bad)) from bad
    q = quantum(_currency(grant))
    if amount != amount.quantize(q):
        raise TransitionRefused(
            _("%(what)s has more decimals than %(currency)s allows.")
            % {"what": what, "currency": _currency(grant)}
        )
    if amount <= 0:
        raise TransitionRefused(_("%(what)s must be greater than zero.") % {"what": what})
    return amount


def _money(grant: Grant, amount: Decimal) -> Money:
    return Money(amount, _currency(grant))


#: Each money movement of a grant (``what`` in ``_post``) and its kind of entry.
KINDS = {
    "commitment": EntryKind.GRANT_COMMITMENT,
    "release": EntryKind.GRANT_RELEASE,
    "advance": EntryKind.GRANT_ADVANCE,
    "liquidation": EntryKind.GRANT_LIQUIDATION,
    "no_show": EntryKind.GRANT_NO_SHOW,
    "settlement": EntryKind.GRANT_SETTLEMENT,
    "psc": EntryKind.GRANT_PSC,
    "refund": EntryKind.GRANT_REFUND,
}


def _post(grant: Grant, day: datetime.date, what: str, memo: Sentence, legs, by: Actor) -> None:
    post_entry(
        grant.event.fund,
        day,
        # Kept by code, read in the reader's language (its English in ``memo``).
        Sentence(
            MEMO_TRAVEL_GRANT,
            {"grant": grant.reference, "nominee": grant.nominee_name, "what": memo.data()},
        ),
        legs,
        by,
        kind=KINDS[what.split(":")[0]],
        source=grant,
        idempotency_key=f"grant:{grant.pk}:{what}",
    )


def _release(grant: Grant, day: datetime.date, by: Actor, why: str) -> Decimal:
    """Release the whole open commitment (the reverse pair); returns the amount.
    ``why``: the code of the release's sentence (grants.sentences, MEMO_...)."""
    open_amount = grant.committed_amount
    if open_amount > 0:
        m = _money(grant, open_amount)
        _post(
            grant,
            day,
            "release",
            Sentence(why),
            [debit(K.COMMITMENTS_CONTROL, m), credit(K.COMMITMENTS, m)],
            by,
        )
    grant.committed_amount = Decimal(0)
    return open_amount


def _check_entitlement(grant: Grant) -> None:
    if grant.cost <= 0:
        raise TransitionRefused(
            _(
                "Grant %(reference)s has no entitlement yet: its cost must be computed before "
                "it is certified or approved."
            )
            % {"reference": grant.reference}
        )
    if grant.priority == Priority.NOT_ELIGIBLE:
        raise TransitionRefused(
            _(
                "%(country)s is not eligible for %(event)s: grant %(reference)s cannot be "
                "certified or approved."
            )
            % {
                "country": country_name(grant.country),
                "event": grant.event.code,
                "reference": grant.reference,
            }
        )


def check_pdf(upload, what: str) -> None:
    """A PDF (its first bytes say ``%PDF-``) of at most 10 MB."""
    if upload is None:
        raise TransitionRefused(_("%(what)s (PDF) is required.") % {"what": what})
    if upload.size > MAX_BOARDING_PASSES_BYTES:
        raise TransitionRefused(_("%(what)s is larger than 10 MB.") % {"what": what})
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise TransitionRefused(_("%(what)s must be a PDF file.") % {"what": what})


# --- The moves ------------------------------------------------------------------------


def submit(
    grant: Grant | int, by: Actor, reason: str = "", *, on: datetime.date | None = None
) -> Grant:
    """draft -> submitted: the nominator or a fund officer sends the nomination
    in. ``on``: the day it was sent in, when recorded later (default today)."""
    return _move(grant, Action.SUBMIT, by, reason, on=on, dating=_signing_date)


def _sign(grant: Grant, by: Actor, level: ApprovalLevel, levels, signatures, reason: str) -> None:
    refusal = signing_refusal(grant, by, level, levels, signatures)
    if refusal:
        raise SignatureRefused(refusal)
    subjects = [grant.nominee_user] if grant.nominee_user_id else []
    if level.code != levels[0].code:
        subjects.append(grant.nominated_by)
    try:
        sign(grant, by, level.code, role=level.role, why=reason, subjects=subjects)
    except SeparationOfDutiesError as clash:
        raise SignatureRefused(str(clash)) from clash


def certify(
    grant: Grant | int, by: Actor, reason: str = "", *, on: datetime.date | None = None
) -> Grant:
    """submitted -> certified: the first approval level's signature. ``on``:
    the day it was signed (default today; see ``_signing_date``)."""
    transition = BY_ACTION[Action.CERTIFY]
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _lock(grant)
        if _is_repeat(locked, transition, by):
            _sync(grant, locked)
            return locked
        levels = approval_levels()
        first = levels[0]
        require_role(by, first.role)
        _check_state(locked, transition)
        _check_entitlement(locked)
        signatures = signatures_on(locked)
        if next_level(levels, signatures) != first:
            raise TransitionRefused(
                _("Grant %(reference)s already carries the signature “%(level)s”.")
                % {"reference": locked.reference, "level": first.label}
            )
        day = _signing_date(locked, on)
        _sign(locked, by, first, levels, signatures, reason)
        from_state = locked.state
        locked.state = S.CERTIFIED
        locked.save()
        _record(
            locked,
            Action.CERTIFY,
            from_state,
            locked.state,
            by,
            reason,
            {"level": first.code, "signed_on": day.isoformat()},
            _dated(day, on),
        )
    _sync(grant, locked)
    return locked


def approve(
    grant: Grant | int, by: Actor, reason: str = "", *, on: datetime.date | None = None
) -> Grant:
    """The next approval level's signature. On the last level the grant is
    approved and committed in the same transaction, under the fund's lock, if
    the country's cap and the money available allow it; otherwise nothing is
    recorded (no signature, no transition, no entry).

    ``on``: the day it was signed (default today; see ``_signing_date``). The
    commitment is booked that day, against the money available and at the PSC
    rate of that day, and must also fit the fund as it stands today (an
    earlier day's cash may have been spent since)."""
    transition = BY_ACTION[Action.APPROVE]
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _lock(grant)
        if _is_repeat(locked, transition, by):
            _sync(grant, locked)
            return locked
        levels = approval_levels()
        signatures = signatures_on(locked)
        level = next_level(levels, signatures)
        if level is None or level.code == levels[0].code:
            # Nothing to approve yet (no certificate) or nothing left to sign:
            # the state says which; check the role of a later level first.
            require_role(by, *{lv.role for lv in levels[1:]})
            _check_state(locked, transition)
            raise TransitionRefused(
                _("Grant %(reference)s has no “%(level)s” signature to approve.")
                % {"reference": locked.reference, "level": levels[0].label}
            )
        require_role(by, level.role)
        _check_state(locked, transition)
        _check_entitlement(locked)
        refusal = signing_refusal(locked, by, level, levels, signatures)
        if refusal:
            raise SignatureRefused(refusal)
        last = level.code == levels[-1].code
        day = _signing_date(locked, on)
        if last:
            fund = lock_fund(locked.event.fund_id)
            check_country_cap(locked)
            what = _("committing grant %(reference)s") % {"reference": locked.reference}
            for as_of in sorted({day, timezone.localdate()}):
                reserve(fund, locked.cost, what=what, as_of=as_of)
        _sign(locked, by, level, levels, signatures, reason)
        if not last:
            locked.save()
            _record(
                locked,
                Action.APPROVE,
                locked.state,
                locked.state,
                by,
                reason,
                {"level": level.code, "signed_on": day.isoformat()},
                _dated(day, on),
            )
        else:
            _approve_and_commit(locked, fund, by, reason, level, day, _dated(day, on))
    _sync(grant, locked)
    return locked


def _approve_and_commit(
    grant: Grant,
    fund: Fund,
    by: Actor,
    reason: str,
    level: ApprovalLevel,
    day: datetime.date,
    dated: datetime.date | None,
) -> None:
    grant.state = S.APPROVED
    grant.approved_amount = grant.cost
    grant.save()
    _record(
        grant,
        Action.APPROVE,
        S.CERTIFIED,
        S.APPROVED,
        by,
        reason,
        {"level": level.code, "approved_amount": grant.cost, "signed_on": day.isoformat()},
        dated,
    )
    amount = _money(grant, grant.cost)
    _post(
        grant,
        day,
        "commitment",
        Sentence(MEMO_COMMITMENT),
        [debit(K.COMMITMENTS, amount), credit(K.COMMITMENTS_CONTROL, amount)],
        by,
    )
    grant.committed_amount = grant.cost
    grant.state = S.COMMITTED
    grant.save()
    _record(grant, Action.COMMIT, S.APPROVED, S.COMMITTED, by, "", {"committed": grant.cost}, dated)


def reject(grant: Grant | int, by: Actor, reason: str) -> Grant:
    """submitted or certified -> rejected, with a reason. Nothing is committed
    before approval, so nothing is released."""
    return _move(grant, Action.REJECT, by, reason)


def withdraw(grant: Grant | int, by: Actor, reason: str) -> Grant:
    """Before the advance: -> withdrawn, with a reason; releases the open commitment."""

    def effect(locked: Grant, day: datetime.date):
        released = _release(locked, day, by, MEMO_WITHDRAWN)
        return {"released": released} if released else None

    return _move(grant, Action.WITHDRAW, by, reason, effect)


def default_advance(grant: Grant) -> Decimal:
    """The event's advance percentage (80% by default) of the approved amount,
    rounded to the cent (the currency's minor unit), half away from zero."""
    policy = getattr(grant.event, "travel_policy", None)
    pct = policy.advance_pct if policy is not None else DEFAULT_ADVANCE_PCT
    return round_amount(grant.approved_amount * pct / 100, _currency(grant))


def pay_advance(
    grant: Grant | int, by: Actor, amount=None, reason: str = "", *, on: datetime.date | None = None
) -> Grant:
    """committed -> advance paid: the advance leaves the bank, and the open
    commitment is liquidated by as much (it is disbursed, no longer
    unliquidated). ``on``: the day it was paid (default today)."""

    def effect(locked: Grant, day: datetime.date):
        if amount is None:
            advance = default_advance(locked)
            if advance <= 0:
                raise TransitionRefused(
                    _(
                        "The event's policy advances nothing: confirm the attendance, then "
                        "settle the travel claim."
                    )
                )
        else:
            advance = _amount(locked, amount, _("The advance"))
        if advance > locked.committed_amount:
            raise TransitionRefused(
                _("An advance of %(advance)s is more than the open commitment of %(open)s.")
                % {
                    "advance": money(_money(locked, advance)),
                    "open": money(_money(locked, locked.committed_amount)),
                }
            )
        m = _money(locked, advance)
        _post(
            locked,
            day,
            "advance",
            Sentence(MEMO_ADVANCE),
            [debit(K.TRAVEL_ADVANCES, m), credit(K.BANK, m)],
            by,
        )
        _post(
            locked,
            day,
            "liquidation",
            Sentence(MEMO_LIQUIDATION),
            [debit(K.COMMITMENTS_CONTROL, m), credit(K.COMMITMENTS, m)],
            by,
        )
        locked.advance_amount = advance
        locked.committed_amount -= advance
        return {"advance": advance}

    return _move(grant, Action.PAY_ADVANCE, by, reason, effect, on)


def confirm_attendance(grant: Grant | int, by: Actor, reason: str = "") -> Grant:
    """committed or advance paid -> travelled: the delegate attended."""
    return _move(grant, Action.CONFIRM_ATTENDANCE, by, reason)


def mark_no_show(grant: Grant | int, by: Actor, reason: str) -> Grant:
    """committed or advance paid -> no-show, with a reason: the open commitment
    is released and any advance paid is owed back in full."""

    def effect(locked: Grant, day: datetime.date):
        released = _release(locked, day, by, MEMO_NO_SHOW_RELEASE)
        if locked.advance_amount > 0:
            m = _money(locked, locked.advance_amount)
            _post(
                locked,
                day,
                "no_show",
                Sentence(MEMO_NO_SHOW),
                [debit(K.TRAVELLER_RECEIVABLE, m), credit(K.TRAVEL_ADVANCES, m)],
                by,
            )
        return {"released": released, "owed": locked.advance_amount}

    return _move(grant, Action.MARK_NO_SHOW, by, reason, effect)


def settle(
    grant: Grant | int,
    by: Actor,
    *,
    actual_cost,
    boarding_passes,
    reason: str = "",
    on: datetime.date | None = None,
) -> Grant:
    """travelled -> settled: the travel claim. The actual cost becomes
    expenditure; the advance is cleared against it, the unused part owed by
    the traveller or the balance paid to them; PSC is charged on the actual
    cost at the fund's rate on the day; the open commitment is released.
    A claim above the approved amount needs a reason, and the money for the
    excess (with its PSC) is checked under the fund's lock like a commitment.
    ``on``: the day the claim was settled (default today)."""
    stored: list[str] = []

    def effect(locked: Grant, day: datetime.date):
        actual = _amount(locked, actual_cost, _("The actual cost"))
        check_pdf(boarding_passes, _("The boarding passes"))
        approved = locked.approved_amount
        if actual > approved:
            if not (reason or "").strip():
                raise TransitionRefused(
                    _(
                        "The claim of %(actual)s is above the approved amount of %(approved)s: "
                        "give the reason."
                    )
                    % {
                        "actual": money(_money(locked, actual)),
                        "approved": money(_money(locked, approved)),
                    }
                )
            reserve(
                lock_fund(locked.event.fund_id),
                actual - approved,
                what=_("paying the claim of grant %(reference)s above its approved amount")
                % {"reference": locked.reference},
                as_of=day,
            )
        advance = locked.advance_amount
        legs = [debit(K.TRAVEL_EXPENDITURE, _money(locked, actual))]
        if advance > 0:
            legs.append(credit(K.TRAVEL_ADVANCES, _money(locked, advance)))
        if advance > actual:
            legs.append(debit(K.TRAVELLER_RECEIVABLE, _money(locked, advance - actual)))
        elif actual > advance:
            legs.append(credit(K.BANK, _money(locked, actual - advance)))
        _post(locked, day, "settlement", Sentence(MEMO_SETTLEMENT), legs, by)
        fraction = psc_fraction(locked.event.fund, day)
        psc = round_amount(actual * fraction, _currency(locked))
        if psc > 0:
            m = _money(locked, psc)
            _post(
                locked,
                day,
                "psc",
                Sentence(MEMO_PSC, {"percent": f"{fraction * 100:f}"}),
                [debit(K.PSC, m), credit(K.BANK, m)],
                by,
            )
        released = _release(locked, day, by, MEMO_SETTLED)
        locked.actual_cost = actual
        locked.balance_paid = max(actual - advance, Decimal(0))
        if actual > approved:
            locked.claim_reason = reason.strip()
        locked.boarding_passes.save(
            f"{locked.reference}-boarding-passes.pdf", boarding_passes, save=False
        )
        stored.append(cast(str, locked.boarding_passes.name))  # named by save()
        return {
            "actual_cost": actual,
            "psc": psc,
            "released": released,
            "balance_paid": locked.balance_paid,
            "owed": max(advance - actual, Decimal(0)),
        }

    try:
        return _move(grant, Action.SETTLE, by, reason, effect, on)
    except BaseException:
        for name in stored:  # no orphan file for a claim that was not recorded
            Grant._meta.get_field("boarding_passes").storage.delete(name)
        raise


def record_traveller_refund(
    grant: Grant | int, by: Actor, amount, reason: str = "", *, on: datetime.date | None = None
) -> Grant:
    """The traveller paid back (part of) what they owe: Dr Bank / Cr Receivable
    from travellers. The state does not change; never more than is owed.
    ``on``: the day the money arrived (default today)."""

    def effect(locked: Grant, day: datetime.date):
        refund = _amount(locked, amount, _("The refund"))
        owed = owed_by_traveller(locked)
        if refund > owed:
            raise TransitionRefused(
                _("The traveller owes %(owed)s; a refund of %(refund)s is more than that.")
                % {
                    "owed": money(_money(locked, owed)),
                    "refund": money(_money(locked, refund)),
                }
            )
        number = locked.transitions.filter(action=Action.RECORD_TRAVELLER_REFUND).count() + 1
        m = _money(locked, refund)
        _post(
            locked,
            day,
            f"refund:{number}",
            Sentence(MEMO_TRAVELLER_REFUND),
            [debit(K.BANK, m), credit(K.TRAVELLER_RECEIVABLE, m)],
            by,
        )
        locked.traveller_refunded += refund
        return {"refund": refund, "still_owed": owed - refund}

    return _move(grant, Action.RECORD_TRAVELLER_REFUND, by, reason, effect, on)


def close(grant: Grant | int, by: Actor, reason: str = "") -> Grant:
    """settled or no-show -> closed, once the traveller owes nothing."""

    def effect(locked: Grant, day: datetime.date):
        owed = owed_by_traveller(locked)
        if owed > 0:
            raise TransitionRefused(
                _(
                    "The traveller still owes %(owed)s: record their refund before closing "
                    "grant %(reference)s."
                )
                % {"owed": money(_money(locked, owed)), "reference": locked.reference}
            )
        return None

    return _move(grant, Action.CLOSE, by, reason, effect)


# --- Many at once, and by name ------------------------------------------------------------


@dataclass
class BulkResult:
    certified: list[Grant] = field(default_factory=list)
    #: reference -> why that grant was not certified
    errors: dict[str, str] = field(default_factory=dict)


def bulk_certify(grants: Iterable[Grant | int], by: Actor, reason: str = "") -> BulkResult:
    """Certify each grant in its own transaction; one refusal stops no other.
    A person without the certifying role is refused once, for the whole batch."""
    require_role(by, approval_levels()[0].role)
    items = list(grants)
    ids = [item.pk if isinstance(item, Grant) else item for item in items]
    by_pk = {g.pk: g for g in Grant.objects.filter(pk__in=ids).order_by("reference")}
    result = BulkResult()
    for pk in sorted(by_pk, key=lambda pk: by_pk[pk].reference):
        grant = by_pk[pk]
        try:
            result.certified.append(certify(grant, by, reason))
        except (TransitionRefused, PermissionDenied) as refused:
            result.errors[grant.reference] = str(refused)
    for pk in ids:
        if pk not in by_pk:
            result.errors[str(pk)] = _("There is no grant number %(pk)s.") % {"pk": pk}
    return result


ACTIONS: dict[str, Callable[..., Grant]] = {
    Action.SUBMIT: submit,
    Action.CERTIFY: certify,
    Action.APPROVE: approve,
    Action.REJECT: reject,
    Action.WITHDRAW: withdraw,
    Action.PAY_ADVANCE: pay_advance,
    Action.CONFIRM_ATTENDANCE: confirm_attendance,
    Action.MARK_NO_SHOW: mark_no_show,
    Action.SETTLE: settle,
    Action.RECORD_TRAVELLER_REFUND: record_traveller_refund,
    Action.CLOSE: close,
}


def perform(grant: Grant | int, action: str, by: Actor, **arguments) -> Grant:
    """Fire ``action`` by its name (what a page's button posts)."""
    try:
        move = ACTIONS[action]
    except KeyError:
        raise TransitionRefused(
            _("There is no action “%(action)s” a person can take.") % {"action": action}
        ) from None
    return move(grant, by, **arguments)
