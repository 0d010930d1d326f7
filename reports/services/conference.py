"""The conference cost reconciliation: an event's budget lines, the host
country's contribution and the regular-budget impact.

Recording (finance officers, or a named system actor such as the demo
loader): each service locks the event's row, then re-checks, so two clicks
or two officers at once record one thing. A host record carries the host's
reference, unique per event: the same reference with the same figures
returns the first record; with other figures it is refused. Ledger entries
go to the segregated host-country accounts only, under the idempotency key
``host:<event>:<what>:<reference>``; the ledger refuses any entry that would
mix them with the trust fund's.

Reading: ``conference_reconciliation(event)`` runs a fixed number of
queries (five) whatever the number of lines, records or grants.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import DecimalField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from fundmgr.chart import AccountKey as K
from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import EntryKind, Event, JournalEntry, Leg
from fundmgr.models.ledger import source_type_is
from fundmgr.money import Money, money, quantum, round_amount
from fundmgr.roles import Role, require_role
from fundmgr.services.audit import log_action
from fundmgr.services.ledger import credit, debit, post_entry
from fundmgr.services.rates import MissingExchangeRate, convert
from grants.models import Grant, GrantState
from reports.models import (
    BudgetCategory,
    BudgetLine,
    FundingSource,
    HostContribution,
    HostCost,
)

ZERO = Decimal(0)
AMOUNT = DecimalField(max_digits=20, decimal_places=3)
#: "actual" argument left out: keep the line's entered actual as it is.
UNCHANGED = object()


class ConferenceError(ValueError):
    """A refused recording; the message says what is wrong, with the figures."""


# --- Helpers ------------------------------------------------------------------------------


def _may_record(by) -> None:
    # A string is a named system actor (the demo loader); people need the role.
    if not isinstance(by, str):
        require_role(by, Role.FINANCE_OFFICER)


def _locked_event(event: Event) -> Event:
    return Event.objects.select_for_update().select_related("fund").get(pk=event.pk)


def _fmt(amount: Decimal, currency: str) -> str:
    return f"{round_amount(amount, currency):,} {currency}"


def _base(value, currency: str) -> Decimal:
    """An amount in the fund's currency, rounded to its minor unit; a
    negative or over-precise figure is refused."""
    try:
        result = money(value, currency).amount
    except (TypeError, ValueError) as bad:
        raise ConferenceError(str(bad)) from bad
    if result < 0:
        raise ConferenceError(_("An amount cannot be negative: %(value)s.") % {"value": value})
    return result


def _positive_money(amount: Money) -> Money:
    try:
        exact = money(amount.amount, amount.currency.code)
    except (TypeError, ValueError) as bad:
        raise ConferenceError(str(bad)) from bad
    if exact.amount <= 0:
        raise ConferenceError(
            _("The amount must be more than zero, not %(amount)s.") % {"amount": amount}
        )
    return exact


def _converted(event: Event, amount: Money, day: datetime.date):
    try:
        return convert(amount, event.fund.base_currency, day)
    except MissingExchangeRate as missing:
        raise ConferenceError(str(missing)) from missing


def _text(value: str, what: str, limit: int) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise ConferenceError(_("%(what)s is required.") % {"what": what})
    if len(cleaned) > limit:
        raise ConferenceError(
            _("%(what)s is longer than %(limit)d characters.") % {"what": what, "limit": limit}
        )
    return cleaned


def _line_of(event: Event, line: BudgetLine, source: str, what: str) -> BudgetLine:
    if line.event_id != event.pk:
        raise ConferenceError(
            _("Budget line “%(line)s” belongs to another event.") % {"line": line.name}
        )
    if line.funding_source != source:
        raise ConferenceError(
            _("%(what)s must go to a line funded %(source)s; “%(line)s” is funded %(actual)s.")
            % {
                "what": what,
                "source": FundingSource(source).label.lower(),
                "line": line.name,
                "actual": line.get_funding_source_display().lower(),
            }
        )
    return line


def _same_or_refuse(existing, amount: Money, day: datetime.date, reference: str, same=True):
    """A record already holds this reference: the same figures are a repeat
    (return it), anything else is a clash."""
    if same and existing.amount == amount and existing.date == day:
        return existing
    raise ConferenceError(
        _(
            "Reference “%(reference)s” is already recorded for this event "
            "(%(amount)s on %(day)s); use another reference."
        )
        % {"reference": reference, "amount": existing.amount, "day": existing.date.isoformat()}
    )


def _held(event: Event) -> tuple[Decimal, Decimal]:
    """The host's cash received and spent for ``event``, in the fund's currency."""
    received = HostContribution.objects.filter(
        event=event, kind=HostContribution.Kind.CASH, status=HostContribution.Status.RECEIVED
    ).aggregate(total=ExactSum("base_amount"))["total"]
    spent = HostCost.objects.filter(event=event).aggregate(total=ExactSum("base_amount"))["total"]
    currency = event.fund.base_currency
    return (
        round_amount(Decimal(received or 0), currency),
        round_amount(Decimal(spent or 0), currency),
    )


# --- Budget lines ---------------------------------------------------------------------------


@transaction.atomic
def add_budget_line(
    event: Event,
    *,
    category: str,
    funding_source: str,
    budget,
    by,
    label: str = "",
    note: str = "",
) -> BudgetLine:
    """A new line of the event's budget (in the fund's currency). The same
    line added twice with the same budget is one line."""
    _may_record(by)
    event = _locked_event(event)
    if category not in BudgetCategory.values:
        raise ConferenceError(_("Unknown budget category “%(value)s”.") % {"value": category})
    if funding_source not in FundingSource.values:
        raise ConferenceError(_("Unknown funding source “%(value)s”.") % {"value": funding_source})
    label = (label or "").strip()
    if category == BudgetCategory.OTHER and not label:
        raise ConferenceError(_("A line of the “Other” category needs a label saying what it is."))
    if len(label) > 200:
        raise ConferenceError(_("The label is longer than 200 characters."))
    amount = _base(budget, event.fund.base_currency)
    existing = BudgetLine.objects.filter(
        event=event, category=category, funding_source=funding_source, label=label
    ).first()
    if existing is not None:
        if existing.budget == amount:
            return existing
        raise ConferenceError(
            _(
                "The budget already has the line “%(line)s” (%(source)s): "
                "change its figures instead."
            )
            % {"line": existing.name, "source": existing.get_funding_source_display()}
        )
    line = BudgetLine.objects.create(
        event=event,
        category=category,
        funding_source=funding_source,
        label=label,
        budget=amount,
        note=(note or "").strip(),
    )
    log_action(
        line,
        "conference:budget_line_added",
        by,
        note,
        {"event": event.code, "category": category, "source": funding_source, "budget": amount},
    )
    return line


@transaction.atomic
def set_line_figures(
    line: BudgetLine, *, by, budget=None, actual=UNCHANGED, why: str = ""
) -> BudgetLine:
    """Change a line's budget and/or the actual cost finance enters
    (``actual=None`` clears it). The delegates' travel paid by the trust fund
    is the grants, never entered; on a host-funded line the entered actual is
    the line's full cost, never less than what the host's records already cover."""
    _may_record(by)
    locked = BudgetLine.objects.select_for_update().select_related("event__fund").get(pk=line.pk)
    currency = locked.event.fund.base_currency
    before = {"budget": locked.budget, "actual": locked.actual}
    if budget is not None:
        locked.budget = _base(budget, currency)
    if actual is not UNCHANGED:
        if actual is None:
            locked.actual = None
        else:
            value = _base(actual, currency)
            if locked.from_grants:
                raise ConferenceError(
                    _(
                        "The actual cost of delegates' travel comes from the travel grants; "
                        "it is not entered."
                    )
                )
            covered = _covered(locked)
            if value < covered:
                raise ConferenceError(
                    _(
                        "The host's records already cover %(covered)s on “%(line)s”; "
                        "its actual cost cannot be %(actual)s."
                    )
                    % {
                        "covered": _fmt(covered, currency),
                        "line": locked.name,
                        "actual": _fmt(value, currency),
                    }
                )
            locked.actual = value
    after = {"budget": locked.budget, "actual": locked.actual}
    if after == before:
        return locked
    locked.save(update_fields=["budget", "actual"])
    log_action(
        locked, "conference:budget_line_changed", by, why, {"before": before, "after": after}
    )
    return locked


def _covered(line: BudgetLine) -> Decimal:
    if line.funding_source == FundingSource.HOST_CASH:
        total = line.host_costs.aggregate(t=ExactSum("base_amount"))["t"]
    elif line.funding_source == FundingSource.HOST_IN_KIND:
        total = line.in_kind.filter(status=HostContribution.Status.PROVIDED).aggregate(
            t=ExactSum("base_amount")
        )["t"]
    else:
        total = None
    return round_amount(Decimal(total or 0), line.event.fund.base_currency)


# --- The host's contribution --------------------------------------------------------------


#: The kind of entry a host contribution posts, by the contribution's kind.
HOST_KINDS = {
    HostContribution.Kind.CASH: EntryKind.HOST_CASH,
    HostContribution.Kind.IN_KIND: EntryKind.HOST_IN_KIND,
}


def _contribution(
    event: Event,
    *,
    kind: str,
    status: str,
    amount: Money,
    date: datetime.date,
    reference: str,
    description: str,
    by,
    budget_line: BudgetLine | None,
    legs,
    memo: str,
) -> HostContribution:
    _may_record(by)
    amount = _positive_money(amount)
    reference = _text(reference, _("The host's reference"), 100)
    description = _text(description, _("The description"), 300)
    with transaction.atomic():
        event = _locked_event(event)
        existing = HostContribution.objects.filter(event=event, reference=reference).first()
        if existing is not None:
            same = existing.kind == kind and existing.status == status
            return _same_or_refuse(existing, amount, date, reference, same)
        conversion = _converted(event, amount, date)
        entry = None
        if legs is not None:
            entry = post_entry(
                event.fund,
                date,
                f"{memo} for {event.code}: {description} (ref. {reference})",
                legs(amount),
                by,
                kind=HOST_KINDS[kind],
                source=event,
                source_ref=reference,
                idempotency_key=f"host:{event.pk}:{status}:{reference}",
            )
        record = HostContribution.objects.create(
            event=event,
            kind=kind,
            status=status,
            amount=amount,
            base_amount=conversion.result.amount,
            rate=conversion.rate.quantize(Decimal("0.000001")),
            date=date,
            reference=reference,
            description=description,
            budget_line=budget_line,
            entry=entry,
        )
        log_action(
            record,
            f"conference:host_{kind}_{status}",
            by,
            description,
            {
                "event": event.code,
                "amount": str(amount.amount),
                "currency": amount.currency.code,
                "base": str(conversion.result.amount),
                "rate": str(conversion.rate),
                "entry": entry.pk if entry else None,
            },
        )
        return record


def record_host_pledge(
    event: Event,
    *,
    kind: str,
    amount: Money,
    date: datetime.date,
    reference: str,
    description: str,
    by,
    budget_line: BudgetLine | None = None,
) -> HostContribution:
    """The host's promise, in cash or in kind: recorded and shown as
    pledged, valued at the date's rate; no ledger entry (a pledge is not cash)."""
    if kind not in HostContribution.Kind.values:
        raise ConferenceError(
            _("A host contribution is in cash or in kind, not “%(kind)s”.") % {"kind": kind}
        )
    if budget_line is not None:
        source = FundingSource.HOST_CASH if kind == "cash" else FundingSource.HOST_IN_KIND
        _line_of(event, budget_line, source, _("A pledge"))
    return _contribution(
        event,
        kind=kind,
        status=HostContribution.Status.PLEDGED,
        amount=amount,
        date=date,
        reference=reference,
        description=description,
        by=by,
        budget_line=budget_line,
        legs=None,
        memo="",
    )


def record_host_cash_received(
    event: Event, *, amount: Money, date: datetime.date, reference: str, description: str, by
) -> HostContribution:
    """Cash the host paid in: Dr host cash / Cr host cash contributions, at the date's rate."""
    return _contribution(
        event,
        kind=HostContribution.Kind.CASH,
        status=HostContribution.Status.RECEIVED,
        amount=amount,
        date=date,
        reference=reference,
        description=description,
        by=by,
        budget_line=None,
        legs=lambda m: [debit(K.HOST_CASH, m), credit(K.HOST_CASH_CONTRIBUTIONS, m)],
        memo="Host country cash contribution received",
    )


def record_in_kind_provided(
    event: Event,
    *,
    budget_line: BudgetLine,
    amount: Money,
    date: datetime.date,
    reference: str,
    description: str,
    by,
) -> HostContribution:
    """Services the host provided in kind, at their value: Dr host in-kind
    costs / Cr host in-kind contributions, against a line funded in kind."""
    _line_of(event, budget_line, FundingSource.HOST_IN_KIND, _("Services in kind"))
    return _contribution(
        event,
        kind=HostContribution.Kind.IN_KIND,
        status=HostContribution.Status.PROVIDED,
        amount=amount,
        date=date,
        reference=reference,
        description=description,
        by=by,
        budget_line=budget_line,
        legs=lambda m: [debit(K.HOST_IN_KIND_COSTS, m), credit(K.HOST_IN_KIND_CONTRIBUTIONS, m)],
        memo="Host country services provided in kind",
    )


def record_host_cost(
    event: Event,
    *,
    budget_line: BudgetLine,
    amount: Money,
    date: datetime.date,
    reference: str,
    description: str,
    by,
) -> HostCost:
    """A conference cost paid from the host's cash: Dr host conference costs
    / Cr host cash. Refused, with the figures, if it is more than the host's
    cash still held for the event (received less already spent)."""
    _may_record(by)
    _line_of(event, budget_line, FundingSource.HOST_CASH, _("A cost paid from host cash"))
    amount = _positive_money(amount)
    reference = _text(reference, _("The reference"), 100)
    description = _text(description, _("The description"), 300)
    with transaction.atomic():
        event = _locked_event(event)
        existing = HostCost.objects.filter(event=event, reference=reference).first()
        if existing is not None:
            return _same_or_refuse(existing, amount, date, reference)
        conversion = _converted(event, amount, date)
        base = conversion.result.amount
        currency = event.fund.base_currency
        received, spent = _held(event)
        held = received - spent
        if base > held:
            raise ConferenceError(
                _(
                    "This cost of %(amount)s (%(base)s at the rate of %(day)s) is more than the "
                    "host country's cash still held for %(event)s: %(held)s "
                    "(received %(received)s, already spent %(spent)s). "
                    "Record the host's cash first, or charge the cost elsewhere."
                )
                % {
                    "amount": amount,
                    "base": _fmt(base, currency),
                    "day": date.isoformat(),
                    "event": event.code,
                    "held": _fmt(held, currency),
                    "received": _fmt(received, currency),
                    "spent": _fmt(spent, currency),
                }
            )
        entry = post_entry(
            event.fund,
            date,
            f"Conference cost paid from host country cash for {event.code}, "
            f"{budget_line.name}: {description} (ref. {reference})",
            [debit(K.HOST_CONFERENCE_COSTS, amount), credit(K.HOST_CASH, amount)],
            by,
            kind=EntryKind.HOST_COST,
            source=event,
            source_ref=reference,
            idempotency_key=f"host:{event.pk}:cost:{reference}",
        )
        cost = HostCost.objects.create(
            event=event,
            budget_line=budget_line,
            amount=amount,
            base_amount=base,
            rate=conversion.rate.quantize(Decimal("0.000001")),
            date=date,
            reference=reference,
            description=description,
            entry=entry,
        )
        log_action(
            cost,
            "conference:host_cost_paid",
            by,
            description,
            {
                "event": event.code,
                "line": budget_line.pk,
                "amount": str(amount.amount),
                "currency": amount.currency.code,
                "base": str(base),
                "held_before": str(held),
                "entry": entry.pk,
            },
        )
        return cost


# --- The reconciliation ---------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    line: BudgetLine
    budget: Decimal
    #: None: not known yet (nothing recorded or entered).
    actual: Decimal | None
    #: Host-funded lines: what the host's records (costs paid, services provided) cover.
    covered: Decimal | None
    #: Delegates' travel: committed and advanced, not yet spent.
    open_commitments: Decimal | None

    @property
    def variance(self) -> Decimal | None:
        return None if self.actual is None else self.actual - self.budget

    @property
    def variance_pct(self) -> Decimal | None:
        if self.actual is None or not self.budget:
            return None
        return (self.variance * 100 / self.budget).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def uncovered(self) -> Decimal:
        if self.covered is None or self.actual is None:
            return ZERO
        return max(self.actual - self.covered, ZERO)


@dataclass(frozen=True)
class HostSummary:
    pledged_cash: Decimal
    pledged_in_kind: Decimal
    received_cash: Decimal
    provided_in_kind: Decimal
    spent: Decimal

    @property
    def pledged(self) -> Decimal:
        return self.pledged_cash + self.pledged_in_kind

    @property
    def cash_held(self) -> Decimal:
        return self.received_cash - self.spent

    @property
    def honoured(self) -> Decimal:
        return self.received_cash + self.provided_in_kind


@dataclass(frozen=True)
class GrantsSummary:
    expenditure: Decimal
    psc: Decimal
    committed: Decimal
    advances: Decimal

    @property
    def spent(self) -> Decimal:
        return self.expenditure + self.psc

    @property
    def open_commitments(self) -> Decimal:
        return self.committed + self.advances


@dataclass(frozen=True)
class ImpactCause:
    line: BudgetLine | None
    amount: Decimal
    why: str


@dataclass(frozen=True)
class Reconciliation:
    event: Event
    currency: str
    rows: list[LineRow]
    host: HostSummary
    grants: GrantsSummary
    causes: list[ImpactCause]

    @property
    def total_budget(self) -> Decimal:
        return sum((row.budget for row in self.rows), ZERO)

    @property
    def total_actual(self) -> Decimal:
        return sum((row.actual or ZERO for row in self.rows), ZERO)

    @property
    def total_variance(self) -> Decimal:
        return self.total_actual - self.total_budget

    @property
    def regular_budget_impact(self) -> Decimal:
        """Must be zero: resolution 71/318, para 11."""
        return sum((cause.amount for cause in self.causes), ZERO)


def _sum_per_line(queryset) -> Subquery:
    return Coalesce(
        Subquery(
            queryset.filter(budget_line=OuterRef("pk"))
            .order_by()
            .values("budget_line")
            .annotate(total=ExactSum("base_amount"))
            .values("total"),
            output_field=AMOUNT,
        ),
        Value(ZERO, output_field=AMOUNT),
        output_field=AMOUNT,
    )


def _grants_summary(event: Event, q) -> GrantsSummary:
    sums = Grant.objects.filter(event=event).aggregate(
        expenditure=ExactSum("actual_cost"),
        committed=ExactSum("committed_amount"),
        advances=ExactSum(
            "advance_amount", filter=Q(state__in=[GrantState.ADVANCE_PAID, GrantState.TRAVELLED])
        ),
    )
    # PSC as charged in the ledger on each settlement (its grant-psc
    # entries), not the estimate kept on the grant.
    psc = Leg.objects.filter(
        entry__fund_id=event.fund_id,
        entry__status=JournalEntry.Status.POSTED,
        entry__kind=EntryKind.GRANT_PSC,
        entry__source_id__in=Grant.objects.filter(event=event).values("pk"),
        **source_type_is(Grant, "entry__"),
        account__key=K.PSC,
    ).aggregate(debits=ExactSum("debit"), credits=ExactSum("credit"))
    return GrantsSummary(
        expenditure=q(sums["expenditure"]),
        psc=q(psc["debits"]) - q(psc["credits"]),
        committed=q(sums["committed"]),
        advances=q(sums["advances"]),
    )


def conference_reconciliation(event: Event) -> Reconciliation:
    """Budget, actual and variance per line; the host's contribution; the
    regular-budget impact with its causes. Four queries (``event.fund`` is
    expected loaded, as ``select_related("fund")`` does)."""
    currency = event.fund.base_currency
    places = quantum(currency)

    def q(value) -> Decimal:
        # SQLite sums decimals as binary floats: back to the currency's unit.
        return Decimal(value or 0).quantize(places, rounding=ROUND_HALF_UP) if value else ZERO

    lines = list(
        BudgetLine.objects.filter(event=event)
        .annotate(
            host_spent=_sum_per_line(HostCost.objects.all()),
            in_kind_provided=_sum_per_line(
                HostContribution.objects.filter(status=HostContribution.Status.PROVIDED)
            ),
        )
        .order_by("pk")
    )
    totals = {
        (row["kind"], row["status"]): q(row["total"])
        for row in HostContribution.objects.filter(event=event)
        .order_by()
        .values("kind", "status")
        .annotate(total=ExactSum("base_amount"))
    }
    grants = _grants_summary(event, q)
    rows: list[LineRow] = []
    causes: list[ImpactCause] = []
    for line in lines:
        line.event = event  # no query for line.name / __str__
        entered = None if line.actual is None else q(line.actual)
        covered = None
        commitments = None
        if line.from_grants:
            actual = grants.spent
            commitments = grants.open_commitments
        elif line.is_host_funded:
            covered = q(
                line.host_spent
                if line.funding_source == FundingSource.HOST_CASH
                else line.in_kind_provided
            )
            # An entered actual is the line's whole cost; the records may be below it.
            actual = max(entered, covered) if entered is not None else covered
        else:
            actual = entered
        row = LineRow(line, q(line.budget), actual, covered, commitments)
        rows.append(row)
        if line.funding_source == FundingSource.REGULAR_BUDGET and actual:
            causes.append(
                ImpactCause(line, actual, _("This line is funded by the regular budget."))
            )
        elif row.uncovered:
            why = (
                _("The host country's cash paid %(covered)s of its actual cost of %(actual)s.")
                if line.funding_source == FundingSource.HOST_CASH
                else _(
                    "The services the host country provided in kind cover %(covered)s of its "
                    "actual cost of %(actual)s."
                )
            )
            causes.append(
                ImpactCause(
                    line,
                    row.uncovered,
                    why % {"covered": _fmt(covered, currency), "actual": _fmt(actual, currency)},
                )
            )
    host = HostSummary(
        pledged_cash=totals.get(("cash", "pledged"), ZERO),
        pledged_in_kind=totals.get(("in_kind", "pledged"), ZERO),
        received_cash=totals.get(("cash", "received"), ZERO),
        provided_in_kind=totals.get(("in_kind", "provided"), ZERO),
        spent=sum(
            (
                row.covered or ZERO
                for row in rows
                if row.line.funding_source == FundingSource.HOST_CASH
            ),
            ZERO,
        ),
    )
    if host.spent > host.received_cash:
        # The service refuses this; shown if the records were ever changed otherwise.
        causes.append(
            ImpactCause(
                None,
                host.spent - host.received_cash,
                _(
                    "Costs paid from host cash (%(spent)s) exceed the host's cash "
                    "received (%(received)s)."
                )
                % {
                    "spent": _fmt(host.spent, currency),
                    "received": _fmt(host.received_cash, currency),
                },
            )
        )
    return Reconciliation(event, currency, rows, host, grants, causes)
