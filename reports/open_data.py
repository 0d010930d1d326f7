"""The figures of a fund's public contributions page (docs/open-data.md), in
the style of the MPTF Office Gateway's fund factsheets: contributions by
donor and year, deposits against commitments, and transfers (travel grants)
by recipient country.

Read from the books through the IATI selectors (``iati.selectors``), so the
page and the IATI file report the same transactions and the page's totals
tie to the statement the same way (``iati.checks``): commitments are binding
pledges' bookings on pledges receivable (net of reversals and write-downs),
deposits are receipts on their value date, transfers are grant entries by
kind. Everything is in the fund's currency as the ledger holds it; sums are
exact (Decimal), rounded to the currency's minor unit once, at the end.

Six queries whatever the number of donors, receipts or grants. Donors are
named only when they chose to be listed publicly and someone answerable
stands behind them (as on the appeal page); all others are one "Other
donors" line. Grants are read by the delegates' country only.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from donors.models import Donor, Pledge, Receipt
from fundmgr.collation import sort_key
from fundmgr.formatting import country_name
from fundmgr.models import Fund
from fundmgr.money import round_amount
from iati import selectors as s

#: The key of the "Other donors" line: donors not listed, and money no
#: donor could be traced for.
OTHERS = None


@dataclass(frozen=True)
class DonorYear:
    donor: str
    year: int
    committed: Decimal
    deposited: Decimal


@dataclass(frozen=True)
class DonorBalance:
    donor: str
    committed: Decimal
    deposited: Decimal
    #: Still owed on binding pledges: committed less what receipts cleared
    #: from pledges receivable (both at the pledge's booked rate).
    outstanding: Decimal


@dataclass(frozen=True)
class CountryTransfers:
    iso2: str
    country: str
    committed: Decimal
    advanced: Decimal
    settled: Decimal


@dataclass(frozen=True)
class OpenData:
    fund: Fund
    as_of: datetime.date
    currency: str
    by_year: list[DonorYear]
    by_donor: list[DonorBalance]
    transfers: list[CountryTransfers]
    committed: Decimal
    deposited: Decimal
    outstanding: Decimal
    transferred: Decimal
    advanced: Decimal
    settled: Decimal


def named_donors(fund: Fund, donor_ids) -> dict[int, str]:
    """The names the page may show: donors who chose to be listed publicly
    and have a vouched-for pledge or receipt in the fund
    (``PledgeQuerySet.vouched_for``): someone's typing a government's name
    on the public form names nobody."""
    vouched_pledge = Pledge.objects.vouched_for().filter(fund=fund, donor=OuterRef("pk"))
    vouched_receipt = Receipt.objects.vouched_for().filter(fund=fund, donor=OuterRef("pk"))
    return dict(
        Donor.objects.filter(pk__in=set(donor_ids) - {None}, listed_publicly=True)
        .filter(Q(Exists(vouched_pledge)) | Q(Exists(vouched_receipt)))
        .values_list("pk", "name")
    )


def _rounded(currency: str):
    return lambda value: round_amount(value, currency)


def open_data(fund: Fund, as_of: datetime.date) -> OpenData:
    """The fund's public figures from its first transaction to ``as_of``."""
    currency = fund.base_currency
    r = _rounded(currency)
    commitments = s.incoming_commitments(fund, as_of)
    deposits = s.incoming_funds(fund, as_of)
    names = named_donors(fund, {f.donor_id for f in commitments} | {f.donor_id for f in deposits})

    def who(flow: s.Flow) -> int | None:
        return flow.donor_id if flow.donor_id in names else OTHERS

    zero = Decimal(0)
    yearly: dict[tuple[int, int | None], list[Decimal]] = defaultdict(lambda: [zero, zero])
    donor: dict[int | None, list[Decimal]] = defaultdict(lambda: [zero, zero, zero])
    for flow in commitments:
        yearly[(flow.date.year, who(flow))][0] += flow.base
        donor[who(flow)][0] += flow.base
    for flow in deposits:
        yearly[(flow.date.year, who(flow))][1] += flow.base
        donor[who(flow)][1] += flow.base
        donor[who(flow)][2] += flow.cleared

    others = _("Other donors")

    def label(key: int | None) -> str:
        return others if key is OTHERS else names[key]

    def order(key: int | None) -> tuple:
        # Named donors by name in the reader's alphabetical order, "Other donors" last.
        return (key is OTHERS, sort_key(label(key)), key or 0)

    by_year = [
        DonorYear(label(key), year, r(amounts[0]), r(amounts[1]))
        for (year, key), amounts in sorted(yearly.items(), key=lambda i: (i[0][0], order(i[0][1])))
    ]
    by_donor = [
        DonorBalance(label(key), r(a[0]), r(a[1]), r(a[0] - a[2]))
        for key, a in sorted(donor.items(), key=lambda i: order(i[0]))
    ]

    kinds = {s.OUTGOING_COMMITMENT: 0, s.DISBURSEMENT: 1, s.EXPENDITURE: 2}
    countries: dict[str, list[Decimal]] = defaultdict(lambda: [zero, zero, zero])
    for flow in s.grant_flows(fund, as_of):
        countries[flow.country][kinds[flow.type]] += flow.base
    transfers = sorted(
        (
            CountryTransfers(iso2, country_name(iso2, iso2), r(a[0]), r(a[1]), r(a[2]))
            for iso2, a in countries.items()
        ),
        key=lambda row: (sort_key(row.country), row.iso2),
    )

    def total(rows, index: int) -> Decimal:
        return r(sum((amounts[index] for amounts in rows), zero))

    return OpenData(
        fund=fund,
        as_of=as_of,
        currency=currency,
        by_year=by_year,
        by_donor=by_donor,
        transfers=transfers,
        committed=total(donor.values(), 0),
        deposited=total(donor.values(), 1),
        outstanding=r(sum((a[0] - a[2] for a in donor.values()), zero)),
        transferred=total(countries.values(), 0),
        advanced=total(countries.values(), 1),
        settled=total(countries.values(), 2),
    )
