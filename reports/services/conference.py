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

The host's cash is counted in the currency it is held in, from the ledger
(``host_cash_balances``): a cost is checked against that, never against
dollar values booked at different dates' rates; the page revalues it at the
reporting date's rate and shows the unrealised difference, which is not posted.

Reading: ``conference_reconciliation(event, as_of)`` runs a fixed number of
queries (six at most) whatever the number of lines, records or grants.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import DecimalField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from fundmgr.chart import AccountKey as K
from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import EntryKind, Event, JournalEntry, Leg
from fundmgr.models.ledger import source_type_is
from fundmgr.money import Money, money, quantum, round_amount
from fundmgr.roles import Role, require_role
from fundmgr.sentences import Sentence
from fundmgr.services.audit import Actor, log_action
from fundmgr.services.ledger import credit, debit, post_entry
from fundmgr.services.rates import MissingExchangeRate, convert, rates_in_force
from grants.models import Grant, GrantState
from reports.models import (
    BudgetCategory,
    BudgetLine,
    FundingSource,
    HostContribution,
    HostCost,
)
from reports.sentences import MEMO_HOST_CASH_RECEIVED, MEMO_HOST_COST, MEMO_HOST_IN_KIND

ZERO = Decimal(0)
AMOUNT = DecimalField(max_digits=20, decimal_places=3)
#: "actual" argument left out: keep the line's entered actual as it is.
UNCHANGED = object()


class ConferenceError(ValueError):
    """A refused recording; the message says what is wrong, with the figures."""


# --- Helpers ------------------------------------------------------------------------------


def _may_record(by: Actor) -> None:
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
        conversion = convert(amount, event.fund.base_currency, day)
    except MissingExchangeRate as missing:
        raise ConferenceError(str(missing)) from missing
    if conversion.result.amount <= 0:
        # The ledger cannot post a leg worth nothing in the fund's currency.
        raise ConferenceError(
            _("%(amount)s is worth nothing in %(currency)s once rounded.")
            % {
                "amount": _fmt(amount.amount, amount.currency.code),
                "currency": event.fund.base_currency,
            }
        )
    return conversion


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


@dataclass(frozen=True)
class HostCurrencyBalance:
    """The host's cash held for an event in one currency, as the ledger has
    it: paid in and out in that currency, the book value in the fund's
    currency (each movement at its own date's rate) and, once revalued, the
    value at the reporting date's rate."""

    currency: str
    paid_in: Decimal
    paid_out: Decimal
    #: In the fund's currency: debits less credits of the host-cash legs.
    book: Decimal
    #: Book value of what was paid out (for valuing a shortfall).
    book_out: Decimal
    #: At the reporting date's rate; None when not revalued (or no rate).
    value: Decimal | None = None

    @property
    def held(self) -> Decimal:
        return self.paid_in - self.paid_out

    @property
    def difference(self) -> Decimal | None:
        """Unrealised exchange gain (+) or loss (-): shown, never posted."""
        return None if self.value is None else self.value - self.book


def host_cash_balances(
    event: Event, as_of: datetime.date | None = None
) -> list[HostCurrencyBalance]:
    """The host-cash account's balance for ``event`` in each original
    currency (one query): the legs of the event's own host entries (cash
    received, costs paid) and of any entry reversing one of them, posted on
    or before ``as_of``. The account is the fund's; the event's entries are
    found by their source, so two events of one fund never share cash."""
    currency = event.fund.base_currency
    # The event is the source of its host entries, and a reversal keeps the
    # source of the entry it reverses.
    legs = Leg.objects.filter(
        account__fund_id=event.fund_id,
        account__key=K.HOST_CASH,
        entry__status=JournalEntry.Status.POSTED,
        entry__source_id=event.pk,
        **source_type_is(Event, prefix="entry__"),
    )
    if as_of is not None:
        legs = legs.filter(entry__date__lte=as_of)
    rows = (
        legs.order_by()
        .values("original_currency")
        .annotate(
            paid_in=ExactSum("original", filter=Q(debit__gt=0)),
            paid_out=ExactSum("original", filter=Q(credit__gt=0)),
            debits=ExactSum("debit"),
            credits=ExactSum("credit"),
        )
        .order_by("original_currency")
    )
    return [
        HostCurrencyBalance(
            currency=row["original_currency"],
            paid_in=round_amount(Decimal(row["paid_in"] or 0), row["original_currency"]),
            paid_out=round_amount(Decimal(row["paid_out"] or 0), row["original_currency"]),
            book=round_amount(Decimal(row["debits"] or 0) - Decimal(row["credits"] or 0), currency),
            book_out=round_amount(Decimal(row["credits"] or 0), currency),
        )
        for row in rows
    ]


def _revalued(
    balances: list[HostCurrencyBalance], currency: str, as_of: datetime.date
) -> tuple[list[HostCurrencyBalance], str]:
    """Each balance valued at the rates in force on ``as_of`` (one query at
    most); a missing rate is said, naming currency and date, never guessed."""
    if not balances:
        return balances, ""
    needed = {b.currency for b in balances} | {currency}
    per_usd = rates_in_force(needed, as_of)
    missing = sorted(needed - set(per_usd))
    revalued = [
        b
        if b.currency not in per_usd or currency not in per_usd
        else replace(
            b, value=round_amount(b.held / per_usd[b.currency] * per_usd[currency], currency)
        )
        for b in balances
    ]
    return revalued, " ".join(str(MissingExchangeRate(code, as_of)) for code in missing)


# --- Budget lines ---------------------------------------------------------------------------


@transaction.atomic
def add_budget_line(
    event: Event,
    *,
    category: str,
    funding_source: str,
    budget,
    by: Actor,
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
    if category == BudgetCategory.DELEGATES_TRAVEL and funding_source == FundingSource.TRUST_FUND:
        grants_line = BudgetLine.objects.filter(
            event=event, category=category, funding_source=funding_source
        ).first()
        if grants_line is not None:
            # One source per figure: the grants are the actual of one line only.
            raise ConferenceError(
                _(
                    "The budget already has “%(line)s” paid by the trust fund: its actual "
                    "cost is the event's travel grants, and a second line would count them "
                    "twice. Change that line's budget instead."
                )
                % {"line": grants_line.name}
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
    line: BudgetLine, *, by: Actor, budget=None, actual=UNCHANGED, why: str = ""
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
HOST_KINDS: dict[str, EntryKind] = {
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
    by: Actor,
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
                Sentence(
                    memo,
                    {"event": event.code, "description": description, "reference": reference},
                ),
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
    by: Actor,
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
    event: Event, *, amount: Money, date: datetime.date, reference: str, description: str, by: Actor
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
        memo=MEMO_HOST_CASH_RECEIVED,
    )


def record_in_kind_provided(
    event: Event,
    *,
    budget_line: BudgetLine,
    amount: Money,
    date: datetime.date,
    reference: str,
    description: str,
    by: Actor,
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
        memo=MEMO_HOST_IN_KIND,
    )


def _held_in(event: Event, amount: Money) -> HostCurrencyBalance:
    """The host cash held for ``event`` in ``amount``'s currency, refusing
    a cost it does not cover: no cash, another currency, or too little."""
    code = amount.currency.code
    balances = {b.currency: b for b in host_cash_balances(event)}
    if not balances:
        raise ConferenceError(
            _(
                "No host country cash is held for %(event)s: record the host's cash "
                "received before a cost of %(amount)s is paid from it."
            )
            % {"event": event.code, "amount": _fmt(amount.amount, code)}
        )
    balance = balances.get(code)
    if balance is None:
        raise ConferenceError(
            _(
                "The host country's cash for %(event)s is held in %(held)s; %(currency)s is "
                "not held, so a cost of %(amount)s cannot be paid from it. Record the cost "
                "in the currency that paid it."
            )
            % {
                "event": event.code,
                "held": ", ".join(sorted(balances)),
                "currency": code,
                "amount": _fmt(amount.amount, code),
            }
        )
    if amount.amount > balance.held:
        raise ConferenceError(
            _(
                "This cost of %(amount)s is more than the host country's cash still held "
                "for %(event)s in %(currency)s: %(held)s (paid in %(paid_in)s, paid out "
                "%(paid_out)s). Record the host's cash first, or charge the cost elsewhere."
            )
            % {
                "amount": _fmt(amount.amount, code),
                "event": event.code,
                "currency": code,
                "held": _fmt(balance.held, code),
                "paid_in": _fmt(balance.paid_in, code),
                "paid_out": _fmt(balance.paid_out, code),
            }
        )
    return balance


def record_host_cost(
    event: Event,
    *,
    budget_line: BudgetLine,
    amount: Money,
    date: datetime.date,
    reference: str,
    description: str,
    by: Actor,
) -> HostCost:
    """A conference cost paid from the host's cash: Dr host conference costs
    / Cr host cash. Refused, with the figures, if it is more than the host's
    cash still held for the event in the cost's own currency (paid in less
    paid out, as the ledger holds it), or if no cash is held in that currency."""
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
        # Checked in the currency held, under the event's lock (taken above, as
        # every host-cash movement takes it): dollar values booked at
        # different dates' rates would let the pesos go negative.
        balance = _held_in(event, amount)
        conversion = _converted(event, amount, date)
        base = conversion.result.amount
        entry = post_entry(
            event.fund,
            date,
            Sentence(
                MEMO_HOST_COST,
                {
                    "event": event.code,
                    "line": {"category": budget_line.category, "label": budget_line.label},
                    "description": description,
                    "reference": reference,
                },
            ),
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
                "held_before": str(balance.held),
                "entry": entry.pk,
            },
        )
        return cost


# --- The reconciliation ---------------------------------------------------------------------


class ActualSource:
    GRANTS = "grants"
    HOST_CASH = "host_cash"
    IN_KIND = "in_kind"
    ENTERED = "entered"


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
    def source(self) -> str:
        """Where the actual comes from: one source per figure."""
        if self.line.from_grants:
            return ActualSource.GRANTS
        if self.line.funding_source == FundingSource.HOST_CASH:
            return ActualSource.HOST_CASH
        if self.line.funding_source == FundingSource.HOST_IN_KIND:
            return ActualSource.IN_KIND
        return ActualSource.ENTERED

    @property
    def source_note(self) -> str:
        """What the actual is, and, when it is typed in, why it is not the ledger's."""
        source = self.line.funding_source
        if self.line.from_grants:
            return _("The travel grants, from the ledger: settled cost plus the PSC charged.")
        if source == FundingSource.HOST_CASH:
            return _(
                "The costs paid from the host's cash, from the ledger; or the full cost "
                "entered by finance, if more."
            )
        if source == FundingSource.HOST_IN_KIND:
            return _(
                "The services provided in kind, from the ledger; or the full cost entered "
                "by finance, if more."
            )
        if source == FundingSource.TRUST_FUND:
            return _(
                "Entered by finance, not from the ledger: the trust fund's chart of accounts "
                "has no account for conference costs; it pays only delegates' travel "
                "grants, so the fund's statement does not include this figure."
            )
        if source == FundingSource.OTHER_EXTRABUDGETARY:
            return _(
                "Entered by finance: other extrabudgetary resources are not this fund's "
                "money and never pass through its ledger."
            )
        return _("Entered by finance: the regular budget is not in this fund's ledger.")

    @property
    def variance(self) -> Decimal | None:
        return None if self.actual is None else self.actual - self.budget

    @property
    def variance_pct(self) -> Decimal | None:
        if self.actual is None or not self.budget:
            return None
        return ((self.actual - self.budget) * 100 / self.budget).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

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
    #: The reporting date: the host-cash balances are as of it and revalued at its rates.
    as_of: datetime.date
    host_balances: list[HostCurrencyBalance]
    #: A rate missing on ``as_of``, named; empty when every balance is revalued.
    revaluation_error: str = ""

    @property
    def lines_with_findings(self) -> set[int]:
        return {cause.line.pk for cause in self.causes if cause.line is not None}

    @property
    def unrealised_difference(self) -> Decimal | None:
        """Of the host-cash balances; None while any of them cannot be revalued."""
        if any(b.difference is None for b in self.host_balances):
            return None
        return sum((b.difference or ZERO for b in self.host_balances), ZERO)

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


def _sum_per_line(queryset) -> Coalesce:
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


def _regular_budget_cause(line: BudgetLine, budget: Decimal, actual, currency: str):
    """A line funded by the regular budget is a finding as soon as it is
    budgeted (resolution 71/318 paras 11-12 allow no regular-budget cost at
    all), not only once money is spent: the larger of budget and actual."""
    amount = max(budget, actual or ZERO)
    if not amount:
        return None
    figures = {"budget": _fmt(budget, currency), "actual": _fmt(actual or ZERO, currency)}
    if not actual:
        why = _(
            "This line plans %(budget)s from the regular budget, nothing spent yet. "
            "Resolution 71/318 (paras 11-12) allows no regular-budget cost: fund it from "
            "extrabudgetary resources or set its budget to zero."
        )
    else:
        why = _(
            "This line is funded by the regular budget: budgeted %(budget)s, "
            "actual %(actual)s. Resolution 71/318 (paras 11-12) allows no regular-budget cost."
        )
    return ImpactCause(line, amount, why % figures)


def _shortfall_cause(balance: HostCurrencyBalance, currency: str) -> ImpactCause:
    # The service refuses this; shown if the records were ever changed otherwise
    # (a receipt reversed after costs were paid). Valued as those costs were booked.
    short = -balance.held
    value = round_amount(short * balance.book_out / balance.paid_out, currency)
    return ImpactCause(
        None,
        value,
        _(
            "Costs paid from host cash in %(code)s (%(out)s) exceed the host's cash "
            "received in it (%(in)s) by %(short)s."
        )
        % {
            "code": balance.currency,
            "out": _fmt(balance.paid_out, balance.currency),
            "in": _fmt(balance.paid_in, balance.currency),
            "short": _fmt(short, balance.currency),
        },
    )


def conference_reconciliation(event: Event, as_of: datetime.date | None = None) -> Reconciliation:
    """Budget, actual and variance per line; the host's contribution and its
    cash held per currency, revalued at ``as_of``'s rates (today if not
    given); the regular-budget impact with its causes. Six queries (four,
    the host-cash balances, the rates when cash is held in a currency other
    than the fund's); ``event.fund`` is expected loaded, as
    ``select_related("fund")`` does."""
    currency = event.fund.base_currency
    places = quantum(currency)
    as_of = as_of or timezone.localdate()

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
        actual: Decimal | None
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
        if line.funding_source == FundingSource.REGULAR_BUDGET:
            cause = _regular_budget_cause(line, row.budget, actual, currency)
            if cause is not None:
                causes.append(cause)
        elif row.uncovered:
            assert covered is not None and actual is not None  # else nothing is uncovered
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
    # Overspending is judged in each currency held, never on dollar values
    # booked at different dates' rates (which differ while the pesos do not).
    balances, error = _revalued(host_cash_balances(event, as_of), currency, as_of)
    causes.extend(_shortfall_cause(b, currency) for b in balances if b.held < 0)
    return Reconciliation(event, currency, rows, host, grants, causes, as_of, balances, error)
