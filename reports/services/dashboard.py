"""The fund dashboard's figures: every series and breakdown aggregated in SQL,
so the page runs the same number of queries whatever the fund's size.

Definitions (docs/reports.md, "Dashboard"), all in the fund's currency and up
to ``as_of``:

- pledged: pledges' value at the pledge date's rate (``Pledge.base_amount``)
  by pledge date, cancelled pledges left out; in a donor's (public) view, what
  the appeal page counts (``PledgeQuerySet.with_public_value``): in full only
  a binding or confirmed pledge, not held, not cancelled, not by card, any
  other for the money it brought;
- received: receipts' value at the value date's rate (``Receipt.base_amount``)
  by value date;
- committed: debits to the commitments account by commitment entries (one at
  each grant's approval) by entry date, less reversals of such entries; a
  later release (withdrawal, no-show, settlement) does not un-commit history;
- disbursed: cash paid out by travel advances and by the balances paid at
  settlement (bank credits of those entries), less reversals of such entries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Case, Count, DecimalField, F, Q, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext_lazy as _

from donors.models import Donor, DonorKind, Pledge, Receipt
from fundmgr.chart import AccountKey
from fundmgr.collation import sort_key
from fundmgr.db.exact_sum import ExactSum
from fundmgr.formatting import country_name
from fundmgr.models import EntryKind, Fund, JournalEntry, Leg
from fundmgr.models.countries import Region
from fundmgr.money import quantum
from fundmgr.services.funds import FundPosition, positions
from grants.models import DID_NOT_ATTEND, FUNDED_STATES, Gender, Grant, GrantState

ZERO = Decimal(0)
AMOUNT = DecimalField(max_digits=20, decimal_places=3)

#: Ledger entry kinds (grants/services/workflow.py ``_post``) behind each series.
COMMITMENT_KINDS = (EntryKind.GRANT_COMMITMENT,)
DISBURSEMENT_KINDS = (EntryKind.GRANT_ADVANCE, EntryKind.GRANT_SETTLEMENT)
#: A settled or closed grant's amount is what it really cost; a grant still
#: travelling is worth what was approved; any other, its estimated cost.
SPENT_STATES = (GrantState.SETTLED, GrantState.CLOSED)


@dataclass(frozen=True)
class MonthPoint:
    month: datetime.date
    pledged: Decimal
    received: Decimal
    committed: Decimal
    disbursed: Decimal
    #: False for a month with no movement, kept only to space the time axis evenly.
    active: bool = True


@dataclass(frozen=True)
class Share:
    """One row of a breakdown: a key, its label, a count and an amount."""

    key: str
    label: str
    count: int
    #: None where the viewer may see counts only (a donor, by country or gender).
    amount: Decimal | None


@dataclass(frozen=True)
class CurrencyRow:
    currency: str
    pledged_original: Decimal
    pledged_base: Decimal
    received_original: Decimal
    received_base: Decimal


@dataclass(frozen=True)
class KindRow:
    key: str
    label: str
    pledged: Decimal
    received: Decimal


@dataclass(frozen=True)
class OwnPledge:
    reference: str
    pledge_date: datetime.date
    amount: Decimal
    currency: str
    base_amount: Decimal
    status: str


@dataclass(frozen=True)
class OwnReceipt:
    number: str
    value_date: datetime.date
    amount: Decimal
    currency: str
    base_amount: Decimal


@dataclass
class Dashboard:
    fund: Fund
    as_of: datetime.date
    #: True for those who read the books; False: a donor's public view.
    full: bool
    position: FundPosition
    months: list[MonthPoint]
    total_pledged: Decimal
    total_received: Decimal
    delegates_funded: int
    grants_by_region: list[Share]
    grants_by_country: list[Share]
    grants_by_gender: list[Share]
    # Only in the full view.
    grants_by_state: list[Share] = field(default_factory=list)
    grants_by_ldc: list[Share] = field(default_factory=list)
    by_kind: list[KindRow] = field(default_factory=list)
    by_currency: list[CurrencyRow] = field(default_factory=list)
    # Only in a donor's view.
    listed_donors: list[Share] = field(default_factory=list)
    own_pledges: list[OwnPledge] = field(default_factory=list)
    own_receipts: list[OwnReceipt] = field(default_factory=list)

    @property
    def total_committed(self) -> Decimal:
        return self.months[-1].committed if self.months else ZERO

    @property
    def total_disbursed(self) -> Decimal:
        return self.months[-1].disbursed if self.months else ZERO


def _month_add(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _as_date(value) -> datetime.date:
    # TruncMonth of a DateField gives a date on both SQLite and PostgreSQL;
    # a datetime would only come from a DateTimeField.
    return value.date() if isinstance(value, datetime.datetime) else value


def monthly_flows(fund: Fund, as_of: datetime.date) -> dict[datetime.date, dict[str, Decimal]]:
    """Each month's pledged, received, committed and disbursed (not cumulative):
    three grouped queries."""
    flows: dict[datetime.date, dict[str, Decimal]] = defaultdict(dict)
    pledged = (
        Pledge.objects.filter(fund=fund, pledge_date__lte=as_of)
        .exclude(status=Pledge.Status.CANCELLED)
        .annotate(month=TruncMonth("pledge_date"))
        .values("month")
        .annotate(total=ExactSum("base_amount"))
        .order_by()
    )
    for row in pledged:
        flows[_as_date(row["month"])]["pledged"] = row["total"]
    received = (
        Receipt.objects.filter(fund=fund, value_date__lte=as_of)
        .annotate(month=TruncMonth("value_date"))
        .values("month")
        .annotate(total=ExactSum("base_amount"))
        .order_by()
    )
    for row in received:
        flows[_as_date(row["month"])]["received"] = row["total"]

    commitments = Q(account__key=AccountKey.COMMITMENTS)
    bank = Q(account__key=AccountKey.BANK)
    legs = (
        Leg.objects.filter(
            entry__fund=fund,
            entry__status=JournalEntry.Status.POSTED,
            entry__date__lte=as_of,
        )
        .filter(commitments | bank)
        .annotate(month=TruncMonth("entry__date"))
        .values("month")
        .annotate(
            committed=Coalesce(
                ExactSum("debit", filter=commitments & Q(entry__kind__in=COMMITMENT_KINDS)),
                Value(ZERO),
                output_field=AMOUNT,
            ),
            uncommitted=Coalesce(
                ExactSum(
                    "credit", filter=commitments & Q(entry__reverses__kind__in=COMMITMENT_KINDS)
                ),
                Value(ZERO),
                output_field=AMOUNT,
            ),
            paid=Coalesce(
                ExactSum("credit", filter=bank & Q(entry__kind__in=DISBURSEMENT_KINDS)),
                Value(ZERO),
                output_field=AMOUNT,
            ),
            unpaid=Coalesce(
                ExactSum("debit", filter=bank & Q(entry__reverses__kind__in=DISBURSEMENT_KINDS)),
                Value(ZERO),
                output_field=AMOUNT,
            ),
        )
        .order_by()
    )
    for row in legs:
        month = flows[_as_date(row["month"])]
        month["committed"] = row["committed"] - row["uncommitted"]
        month["disbursed"] = row["paid"] - row["unpaid"]
    return flows


def cumulative(flows: dict[datetime.date, dict[str, Decimal]], currency: str) -> list[MonthPoint]:
    """Running totals for every month from the first with activity to the last,
    empty months between included so the time axis is even. (The series stops
    at the last activity: years of flat months after it would say nothing.)"""
    if not flows:
        return []
    q = quantum(currency)
    last = max(flows)
    month = min(flows)
    running = dict.fromkeys(("pledged", "received", "committed", "disbursed"), ZERO)
    points = []
    while month <= last:
        for name, value in flows.get(month, {}).items():
            running[name] += value or ZERO
        points.append(
            MonthPoint(
                month, **{k: v.quantize(q) for k, v in running.items()}, active=month in flows
            )
        )
        month = _month_add(month, 1)
    return points


#: The public series shows a step only when each of its flows comes from at
#: least this many donors, so no one donor's gift can be read off the chart.
MIN_DONORS_PER_STEP = 3


def public_months(
    fund: Fund, as_of: datetime.date, minimum: int = MIN_DONORS_PER_STEP
) -> list[MonthPoint]:
    """Cumulative pledged and received for a donor's eyes: consecutive months
    are merged until what was pledged, and what was received, since the last
    point shown each comes from none or at least ``minimum`` donors (two
    queries, grouped by month and donor). The last point is the total."""
    flows: dict[datetime.date, dict[str, dict[int, Decimal]]] = defaultdict(
        lambda: {"pledged": {}, "received": {}}
    )
    # What the appeal page counts (PledgeQuerySet.with_public_value): a pledge
    # nobody answers for, held or by card counts for the money it brought.
    pledged = (
        Pledge.objects.filter(fund=fund, pledge_date__lte=as_of)
        .counted_publicly()
        .annotate(month=TruncMonth("pledge_date"))
        .values_list("month", "donor_id")
        .annotate(ExactSum("public_value"))
        .order_by()
    )
    received = (
        Receipt.objects.filter(fund=fund, value_date__lte=as_of)
        .annotate(month=TruncMonth("value_date"))
        .values_list("month", "donor_id")
        .annotate(ExactSum("base_amount"))
        .order_by()
    )
    for name, rows in (("pledged", pledged), ("received", received)):
        for month, donor_id, total in rows:
            flows[_as_date(month)][name][donor_id] = total
    q = quantum(fund.base_currency)
    # Steps: (last month, {series: {donor: amount}}), merged until safe.
    steps: list[tuple[datetime.date, dict[str, dict[int, Decimal]]]] = []
    pending: dict[str, dict[int, Decimal]] = {"pledged": {}, "received": {}}

    def safe(step) -> bool:
        return all(not donors or len(donors) >= minimum for donors in step.values())

    def merge(into, more) -> None:
        for name, donors in more.items():
            for donor_id, amount in donors.items():
                into[name][donor_id] = into[name].get(donor_id, ZERO) + amount

    for month in sorted(flows):
        merge(pending, flows[month])
        if safe(pending):
            steps.append((month, pending))
            pending = {"pledged": {}, "received": {}}
    if any(pending.values()):
        # A short tail joins the step before it (the total is public anyway).
        last_month = max(flows)
        if steps:
            merge(pending, steps.pop()[1])
        steps.append((last_month, pending))
    points, running = [], {"pledged": ZERO, "received": ZERO}
    for month, step in steps:
        for name, donors in step.items():
            running[name] += sum(donors.values(), ZERO)
        points.append(
            MonthPoint(
                month, running["pledged"].quantize(q), running["received"].quantize(q), ZERO, ZERO
            )
        )
    return points


def grant_groups(fund: Fund) -> Sequence[Mapping[str, Any]]:
    """The fund's grants counted and summed by state, country (with region),
    LDC status and gender: one query whose size is bounded by the reference
    data (states x countries x genders), never by the number of grants."""
    amount = Case(
        When(state__in=SPENT_STATES, then=F("actual_cost")),
        When(state__in=FUNDED_STATES, then=F("approved_amount")),
        default=F("cost"),
        output_field=AMOUNT,
    )
    q = quantum(fund.base_currency)
    rows = list(
        Grant.objects.filter(event__fund=fund)
        # A closed no-show is closed like a settled grant, but funded nobody.
        .annotate(
            did_not_attend=Case(
                When(DID_NOT_ATTEND, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .values(
            "state",
            "did_not_attend",
            "country_id",
            "country__name",
            "country__region",
            "ldc_on_eligibility_date",
            "gender",
        )
        .annotate(
            count=Count("id"), amount=Coalesce(ExactSum(amount), Value(ZERO), output_field=AMOUNT)
        )
        .order_by()
    )
    for row in rows:
        # SQLite sums decimals in binary floating point: back to the currency's unit.
        row["amount"] = row["amount"].quantize(q)
    return rows


def _shares(groups, key, labels, *, order=None) -> list[Share]:
    """Fold grouped rows into one breakdown; ``order`` fixes the row order,
    else the largest count first (ties by label)."""
    count: dict = defaultdict(int)
    amount: dict = defaultdict(lambda: ZERO)
    for row in groups:
        k = key(row)
        count[k] += row["count"]
        amount[k] += row["amount"]
    keys = [k for k in order if k in count] if order is not None else list(count)
    shares = [Share(str(k), str(labels(k)), count[k], amount[k]) for k in keys]
    if order is None:  # ties in the reader's alphabetical order
        shares.sort(key=lambda s: (-s.count, sort_key(s.label)))
    return shares


def contributions_by_kind(fund: Fund, as_of: datetime.date) -> list[KindRow]:
    pledged = dict(
        Pledge.objects.filter(fund=fund, pledge_date__lte=as_of)
        .exclude(status=Pledge.Status.CANCELLED)
        .values_list("donor__kind")
        .annotate(ExactSum("base_amount"))
        .order_by()
    )
    received = dict(
        Receipt.objects.filter(fund=fund, value_date__lte=as_of)
        .values_list("donor__kind")
        .annotate(ExactSum("base_amount"))
        .order_by()
    )
    labels = dict(DonorKind.choices)
    q = quantum(fund.base_currency)
    return [
        KindRow(
            kind,
            str(labels[kind]),
            pledged.get(kind, ZERO).quantize(q),
            received.get(kind, ZERO).quantize(q),
        )
        for kind in DonorKind.values
        if kind in pledged or kind in received
    ]


def contributions_by_currency(fund: Fund, as_of: datetime.date) -> list[CurrencyRow]:
    pledged = {
        row["amount_currency"]: row
        for row in Pledge.objects.filter(fund=fund, pledge_date__lte=as_of)
        .exclude(status=Pledge.Status.CANCELLED)
        .values("amount_currency")
        .annotate(original=ExactSum("amount"), base=ExactSum("base_amount"))
        .order_by()
    }
    received = {
        row["amount_currency"]: row
        for row in Receipt.objects.filter(fund=fund, value_date__lte=as_of)
        .values("amount_currency")
        .annotate(original=ExactSum("amount"), base=ExactSum("base_amount"))
        .order_by()
    }
    empty = {"original": ZERO, "base": ZERO}
    base = quantum(fund.base_currency)
    rows = []
    for currency in sorted(set(pledged) | set(received)):
        p, r = pledged.get(currency, empty), received.get(currency, empty)
        q = quantum(currency)
        rows.append(
            CurrencyRow(
                currency,
                p["original"].quantize(q),
                p["base"].quantize(base),
                r["original"].quantize(q),
                r["base"].quantize(base),
            )
        )
    rows.sort(key=lambda row: (-row.received_base, -row.pledged_base, row.currency))
    return rows


def listed_donors(fund: Fund, as_of: datetime.date) -> list[Share]:
    """Donors who chose to be listed publicly, with what they gave (received):
    money for a pledge nobody vouched for (``ReceiptQuerySet.vouched_for``)
    names no one, as on the appeal page."""
    rows = (
        Receipt.objects.vouched_for()
        .filter(fund=fund, value_date__lte=as_of, donor__listed_publicly=True)
        .values("donor_id", "donor__name")
        .annotate(count=Count("id"), amount=ExactSum("base_amount"))
        .order_by("-amount", "donor__name")
    )
    q = quantum(fund.base_currency)
    return [
        Share(str(r["donor_id"]), r["donor__name"], r["count"], r["amount"].quantize(q))
        for r in rows
    ]


def build_dashboard(
    fund: Fund, as_of: datetime.date, *, full: bool, donor: Donor | None = None
) -> Dashboard:
    """Everything the dashboard shows. ``full``: the books' view (fund officers,
    finance, auditors); otherwise the public figures, plus ``donor``'s own
    pledges and receipts when given."""
    currency = fund.base_currency
    # The public view's series: money in, never the grant pipeline, in steps
    # that do not single out a donor.
    months = (
        cumulative(monthly_flows(fund, as_of), currency) if full else public_months(fund, as_of)
    )
    groups = grant_groups(fund)
    funded = [row for row in groups if row["state"] in FUNDED_STATES and not row["did_not_attend"]]
    regions = dict(Region.choices)
    genders = dict(Gender.choices)
    stored_names = {r["country_id"]: r["country__name"] for r in funded}
    dashboard = Dashboard(
        fund=fund,
        as_of=as_of,
        full=full,
        position=positions([fund], as_of=as_of)[0],
        months=months,
        total_pledged=months[-1].pledged if months else ZERO,
        total_received=months[-1].received if months else ZERO,
        delegates_funded=sum(row["count"] for row in funded),
        grants_by_region=_shares(
            funded,
            lambda r: r["country__region"],
            lambda k: regions.get(k, "—"),
            order=[*Region.values, ""],
        ),
        # Named in the reader's language (CLDR), the stored English name only
        # for a country CLDR does not know.
        grants_by_country=_shares(
            funded,
            lambda r: r["country_id"],
            lambda iso2: country_name(iso2, stored_names.get(iso2, "")),
        ),
        grants_by_gender=_shares(
            funded, lambda r: r["gender"], lambda k: genders.get(k, k), order=Gender.values
        ),
    )
    if full:
        states = dict(GrantState.choices)
        dashboard.grants_by_state = _shares(
            groups, lambda r: r["state"], lambda k: states.get(k, k), order=GrantState.values
        )
        ldc_labels = {
            "ldc": _("Least developed country"),
            "other": _("Not a least developed country"),
        }
        dashboard.grants_by_ldc = _shares(
            funded,
            lambda r: "ldc" if r["ldc_on_eligibility_date"] else "other",
            ldc_labels.get,
            order=list(ldc_labels),
        )
        dashboard.by_kind = contributions_by_kind(fund, as_of)
        dashboard.by_currency = contributions_by_currency(fund, as_of)
    else:
        # Counts only: one delegate's grant in a country must not show its amount.
        for name in ("grants_by_region", "grants_by_country", "grants_by_gender"):
            setattr(
                dashboard,
                name,
                [Share(s.key, s.label, s.count, None) for s in getattr(dashboard, name)],
            )
        dashboard.listed_donors = listed_donors(fund, as_of)
        if donor is not None:
            dashboard.own_pledges = [
                OwnPledge(
                    p.reference,
                    p.pledge_date,
                    p.amount.amount,
                    str(p.amount.currency),
                    p.base_amount,
                    p.get_status_display(),
                )
                # Only the donor's own: not a pledge someone else made with their address.
                for p in Pledge.objects.for_donor(donor)
                .filter(fund=fund)
                .order_by("pledge_date", "id")
            ]
            dashboard.own_receipts = [
                OwnReceipt(
                    r.number, r.value_date, r.amount.amount, str(r.amount.currency), r.base_amount
                )
                for r in Receipt.objects.for_donor(donor)
                .filter(fund=fund)
                .order_by("value_date", "id")
            ]
    return dashboard
