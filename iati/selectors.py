"""What the IATI files report, read from the books (docs/iati.md).

Each function returns ``Flow`` rows: one IATI transaction each, with its
amount in its original currency (what the file shows) and in the fund's
currency (what the product rule checks against the statement,
``iati.checks``). Everything comes from posted ledger legs or receipts, in a
fixed number of queries; sums are ``ExactSum``. The receipts and the pledge
legs (a row each) are read as the database gives them (``_raw_rows``) and
their amounts made exact here (``_exact``).

Travel grants are read by the delegate's country only: no query here
selects a grant's name, title, e-mail, travel or documents, nor an entry's
memo (which names the delegate), so no personal data can reach a file.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

from django.db import connections
from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.sql.constants import MULTI

from donors.models import Donor, Pledge, Receipt
from fundmgr.chart import AccountKey
from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import AuditRecord, Country, EntryKind, Event, Fund, JournalEntry, Leg
from fundmgr.models.ledger import source_type_is
from grants.models import Grant

INCOMING_COMMITMENT = "11"
INCOMING_FUNDS = "1"
OUTGOING_COMMITMENT = "2"
DISBURSEMENT = "3"
EXPENDITURE = "4"

#: Each outgoing transaction type: the grant entries that make it and the
#: account they debit (grants/services/workflow.py posts them).
GRANT_FLOWS = {
    OUTGOING_COMMITMENT: (EntryKind.GRANT_COMMITMENT, AccountKey.COMMITMENTS),
    DISBURSEMENT: (EntryKind.GRANT_ADVANCE, AccountKey.TRAVEL_ADVANCES),
    EXPENDITURE: (EntryKind.GRANT_SETTLEMENT, AccountKey.TRAVEL_EXPENDITURE),
}


@dataclass(frozen=True, slots=True)
class Flow:
    """One IATI transaction: ``donor_id`` for money from a donor,
    ``country`` (ISO 3166 alpha-2) for travel grants to that country's
    delegates. Amounts are signed: a cancelled pledge is a negative
    incoming commitment."""

    type: str
    date: datetime.date
    value: Decimal
    currency: str
    value_date: datetime.date
    base: Decimal
    donor_id: int | None = None
    country: str = ""
    #: Incoming funds: what the receipt cleared from pledges receivable, in
    #: the fund's currency at the pledge's rate (the public contributions
    #: page's "outstanding", reports/open_data.py).
    cleared: Decimal = Decimal(0)


def _raw_rows(queryset: QuerySet, chunk_size: int = 2000) -> Iterator[tuple]:
    """A ``values_list`` queryset's rows as the database driver gives them, in
    chunks (a server-side cursor on PostgreSQL, as ``iterator()``), without
    the ORM's converters: on SQLite they were a quarter of the export's time
    at 20,000 receipts (cProfile), most of it the decimal one. Dates come as
    dates on both databases (SQLite's driver parses declared date columns);
    amounts go through ``_exact``."""
    compiler = queryset.query.get_compiler(queryset.db)
    chunked = not connections[queryset.db].settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    for rows in compiler.execute_sql(MULTI, chunked_fetch=chunked, chunk_size=chunk_size):
        yield from rows


def _exact(value: Decimal | float | int) -> Decimal:
    """A money column's value as Django gives it: PostgreSQL's numeric as
    stored (three decimals); SQLite's binary float (or integer) back to its
    thousandths, the places every money column keeps. Exact below 10^12 units,
    SQLite's limit (``fundmgr.db.exact_sum``); Django's converter rounds to 15
    significant digits, then to the places, which gives the same Decimal."""
    if isinstance(value, Decimal):
        return value
    return Decimal(round(value * 1000)).scaleb(-3)


def _period(queryset: QuerySet, field: str, start, end) -> QuerySet:
    queryset = queryset.filter(**{f"{field}__lte": end})
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": start})
    return queryset


def _posted_legs(fund: Fund, start, end) -> QuerySet:
    legs = Leg.objects.filter(
        entry__fund=fund, entry__status=JournalEntry.Status.POSTED, account__segregated=False
    )
    return _period(legs, "entry__date", start, end)


def incoming_commitments(
    fund: Fund, end: datetime.date, start: datetime.date | None = None
) -> list[Flow]:
    """Binding pledges (IPSAS 23: booked as a receivable when the agreement
    is signed), one per booking on its date, in the pledge's currency, valued
    on that date (the ledger used the rate in force then); a booking reversed
    (a pledge redated or cancelled before any payment) or written down
    (cancelled after part payment) is a negative one."""
    pledge_kinds = Q(entry__kind__in=[EntryKind.PLEDGE, EntryKind.PLEDGE_CANCELLATION]) | Q(
        entry__kind=EntryKind.REVERSAL, entry__reverses__kind=EntryKind.PLEDGE
    )
    donor = Subquery(
        Pledge.objects.filter(pk=OuterRef("entry__source_id")).values("donor_id")[:1],
        output_field=IntegerField(),
    )
    rows = (
        _posted_legs(fund, start, end)
        .filter(pledge_kinds, account__key=AccountKey.PLEDGES_RECEIVABLE)
        .filter(**source_type_is(Pledge, "entry__"))
        .annotate(donor=donor)
        .values_list("entry__date", "donor", "debit", "credit", "original", "original_currency")
        .order_by("entry__date", "entry_id", "id")
    )
    flows = []
    for day, donor_id, dr, cr, original, currency in _raw_rows(rows):
        debit = _exact(dr)
        sign = 1 if debit else -1
        flows.append(
            Flow(
                INCOMING_COMMITMENT,
                day,
                sign * _exact(original),
                currency,
                day,
                sign * (debit or _exact(cr)),
                donor_id=donor_id,
            )
        )
    return flows


def incoming_funds(
    fund: Fund, end: datetime.date, start: datetime.date | None = None
) -> list[Flow]:
    """Receipts, by bank or card, on their value date, in the currency
    received; the statement's "cash received" reads the same rows."""
    rows = (
        _period(Receipt.objects.filter(fund=fund), "value_date", start, end)
        .order_by("value_date", "id")
        .values_list(
            "value_date",
            "donor_id",
            "amount",
            "amount_currency",
            "base_amount",
            "receivable_cleared",
        )
    )
    # No cache of 100,000 rows beside the flows.
    return [
        Flow(
            INCOMING_FUNDS,
            day,
            _exact(amount),
            currency,
            day,
            _exact(base),
            donor_id=donor_id,
            cleared=_exact(cleared),
        )
        for day, donor_id, amount, currency, base, cleared in _raw_rows(rows)
    ]


def grant_flows(fund: Fund, end: datetime.date, start: datetime.date | None = None) -> list[Flow]:
    """Commitments, advances and settled claims of travel grants, summed by
    type, day, the delegates' country and currency: never one row per person."""
    country = Subquery(
        Grant.objects.filter(pk=OuterRef("entry__source_id")).values("country_id")[:1]
    )
    flows: list[Flow] = []
    for code, (kind, account) in GRANT_FLOWS.items():
        rows = (
            _posted_legs(fund, start, end)
            .filter(entry__kind=kind, account__key=account, debit__gt=0)
            .filter(**source_type_is(Grant, "entry__"))
            .annotate(country=country)
            .values("entry__date", "country", "original_currency")
            .annotate(value=ExactSum("original"), base=ExactSum("debit"))
            .order_by("entry__date", "country", "original_currency")
        )
        flows.extend(
            Flow(
                code,
                row["entry__date"],
                row["value"],
                row["original_currency"],
                row["entry__date"],
                row["base"],
                country=row["country"],
            )
            for row in rows
        )
    return flows


def all_flows(fund: Fund, end: datetime.date, start: datetime.date | None = None) -> list[Flow]:
    """Every transaction of the fund's activity in [start, end], by date."""
    # Types in the file's order on a day: 11, 1, then the grants' 2, 3, 4
    # (``GRANT_FLOWS``' order); the sort by date keeps it, being stable
    # (no key of date and type to build for each of 100,000 flows).
    flows = [
        *incoming_commitments(fund, end, start),
        *incoming_funds(fund, end, start),
        *grant_flows(fund, end, start),
    ]
    flows.sort(key=attrgetter("date"))
    return flows


@dataclass(frozen=True)
class DonorOrg:
    """What the files may say of a donor: its name and identifier only when
    it chose to be listed publicly (docs/donors.md); never its e-mail."""

    pk: int
    name: str
    kind: str
    iati_identifier: str
    listed: bool


def donors_named(donor_ids) -> dict[int, DonorOrg]:
    return {
        row["pk"]: DonorOrg(
            row["pk"], row["name"], row["kind"], row["iati_identifier"], row["listed_publicly"]
        )
        for row in Donor.objects.filter(pk__in=set(donor_ids) - {None}).values(
            "pk", "name", "kind", "iati_identifier", "listed_publicly"
        )
    }


def country_names(codes) -> dict[str, str]:
    return dict(Country.objects.filter(iso2__in=set(codes) - {""}).values_list("iso2", "name"))


def host_countries(fund: Fund) -> list[tuple[str, str]]:
    """The countries hosting the fund's events: (ISO code, name)."""
    return list(
        fund.events.order_by("country__name")
        .values_list("country__iso2", "country__name")
        .distinct()
    )


def event_dates(fund: Fund) -> tuple[datetime.date | None, datetime.date | None]:
    dates = list(fund.events.values_list("starts_on", "ends_on"))
    if not dates:
        return None, None
    return min(start for start, _end in dates), max(end for _start, end in dates)


def _audited(model) -> Q:
    meta = model._meta
    return Q(target_type__app_label=meta.app_label, target_type__model=meta.model_name)


def books_stamp(fund: Fund) -> str:
    """What the files are made of, in two queries: the fund's posted entries
    (immutable and never deleted, so their count and last id say whether
    any was added) and the last audited change to a donor, an event or the
    fund (names, listing, identifiers, host countries)."""
    entries = fund.entries.posted().aggregate(count=Count("id"), last=Max("id"))
    changes = AuditRecord.objects.filter(
        _audited(Donor) | _audited(Event) | (_audited(Fund) & Q(target_id=str(fund.pk)))
    ).aggregate(last=Max("id"))
    return f"entries {entries['count']}/{entries['last'] or 0}; changes {changes['last'] or 0}"
