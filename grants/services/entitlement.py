"""A travel grant's entitlement: the cost estimate and its breakdown, in the
fund's currency (USD for BAPA+40), from data a travel unit maintains.

- **Airfare**: economy round-trip quotes entered with their route and total
  travel time, each converted at the UN rate on the day it was quoted. The
  least costly quote is taken unless it adds ``routing_tolerance_hours`` (4 by
  default) or more to the most direct one; then the least costly of the
  quotes within that margin is taken. The choice and why are kept as a
  sentence by code and values in ``routing_reason`` (grants.sentences), shown
  in each reader's language.
- **DSA**: the venue city's rate (``DsaRate`` for the event's country and
  city) in force on the traveller's departure date, the first night paid,
  times the nights: those between departure and return, at most the
  conference nights plus the policy's ``travel_days``.
- **Terminal expenses**: the row for the departure country (the nominating
  country) in force on the departure date, else the default row.
- **PSC** on top: cost x the fund's PSC rate in force on the event's first
  day, rounded half up to the cent.

``compute_entitlement`` only reads; ``apply_entitlement`` stores the figures
on the grant, marks the chosen quote and writes the audit trail. Quotes and
the entitlement change only while the grant is a draft or submitted
(``ALLOWED_STATES``): once certified, the cost is under a signature.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fundmgr.models import Country, Event, PscRate
from fundmgr.money import Money, UnknownCurrency, minor_units, round_amount, round_money
from fundmgr.roles import Role, has_role
from fundmgr.sentences import Sentence, said_by
from fundmgr.services.audit import Actor, log_action, person
from fundmgr.services.rates import MissingExchangeRate, convert, units_per_usd
from fundmgr.tabular import max_length
from grants import sentences
from grants.models import AirfareQuote, DsaRate, Grant, GrantState, TerminalExpense, TravelPolicy

CENT = Decimal("0.01")
#: Once certified, the certifying officer has signed this cost: it is not
#: changed under their signature (reject and nominate again instead).
ALLOWED_STATES = (GrantState.DRAFT, GrantState.SUBMITTED)
_MAX_HOURS = Decimal("9999.9")
_MAX_ROUTE = max_length(AirfareQuote, "route")


class EntitlementRefused(ValueError):
    """A quote or an entitlement that cannot be recorded; the message says why."""


# --- Pure rules (no database) --------------------------------------------------


def psc_on(cost: Decimal, rate_pct: Decimal) -> Decimal:
    """Programme support cost on ``cost`` at ``rate_pct`` %, half up to the cent."""
    return (cost * rate_pct / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)


def nights_paid(
    event: Event, policy: TravelPolicy, depart_on: datetime.date, return_on: datetime.date
) -> int:
    """Nights away, at most the conference nights plus the travel days."""
    away = (return_on - depart_on).days
    allowed = (event.ends_on - event.starts_on).days + policy.travel_days
    return max(0, min(away, allowed))


class QuoteLike(Protocol):
    """What the routing rule reads of a quote: a saved one, or one checked from a file."""

    @property
    def route(self) -> str: ...
    @property
    def base_amount(self) -> Decimal: ...
    @property
    def travel_hours(self) -> Decimal: ...


@dataclass(frozen=True)
class AirfareChoice:
    quote: QuoteLike
    reason: Sentence

    @property
    def note(self) -> str:
        """Why, in the language active."""
        return str(self.reason)


def _fare(quote: QuoteLike, currency: str) -> str:
    return f"{currency} {quote.base_amount:,.2f}"


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def choose_among(
    quotes: Sequence[QuoteLike], tolerance_hours: Decimal, currency: str = "USD"
) -> AirfareChoice:
    """The quote the rules pick, and a sentence saying why."""
    if not quotes:
        raise EntitlementRefused(_("No airfare quote has been entered for this grant."))

    def by_cost(quote):
        return (quote.base_amount, quote.travel_hours, getattr(quote, "pk", None) or 0)

    direct = min(quotes, key=lambda q: (q.travel_hours, q.base_amount))
    limit = direct.travel_hours + tolerance_hours
    within = [q for q in quotes if q.travel_hours < limit or q is direct]
    chosen = min(within, key=by_cost)
    cheapest = min(quotes, key=by_cost)
    values = {
        "route": chosen.route,
        "fare": _fare(chosen, currency),
        "hours": _hours(chosen.travel_hours),
        "direct_route": direct.route,
        "direct_hours": _hours(direct.travel_hours),
        "tolerance": _hours(tolerance_hours),
    }
    if len(quotes) == 1:
        reason = Sentence(
            sentences.ONLY_QUOTE,
            {key: values[key] for key in ("route", "fare", "hours")},
        )
    elif chosen is cheapest and chosen.travel_hours == direct.travel_hours:
        reason = Sentence(
            sentences.CHEAPEST_AND_MOST_DIRECT,
            {**{key: values[key] for key in ("route", "fare", "hours")}, "count": len(quotes)},
        )
    elif chosen is cheapest:
        reason = Sentence(
            sentences.CHEAPEST,
            {**values, "extra": _hours(chosen.travel_hours - direct.travel_hours)},
        )
    else:
        reason = Sentence(
            sentences.MORE_DIRECT,
            {
                **values,
                "cheap_route": cheapest.route,
                "cheap_fare": _fare(cheapest, currency),
                "cheap_hours": _hours(cheapest.travel_hours),
                "extra": _hours(cheapest.travel_hours - direct.travel_hours),
            },
        )
    return AirfareChoice(chosen, reason)


@dataclass(frozen=True)
class BreakdownLine:
    label: str
    detail: str
    amount: Decimal


@dataclass(frozen=True)
class Entitlement:
    currency: str
    airfare: Decimal
    airfare_route: str
    routing: Sentence
    dsa_rate: Decimal
    dsa_nights: int
    dsa_amount: Decimal
    terminal_amount: Decimal
    psc_pct: Decimal
    quote: QuoteLike | None = None
    dsa_illustrative: bool = False
    terminal_illustrative: bool = False

    @property
    def routing_note(self) -> str:
        """Why this routing, in the language active."""
        return str(self.routing)

    @property
    def cost(self) -> Decimal:
        return self.airfare + self.dsa_amount + self.terminal_amount

    @property
    def psc_amount(self) -> Decimal:
        return psc_on(self.cost, self.psc_pct)

    @property
    def total(self) -> Decimal:
        return self.cost + self.psc_amount

    @property
    def breakdown(self) -> list[BreakdownLine]:
        """The parts of the cost, in order; they add up to ``cost``."""
        return [
            BreakdownLine(_("Airfare (economy, round trip)"), self.airfare_route, self.airfare),
            BreakdownLine(
                _("Daily subsistence allowance"),
                _("%(nights)d nights at %(currency)s %(rate)s")
                % {"nights": self.dsa_nights, "currency": self.currency, "rate": self.dsa_rate},
                self.dsa_amount,
            ),
            BreakdownLine(_("Terminal expenses"), "", self.terminal_amount),
        ]

    def grant_fields(self) -> dict:
        return {
            "airfare": self.airfare,
            "airfare_route": self.airfare_route,
            "routing_reason": self.routing.data(),
            "routing_note": "",  # the text kept before reasons had codes
            "dsa_rate": self.dsa_rate,
            "dsa_nights": self.dsa_nights,
            "dsa_amount": self.dsa_amount,
            "terminal_amount": self.terminal_amount,
            "psc_pct": self.psc_pct,
            "psc_amount": self.psc_amount,
            "cost": self.cost,
        }


def entitlement_from(
    *,
    choice: AirfareChoice,
    dsa: DsaRate,
    nights: int,
    terminal: TerminalExpense,
    psc_pct: Decimal,
    currency: str = "USD",
) -> Entitlement:
    return Entitlement(
        currency=currency,
        airfare=choice.quote.base_amount,
        airfare_route=choice.quote.route,
        routing=choice.reason,
        dsa_rate=dsa.amount,
        dsa_nights=nights,
        dsa_amount=(dsa.amount * nights).quantize(CENT, rounding=ROUND_HALF_UP),
        terminal_amount=terminal.amount,
        psc_pct=psc_pct,
        quote=choice.quote,
        dsa_illustrative=dsa.illustrative,
        terminal_illustrative=terminal.illustrative,
    )


def pick_dsa(rates: Sequence[DsaRate], event: Event, day: datetime.date) -> DsaRate:
    """The venue city's rate in force on ``day`` among ``rates`` (any order)."""
    city = event.city.casefold()
    in_force = [
        rate
        for rate in rates
        if rate.country_id == event.country_id
        and rate.city.casefold() == city
        and rate.effective_from <= day
    ]
    if not in_force:
        raise EntitlementRefused(
            Sentence(sentences.NO_DSA_RATE, {"city": event.city, "day": day.isoformat()})
        )
    return max(in_force, key=lambda rate: rate.effective_from)


def pick_terminal(
    rows: Sequence[TerminalExpense], country: Country, day: datetime.date
) -> TerminalExpense:
    """The departure country's terminal expense in force on ``day``, else the default."""
    for wanted in (country.iso2, None):
        in_force = [r for r in rows if r.country_id == wanted and r.effective_from <= day]
        if in_force:
            return max(in_force, key=lambda row: row.effective_from)
    raise EntitlementRefused(
        Sentence(sentences.NO_TERMINAL_EXPENSE, {"day": day.isoformat(), "country": country.iso2})
    )


# --- Checking and converting a quote --------------------------------------------


@dataclass(frozen=True)
class CheckedQuote:
    route: str
    fare: Money
    base_amount: Decimal
    travel_hours: Decimal
    quoted_on: datetime.date


def check_quote(
    *,
    route: str,
    fare: Money,
    travel_hours: Decimal,
    quoted_on: datetime.date,
    base_currency: str,
    rate=None,
) -> CheckedQuote:
    """A quote's route, hours and fare checked, the fare converted into the
    fund's currency at the UN rate on ``quoted_on``. ``rate`` (currency, day)
    -> units per USD may be given to convert many quotes with few queries."""
    route = " ".join((route or "").split())
    if not route:
        raise EntitlementRefused(Sentence(sentences.QUOTE_NO_ROUTE))
    if len(route) > _MAX_ROUTE:
        raise EntitlementRefused(Sentence(sentences.QUOTE_ROUTE_TOO_LONG, {"max": _MAX_ROUTE}))
    if not isinstance(travel_hours, Decimal) or not travel_hours.is_finite():
        raise EntitlementRefused(Sentence(sentences.QUOTE_HOURS_NOT_A_NUMBER))
    if travel_hours <= 0 or travel_hours > _MAX_HOURS:
        raise EntitlementRefused(
            Sentence(sentences.QUOTE_HOURS_OUT_OF_RANGE, {"max": str(_MAX_HOURS)})
        )
    if travel_hours != travel_hours.quantize(Decimal("0.1")):
        raise EntitlementRefused(Sentence(sentences.QUOTE_HOURS_TOO_PRECISE))
    currency = fare.currency.code
    try:
        places = minor_units(currency)
    except UnknownCurrency as unknown:
        raise EntitlementRefused(said_by(unknown)) from None
    if fare.amount <= 0:
        raise EntitlementRefused(Sentence(sentences.QUOTE_FARE_NOT_POSITIVE))
    if round_money(fare) != fare:
        raise EntitlementRefused(
            Sentence(sentences.QUOTE_TOO_MANY_DECIMALS, {"currency": currency, "places": places})
        )
    try:
        if rate is None:
            base = convert(fare, base_currency, quoted_on).result.amount
        else:
            base = _convert_with(rate, fare, base_currency, quoted_on)
    except MissingExchangeRate as missing:
        raise EntitlementRefused(
            Sentence(sentences.QUOTE_NO_RATE, {"currency": currency, "day": quoted_on.isoformat()})
        ) from missing
    if base <= 0:
        raise EntitlementRefused(
            Sentence(sentences.QUOTE_LESS_THAN_A_CENT, {"fare": str(fare), "base": base_currency})
        )
    return CheckedQuote(route, fare, base, travel_hours, quoted_on)


def _convert_with(rate, amount: Money, target: str, day: datetime.date) -> Decimal:
    # The formula of fundmgr.services.rates.convert, with the rates looked up
    # through ``rate`` (memoised by the caller).
    source = amount.currency.code
    if source == target:
        return round_money(amount).amount
    value = amount.amount / rate(source, day) * rate(target, day)
    return round_amount(value, target)


def cached_rates():
    """``units_per_usd`` memoised per (currency, day), a missing rate too: for imports."""
    known: dict[tuple[str, datetime.date], Decimal | MissingExchangeRate] = {}

    def rate(currency: str, day: datetime.date) -> Decimal:
        key = (currency, day)
        if key not in known:
            try:
                known[key] = units_per_usd(currency, day)[0]
            except MissingExchangeRate as missing:
                known[key] = missing
        found = known[key]
        if isinstance(found, MissingExchangeRate):
            raise found
        return found

    return rate


# --- Services --------------------------------------------------------------------


def _check_state(grant: Grant) -> None:
    if grant.state not in ALLOWED_STATES:
        raise EntitlementRefused(
            _(
                "Grant %(reference)s is %(state)s: its quotes and entitlement can change only "
                "while it is a draft or submitted, before an officer certifies its cost."
            )
            % {"reference": grant.reference, "state": grant.get_state_display()}
        )


def _check_officer(by: Actor) -> None:
    if isinstance(by, str) or not has_role(by, Role.FUND_OFFICER):
        raise PermissionDenied(Sentence(sentences.QUOTES_BY_FUND_OFFICER))


@transaction.atomic
def add_quote(
    grant: Grant,
    by: Actor,
    *,
    route: str,
    fare: Money,
    travel_hours: Decimal,
    quoted_on: datetime.date,
) -> AirfareQuote:
    """Record an economy round-trip quote, its fare converted into the fund's currency."""
    _check_officer(by)
    grant = (
        Grant.objects.select_for_update(of=("self",)).select_related("event__fund").get(pk=grant.pk)
    )
    _check_state(grant)
    checked = check_quote(
        route=route,
        fare=fare,
        travel_hours=travel_hours,
        quoted_on=quoted_on,
        base_currency=grant.event.fund.base_currency,
    )
    quote = AirfareQuote.objects.create(
        grant=grant,
        route=checked.route,
        fare=checked.fare,
        base_amount=checked.base_amount,
        quoted_on=checked.quoted_on,
        travel_hours=checked.travel_hours,
        entered_by=person(by),
    )
    log_action(
        grant,
        "grant:quote-added",
        by,
        "",
        {
            "route": quote.route,
            "fare": str(checked.fare),
            "base_amount": str(checked.base_amount),
            "travel_hours": str(checked.travel_hours),
            "quoted_on": checked.quoted_on,
        },
    )
    return quote


def choose_airfare(grant: Grant) -> AirfareChoice:
    """The quote the routing rule picks among the grant's quotes, and why (no write)."""
    policy = grant.event.travel_policy
    return choose_among(
        list(grant.quotes.all()), policy.routing_tolerance_hours, grant.event.fund.base_currency
    )


def compute_entitlement(grant: Grant) -> Entitlement:
    """The cost estimate with its breakdown, from the reference data in force (no write)."""
    event = grant.event
    try:
        policy = event.travel_policy
    except TravelPolicy.DoesNotExist:
        raise EntitlementRefused(
            Sentence(sentences.NO_TRAVEL_POLICY, {"event": event.code})
        ) from None
    choice = choose_airfare(grant)
    dsa = pick_dsa(
        list(DsaRate.objects.filter(country=event.country, city__iexact=event.city)),
        event,
        grant.depart_on,
    )
    terminal = pick_terminal(
        list(TerminalExpense.objects.filter(Q(country=grant.country_id) | Q(country__isnull=True))),
        grant.country,
        grant.depart_on,
    )
    try:
        psc = event.fund.psc_rate_on(event.starts_on)
    except PscRate.DoesNotExist:
        raise EntitlementRefused(
            _("Fund %(fund)s has no PSC rate in force on %(day)s.")
            % {"fund": event.fund.code, "day": event.starts_on.isoformat()}
        ) from None
    return entitlement_from(
        choice=choice,
        dsa=dsa,
        nights=nights_paid(event, policy, grant.depart_on, grant.return_on),
        terminal=terminal,
        psc_pct=psc.rate_pct,
        currency=event.fund.base_currency,
    )


@transaction.atomic
def apply_entitlement(grant: Grant, by: Actor) -> Entitlement:
    """Compute the entitlement, store it on the grant, mark the chosen quote, log it."""
    _check_officer(by)
    locked = (
        Grant.objects.select_for_update(of=("self",))  # the grant's row only, not the fund's
        .select_related("event__fund", "event__travel_policy", "country")
        .get(pk=grant.pk)
    )
    _check_state(locked)
    entitlement = compute_entitlement(locked)
    quote = entitlement.quote
    assert isinstance(quote, AirfareQuote)  # chosen among the grant's own quotes
    fields = entitlement.grant_fields()
    Grant.objects.filter(pk=locked.pk).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(grant, name, value)
    locked.quotes.filter(chosen=True).update(chosen=False)
    AirfareQuote.objects.filter(pk=quote.pk).update(chosen=True)
    log_action(
        locked,
        "grant:entitlement",
        by,
        entitlement.routing.in_english(),
        # The routing's reason by code too: the trail shows it in its reader's language.
        {
            **fields,
            "quote": quote.pk,
            "total": entitlement.total,
            "why": entitlement.routing.data(),
        },
    )
    return entitlement
