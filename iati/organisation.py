"""The IATI 2.03 organisation file of the fund's administering organisation
(docs/iati.md): who it is, and what it spent through the fund each
calendar year, as the financial statement has it (its line for travel
expenditure, read from the ledger's day totals as the statement reads it,
without the statement's donors and pledges)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone, translation
from lxml import etree

from fundmgr.chart import AccountKey
from fundmgr.models import Fund
from iati.xml import VERSION, XML_LANG, narrated, reporting_org, stamp, sub, value
from reports.services.statement import ledger_lines


def expenditure_years(fund: Fund, as_of: datetime.date):
    """(first day, last day, the statement's travel expenditure) for each
    calendar year from the fund's first entry to ``as_of``; the last year
    ends at ``as_of``."""
    first = fund.entries.posted().filter(date__lte=as_of).order_by("date").first()
    if first is None:
        return
    for year in range(first.date.year, as_of.year + 1):
        start = datetime.date(year, 1, 1)
        end = min(datetime.date(year, 12, 31), as_of)
        yield start, end, ledger_lines(fund, end, start).line(AccountKey.TRAVEL_EXPENDITURE)


def build_organisation(
    fund: Fund, as_of: datetime.date | None = None, *, generated: datetime.datetime | None = None
) -> etree._ElementTree:
    as_of = as_of or timezone.localdate()
    generated = generated or timezone.now()
    with translation.override("en"):
        root = etree.Element(
            "iati-organisations", {"version": VERSION, "generated-datetime": stamp(generated)}
        )
        organisation = sub(
            root,
            "iati-organisation",
            last_updated_datetime=stamp(generated),
            default_currency=fund.base_currency,
        )
        organisation.set(XML_LANG, "en")
        sub(organisation, "organisation-identifier", settings.FUNDMGR_IATI_REPORTING_ORG_REF)
        narrated(organisation, "name", settings.FUNDMGR_IATI_REPORTING_ORG_NAME)
        reporting_org(organisation)
        for start, end, spent_in_year in expenditure_years(fund, as_of):
            spent = sub(organisation, "total-expenditure")
            sub(spent, "period-start", iso_date=start.isoformat())
            sub(spent, "period-end", iso_date=end.isoformat())
            value(spent, "value", spent_in_year.amount, fund.base_currency, end)
    return etree.ElementTree(root)
