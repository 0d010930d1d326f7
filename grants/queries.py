"""Named reads for the fund officers' grant pages: the queue with its filters,
its counts by state and the export; a grant's ledger entries and what the
ledger says of many grants at once; travel claims overdue. Each is one query
whatever the number of grants, so the pages and the export run a fixed number
of queries."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from fundmgr.chart import AccountKey
from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import EntryKind, Event, JournalEntry, Signature
from fundmgr.models.countries import Region
from fundmgr.models.ledger import source_type_is
from fundmgr.money import quantum
from fundmgr.roles import BOOK_READERS, has_role
from grants.models import Gender, Grant, GrantState, TravelPolicy
from grants.tally import amount as tally_amount

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
    overdue: str = ""  # "yes": travel claims past their due date
    #: "me": the grants ``person`` may act on now (grants.work.acts_on_now);
    #: only a page that knows who reads it sets ``person``, so an export in
    #: the background cannot ask for it (``filter_choices`` leaves it out).
    awaiting: str = ""
    person: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def from_data(cls, data) -> QueueFilters:
        return cls(**{name: data.get(name) or "" for name in cls.names()})

    @classmethod
    def names(cls) -> list[str]:
        """The filters a query string sets (not ``person``)."""
        return [f.name for f in fields(cls) if f.name != "person"]

    def active(self) -> bool:
        return any(getattr(self, name) for name in self.names())


def filter_choices(countries) -> dict[str, list[str]]:
    """The values each of the queue's filters takes (its form's choices), with
    ``countries`` the (iso2, name) pairs the queue offers (``queue_countries``)."""
    return {
        "state": list(GrantState.values),
        "country": [iso2 for iso2, _name in countries],
        "region": list(Region.values),
        "ldc": ["yes", "no"],
        "gender": list(Gender.values),
        "overdue": ["yes"],
    }


def filter_problems(event: Event, data: dict) -> dict[str, list[str]]:
    """The filters in ``data`` that the event's queue does not offer, each with
    the values it does (empty values mean "all" and are fine)."""
    valid = filter_choices(queue_countries(event))
    return {
        str(name): valid.get(name, [])
        for name, value in data.items()
        if name not in valid or (value and value not in valid[name])
    }


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
    if filters.overdue == "yes":
        grants = grants.filter(claims_overdue(claim_period(event), timezone.localdate()))
    if filters.awaiting:
        grants = _awaiting(grants, filters)
    return grants


def _awaiting(grants: QuerySet, filters: QueueFilters) -> QuerySet:
    """``grants`` the filters' person may act on now; none without a person."""
    from grants.work import acts_on_now, levels

    if filters.awaiting != "me" or filters.person is None:
        return grants.none()
    return grants.filter(acts_on_now(filters.person, levels()))


class QueueGrant(NamedTuple):
    """What a row of the queue shows of a grant: 14 columns instead of the
    grant's 45 and its event's, read as plain values (turning 50 rows into
    model instances was the largest cost of the page computed afresh; a
    named tuple is made ten times faster than a frozen dataclass)."""

    pk: int
    reference: str
    state: str
    nominee_name: str
    nominee_title: str
    gender: str
    country_id: str
    country_name: str
    country_region: str
    priority: int
    ldc_on_eligibility_date: bool
    cost: Decimal
    committed_amount: Decimal
    return_on: datetime.date


#: ``QueueGrant``'s fields, as the grants' columns.
QUEUE_COLUMNS = (
    "id",
    "reference",
    "state",
    "nominee_name",
    "nominee_title",
    "gender",
    "country_id",
    "country__name",
    "country__region",
    "priority",
    "ldc_on_eligibility_date",
    "cost",
    "committed_amount",
    "return_on",
)


def _queue_where(event: Event, filters: QueueFilters, *, grant: str, country: str):
    """The SQL condition of ``event_grants`` (the state filter included) on
    the grants (or tally) aliased ``grant`` joined to their countries
    aliased ``country``, and its parameters. Constant names only: every value
    is a parameter."""
    where, params = [f"{grant}.event_id = %s"], [event.pk]
    state_column = f"{grant}.state"
    if filters.state:
        where.append(f"{state_column} = %s")
        params.append(filters.state)
    if filters.country:
        where.append(f"{grant}.country_id = %s")
        params.append(filters.country)
    if filters.region:
        where.append(f"{country}.region = %s")
        params.append(filters.region)
    if filters.ldc:
        column = "ldc" if grant == "t" else "ldc_on_eligibility_date"
        where.append(f"{grant}.{column} = %s")
        params.append(filters.ldc == "yes")
    if filters.gender:
        where.append(f"{grant}.gender = %s")
        params.append(filters.gender)
    if filters.overdue == "yes":
        due = timezone.localdate() - datetime.timedelta(days=claim_period(event))
        marks = ", ".join(["%s"] * len(CLAIM_EXPECTED))
        where.append(f"{state_column} IN ({marks}) AND {grant}.return_on < %s")
        params += [*CLAIM_EXPECTED, due]
    if filters.awaiting:
        # The grants the person may act on, as the ORM writes them (a subquery).
        mine, mine_params = (
            _awaiting(Grant.objects.all(), filters).values("id").query.sql_with_params()
        )
        where.append(f"{grant}.id IN ({mine})")
        params += list(mine_params)
    return " AND ".join(where), params


def _decimal(value) -> Decimal:
    """An amount column read by raw SQL (SQLite hands back a number)."""
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(CENT)


def _date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


class QueueRows:
    """The rows of the queue matching ``filters`` in the order received (the
    primary key: an index both databases walk without sorting), for a
    ``Paginator`` told their number (``count``): each slice is one query,
    written in SQL (the ORM took longer to build it than the database to
    answer it), as ``QueueGrant``."""

    def __init__(self, event: Event, filters: QueueFilters, count: int) -> None:
        self.event, self.filters, self.count = event, filters, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, wanted: slice) -> list[QueueGrant]:
        start, stop = wanted.start or 0, wanted.stop
        where, params = _queue_where(self.event, self.filters, grant="g", country="c")
        sql = (
            "SELECT g.id, g.reference, g.state, g.nominee_name, g.nominee_title, g.gender,"  # noqa: S608
            " g.country_id, c.name, c.region, g.priority, g.ldc_on_eligibility_date, g.cost,"
            " g.committed_amount, g.return_on"
            " FROM grants_grant g JOIN fundmgr_country c ON c.iso2 = g.country_id"
            f" WHERE {where} ORDER BY g.id LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, max(stop - start, 0), start])
            found = cursor.fetchall()
        return [
            QueueGrant(
                pk,
                reference,
                state,
                name,
                title,
                gender,
                iso2,
                country,
                region or "",
                priority,
                bool(ldc),
                _decimal(cost),
                _decimal(committed),
                _date(return_on),
            )  # fmt: skip
            for (
                pk,
                reference,
                state,
                name,
                title,
                gender,
                iso2,
                country,
                region,
                priority,
                ldc,
                cost,
                committed,
                return_on,
            ) in found  # fmt: skip
        ]


def queue_rows(event: Event, filters: QueueFilters) -> QuerySet:
    """The rows of the queue in the order received (the primary key: an index
    both databases walk without sorting, unlike the reference), as tuples of
    ``QUEUE_COLUMNS`` (``QueueGrant(*row)``); the page reads them through
    ``QueueRows``, which this query is the reference for."""
    return event_grants(event, filters).order_by("id").values_list(*QUEUE_COLUMNS)


def export_rows(event: Event, filters: QueueFilters, chunk_size: int = 2000) -> Iterator[tuple]:
    """Every matching row as plain values, streamed from the database in chunks
    (no model instances: 20,000 rows stay cheap in memory and time)."""
    return (
        event_grants(event, filters)
        .order_by("id")
        .values_list(
            "id",
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
            "return_on",
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


#: Counts and totals by state: ``{state: (count, cost, committed)}``.
Totals = dict[str, tuple[int, Decimal, Decimal]]


def _summary_totals(event: Event, filters: QueueFilters) -> Totals:
    """``{state: (count, cost, committed)}`` of the matching grants (every
    filter but the state): from the tally, a few rows whatever the number of
    grants; from the grants themselves for travel claims overdue and for
    the grants awaiting the reader (neither is in the tally)."""
    if filters.overdue or filters.awaiting:
        rows = (
            event_grants(event, filters, ignore_state=True)
            .order_by()
            .values("state")
            .annotate(
                count=Count("id"), cost=ExactSum("cost"), committed=ExactSum("committed_amount")
            )
        )
        return {
            row["state"]: (row["count"], _amount(row["cost"]), _amount(row["committed"]))
            for row in rows
        }
    sql, params = _tally_totals_sql(event, filters)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _totals(cursor.fetchall())


def _tally_totals_sql(event: Event, filters: QueueFilters, *, columns: str = "t.state"):
    """The SQL of the counts and totals by state from the tally (every filter
    but the state), each row ``columns`` and the count, cost and commitment."""
    where, params = _queue_where(
        event, dataclasses.replace(filters, state=""), grant="t", country="c"
    )
    join = " JOIN fundmgr_country c ON c.iso2 = t.country_id" if filters.region else ""
    sql = (
        f"SELECT {columns}, SUM(t.grants), SUM(t.cost), SUM(t.committed)"  # noqa: S608
        f" FROM grants_queuetally t{join} WHERE {where}"
        " GROUP BY t.state HAVING SUM(t.grants) > 0"
    )
    return sql, params


def _totals(rows) -> Totals:
    return {
        state: (int(count), tally_amount(cost), tally_amount(committed))
        for state, count, cost, committed in rows
    }


def queue_countries_and_summary(
    event: Event, filters: QueueFilters
) -> tuple[list[tuple[str, str]], QueueSummary]:
    """``queue_countries(event)`` and ``queue_summary(event, filters)``, in
    one query when both come from the tally: right after a change the queue
    reads both, and each round trip to the database cost it more than its
    answer. ``filters`` must not filter on a country: which countries are
    valid is what this reads."""
    if filters.country:
        raise ValueError("the country filter is checked against the countries read here")
    if filters.overdue or filters.awaiting:
        return queue_countries(event), queue_summary(event, filters)
    totals_sql, totals_params = _tally_totals_sql(
        event, filters, columns="'s' AS kind, t.state AS code, NULL AS name"
    )
    # Constant names only: every value is a parameter.
    sql = (
        f"{totals_sql} UNION ALL"  # noqa: S608
        # Each country named once, not each of its tally's rows.
        " SELECT 'c', c.iso2, c.name, NULL, NULL, NULL FROM fundmgr_country c"
        " WHERE c.iso2 IN (SELECT t.country_id FROM grants_queuetally t"
        " WHERE t.event_id = %s AND t.grants > 0)"
        " ORDER BY 1, 2"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*totals_params, event.pk])
        rows = cursor.fetchall()
    countries = [(code, name) for kind, code, name, *_sums in rows if kind == "c"]
    totals = _totals(row[1:2] + row[3:] for row in rows if row[0] == "s")
    return countries, _summary(totals, filters)


def queue_summary(event: Event, filters: QueueFilters) -> QueueSummary:
    return _summary(_summary_totals(event, filters), filters)


def _summary(totals: Totals, filters: QueueFilters) -> QueueSummary:
    by_state = [
        StateCount(state, str(label), *totals[state])
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


def queue_countries(event: Event) -> list[tuple[str, str]]:
    """The countries the event has nominations from (for the country filter),
    as ``(iso2, name)``, read from the queue's tally (grants.tally): a few
    rows, not every grant."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT t.country_id, c.name FROM grants_queuetally t"
            " JOIN fundmgr_country c ON c.iso2 = t.country_id"
            " WHERE t.event_id = %s AND t.grants > 0 ORDER BY t.country_id",
            [event.pk],
        )
        return cursor.fetchall()


def grant_events() -> QuerySet:
    """Events that take nominations (a travel policy) or have some, with their
    number of grants, newest first (one query)."""
    return (
        Event.objects.filter(Q(travel_policy__isnull=False) | Q(grants__isnull=False))
        .select_related("fund")
        .annotate(grant_count=Count("grants", distinct=True))
        .order_by("-starts_on", "code")
    )


# --- Grants with their people, and who reads them ---------------------------------

#: Who reads a grant with its delegate's personal data (name, title, gender,
#: e-mail, where they leave from, the documents): the readers of the grant
#: pages that show them (the queue, its export, each grant's page and its
#: documents: grants.views). The API shows a grant's delegate to them only.
PERSONAL_DATA_READERS = BOOK_READERS


def reads_personal_data(user) -> bool:
    return has_role(user, *PERSONAL_DATA_READERS)


def grants_with_people() -> QuerySet:
    """Grants with their event, fund, country and nominator: a list in one query."""
    return Grant.objects.select_related("event__fund", "country", "nominated_by")


def _grant_signatures(grant_ids: Iterable[int]) -> QuerySet:
    """The signatures of these grants, in the order signed (the record type by
    a join, never a query of the content-type cache)."""
    return Signature.objects.filter(
        record_type__app_label=Grant._meta.app_label,
        record_type__model=Grant._meta.model_name,
        record_id__in=[str(pk) for pk in grant_ids],
    ).order_by("signed_at", "id")


def signatures_by_grant(grant_ids: Iterable[int]) -> dict[int, list[Signature]]:
    """Each grant's signatures (who certified, who approved) with their
    signers, in the order signed: one query for any number of grants."""
    found: dict[int, list[Signature]] = {}
    for signature in _grant_signatures(grant_ids).select_related("signer"):
        found.setdefault(int(signature.record_id), []).append(signature)
    return found


class SignatureRow(NamedTuple):
    """A signature as a list shows it: its level, when, and who signed by name."""

    level: str
    signed_at: datetime.datetime
    first_name: str
    last_name: str
    username: str


def signature_rows_by_grant(grant_ids: Iterable[int]) -> dict[int, list[SignatureRow]]:
    """``signatures_by_grant`` as plain rows, for a page of many grants: the
    same query, no model built for a signature or its signer."""
    found: dict[int, list[SignatureRow]] = {}
    rows = _grant_signatures(grant_ids).values_list(
        "record_id",
        "level",
        "signed_at",
        "signer__first_name",
        "signer__last_name",
        "signer__username",
    )
    for record_id, *row in rows:
        found.setdefault(int(record_id), []).append(SignatureRow(*row))
    return found


# --- A grant in the ledger ----------------------------------------------------------

#: The kinds of entry a grant's own moves post (grants.services.workflow);
#: reversals, which keep the grant as their source, are not its moves.
GRANT_KINDS = [kind for kind in EntryKind.values if kind.startswith("grant-")]


def grant_entries(grants: Grant | Iterable[int] | QuerySet, *, fund_id: int | None = None):
    """The posted journal entries of one grant, or of many (pks or a queryset
    of grants, with ``fund_id``), each annotated with its ``grant_pk``: read
    from the entries' kind and source columns."""
    entries = JournalEntry.objects.posted().filter(kind__in=GRANT_KINDS, **source_type_is(Grant))
    if isinstance(grants, Grant):
        return entries.filter(fund_id=grants.event.fund_id, source_id=grants.pk).annotate(
            grant_pk=F("source_id")
        )
    if isinstance(grants, QuerySet):
        grants = grants.values("pk")
    return entries.filter(fund_id=fund_id, source_id__in=grants).annotate(grant_pk=F("source_id"))


@dataclass(frozen=True)
class GrantMoney:
    """What the ledger says of a grant, in the fund's currency. Nothing is ever
    owed *to* a traveller in the books: the balance of a claim above the
    advance is paid from the bank at settlement (``paid_to_traveller``)."""

    approved: Decimal = ZERO  # Dr Commitments: the commitment at approval
    advanced: Decimal = ZERO  # Dr Travel advances
    actual: Decimal = ZERO  # Dr Travel expenditure
    psc: Decimal = ZERO  # Dr PSC: charged at settlement
    owed_by_traveller: Decimal = ZERO  # Receivable from travellers, debits - credits
    refunded: Decimal = ZERO  # Cr Receivable from travellers: refunds received
    paid_to_traveller: Decimal = ZERO  # Cr Bank at settlement: the balance paid


def _sum(side: str, key: str, **entry) -> Coalesce:
    """The grant's legs' ``side`` on the account ``key`` (of entries matching ``entry``)."""
    condition = Q(legs__account__key=key, **entry)
    return Coalesce(ExactSum(f"legs__{side}", filter=condition), Value(ZERO))


def grant_money(fund_id: int, grants: QuerySet | Iterable[int], currency: str) -> dict:
    """``{grant pk: GrantMoney}`` for ``grants`` (a queryset of grants or pks),
    read from their ledger entries in one query; a grant without entries is
    missing (read it as ``GrantMoney()``)."""
    K = AccountKey
    rows = (
        grant_entries(grants, fund_id=fund_id)
        .order_by()
        .values("grant_pk")
        .annotate(
            approved=_sum("debit", K.COMMITMENTS),
            advanced=_sum("debit", K.TRAVEL_ADVANCES),
            actual=_sum("debit", K.TRAVEL_EXPENDITURE),
            psc=_sum("debit", K.PSC),
            receivable_in=_sum("debit", K.TRAVELLER_RECEIVABLE),
            refunded=_sum("credit", K.TRAVELLER_RECEIVABLE),
            paid_to_traveller=_sum("credit", K.BANK, kind="grant_settlement"),
        )
    )
    step = quantum(currency)
    result = {}
    for row in rows:
        pk = row.pop("grant_pk")
        # SQLite's exact sum comes back through a float-sized number: to the unit.
        q = {name: Decimal(str(value)).quantize(step) for name, value in row.items()}
        result[pk] = GrantMoney(
            approved=q["approved"],
            advanced=q["advanced"],
            actual=q["actual"],
            psc=q["psc"],
            owed_by_traveller=q["receivable_in"] - q["refunded"],
            refunded=q["refunded"],
            paid_to_traveller=q["paid_to_traveller"],
        )
    return result


# --- Travel claims due --------------------------------------------------------------

#: States in which a travel claim is still expected: the money is committed or
#: advanced and the claim not settled (a no-show has no claim to make).
CLAIM_EXPECTED = (GrantState.COMMITTED, GrantState.ADVANCE_PAID, GrantState.TRAVELLED)


def claim_period(event: Event) -> int:
    """Days after the return a travel claim is due: the event's travel policy
    (``claim_due_days``), its default without one."""
    policy = getattr(event, "travel_policy", None)
    if policy is None:
        return TravelPolicy._meta.get_field("claim_due_days").default
    return policy.claim_due_days


def claim_due_on(grant: Grant, days: int) -> datetime.date:
    return grant.return_on + datetime.timedelta(days=days)


def claim_overdue(grant: Grant, days: int, today: datetime.date) -> bool:
    """The claim is still expected and its due day has passed."""
    return grant.state in CLAIM_EXPECTED and today > claim_due_on(grant, days)


def claims_overdue(days: int, today: datetime.date) -> Q:
    """``claim_overdue`` as a filter."""
    return Q(state__in=CLAIM_EXPECTED, return_on__lt=today - datetime.timedelta(days=days))
