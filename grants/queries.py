"""Named reads for the fund officers' grant pages: the queue with its filters,
its counts by state and the export. Each is one query whatever the number of
grants, so the pages and the export run a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import Country, Event
from grants.models import Grant, GrantState

ZERO = Decimal(0)
CENT = Decimal("0.01")  # the amount fields' scale; SQLite's SUM widens it


def _amount(total) -> Decimal:
    """A sum of two-decimal amounts at their own scale (exact: nothing to round)."""
    return (total or ZERO).quantize(CENT)


@dataclass(frozen=True)
class QueueFilters:
    """What the officer chose to see; an empty value means "all"."""

    state: str = ""
    country: str = ""  # ISO alpha-2
    region: str = ""  # fundmgr.models.countries.Region
    ldc: str = ""  # "yes" or "no": LDC on the event's eligibility date
    gender: str = ""

    @classmethod
    def from_data(cls, data) -> QueueFilters:
        return cls(**{f.name: data.get(f.name) or "" for f in fields(cls)})

    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def event_grants(event: Event, filters: QueueFilters, *, ignore_state: bool = False) -> QuerySet:
    """The event's grants that match ``filters`` (all states if ``ignore_state``)."""
    grants = Grant.objects.filter(event=event)
    if filters.state and not ignore_state:
        grants = grants.filter(state=filters.state)
    if filters.country:
        grants = grants.filter(country_id=filters.country)
    if filters.region:
        grants = grants.filter(country__region=filters.region)
    if filters.ldc:
        grants = grants.filter(ldc_on_eligibility_date=filters.ldc == "yes")
    if filters.gender:
        grants = grants.filter(gender=filters.gender)
    return grants


#: What a row of the queue shows: 14 columns instead of the grant's 45 and its
#: event's, which made turning 50 rows into objects the page's largest cost.
QUEUE_COLUMNS = (
    "reference",
    "state",
    "nominee_name",
    "nominee_title",
    "gender",
    "country__name",
    "country__region",
    "priority",
    "ldc_on_eligibility_date",
    "cost",
    "committed_amount",
)


def queue_rows(event: Event, filters: QueueFilters) -> QuerySet:
    """The rows of the queue in the order received (the primary key: an index
    both databases walk without sorting, unlike the reference), one query a page."""
    return (
        event_grants(event, filters).select_related("country").only(*QUEUE_COLUMNS).order_by("id")
    )


def export_rows(event: Event, filters: QueueFilters, chunk_size: int = 2000) -> Iterator[tuple]:
    """Every matching row as plain values, streamed from the database in chunks
    (no model instances: 20,000 rows stay cheap in memory and time)."""
    return (
        event_grants(event, filters)
        .order_by("id")
        .values_list(
            "reference",
            "nominee_name",
            "nominee_title",
            "gender",
            "country_id",
            "country__name",
            "country__region",
            "priority",
            "ldc_on_eligibility_date",
            "state",
            "cost",
            "psc_amount",
            "committed_amount",
        )
        .iterator(chunk_size=chunk_size)
    )


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int = 0
    cost: Decimal = ZERO
    committed: Decimal = ZERO


@dataclass(frozen=True)
class QueueSummary:
    """Counts and totals by state with every filter but the state applied, and
    the totals of what the state filter leaves (what the list shows)."""

    by_state: list[StateCount] = field(default_factory=list)
    matching: StateCount = StateCount("", "")


def queue_summary(event: Event, filters: QueueFilters) -> QueueSummary:
    totals = {
        row["state"]: row
        for row in event_grants(event, filters, ignore_state=True)
        .order_by()
        .values("state")
        .annotate(count=Count("id"), cost=ExactSum("cost"), committed=ExactSum("committed_amount"))
    }
    by_state = [
        StateCount(
            state,
            str(label),
            totals[state]["count"],
            _amount(totals[state]["cost"]),
            _amount(totals[state]["committed"]),
        )
        for state, label in GrantState.choices
        if state in totals
    ]
    shown = [row for row in by_state if not filters.state or row.state == filters.state]
    matching = StateCount(
        filters.state,
        "",
        sum(row.count for row in shown),
        sum((row.cost for row in shown), ZERO),
        sum((row.committed for row in shown), ZERO),
    )
    return QueueSummary(by_state, matching)


def queue_countries(event: Event) -> QuerySet:
    """The countries the event has nominations from (for the country filter)."""
    return Country.objects.filter(
        iso2__in=Grant.objects.filter(event=event).values("country_id")
    ).only("iso2", "name")


def grant_events() -> QuerySet:
    """Events that take nominations (a travel policy) or have some, with their
    number of grants, newest first (one query)."""
    return (
        Event.objects.filter(Q(travel_policy__isnull=False) | Q(grants__isnull=False))
        .select_related("fund")
        .annotate(grant_count=Count("grants", distinct=True))
        .order_by("-starts_on", "code")
    )
