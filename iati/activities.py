"""The fund's IATI 2.03 activity file: the fund as one activity reported by
its administering organisation (docs/iati.md maps every element).

Written in English (``xml:lang="en"``) whatever the language active, with
the fund's name and description also in every language staff entered them
in (one ``<narrative xml:lang>`` each, as IATI allows). Travel
grants appear only as sums by the delegates' country (``iati.selectors``);
donors are named only when they chose to be listed publicly.
"""

from __future__ import annotations

import datetime
import html
import io
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from lxml import etree

from donors.models import DonorKind
from fundmgr.chart import AccountKey
from fundmgr.models import Fund
from iati import selectors as s
from iati.xml import VERSION, XML_LANG, amount_text, narrated, reporting_org, stamp, sub
from reports.services.statement import ledger_lines

#: OrganisationType codes for the kinds of donor (IATI codelist OrganisationType).
ORGANISATION_TYPE: dict[str, str] = {
    DonorKind.MEMBER_STATE: "10",  # Government
    DonorKind.UN_ENTITY: "40",  # Multilateral
    DonorKind.INTERGOVERNMENTAL: "40",
    DonorKind.FINANCIAL_INSTITUTION: "40",
    DonorKind.NGO: "21",  # International NGO
    DonorKind.CIVIL_SOCIETY: "22",  # National NGO
    DonorKind.ACADEMIA: "80",  # Academic, Training and Research
    DonorKind.SCIENTIFIC: "80",
    DonorKind.PRIVATE_SECTOR: "70",  # Private Sector
    DonorKind.PHILANTHROPIC: "60",  # Foundation
    DonorKind.INDIVIDUAL: "90",  # Other
}
GOVERNMENT = "10"

#: ActivityStatus and ActivityDateType codes used.
IMPLEMENTATION, FINALISATION = "2", "3"
ACTUAL_START, PLANNED_END = "2", "3"
#: OrganisationRole codes.
FUNDING, ACCOUNTABLE, IMPLEMENTING = "1", "2", "4"


def activity_identifier(fund: Fund) -> str:
    """The reporting organisation's identifier, then the fund's code."""
    return f"{settings.FUNDMGR_IATI_REPORTING_ORG_REF}-{fund.code}"


def _donor_org(parent, tag: str, donor: s.DonorOrg | None, **attributes) -> None:
    if donor is not None and donor.listed:
        narrated(
            parent,
            tag,
            donor.name,
            ref=donor.iati_identifier,
            type=ORGANISATION_TYPE.get(donor.kind, "90"),
            **attributes,
        )
    else:
        narrated(parent, tag, _("A donor not listed publicly"), **attributes)


def _our_org(parent, tag: str) -> None:
    narrated(
        parent,
        tag,
        settings.FUNDMGR_IATI_REPORTING_ORG_NAME,
        ref=settings.FUNDMGR_IATI_REPORTING_ORG_REF,
        type=settings.FUNDMGR_IATI_REPORTING_ORG_TYPE,
    )


def country_shares(flows: list[s.Flow]) -> list[tuple[str, Decimal]]:
    """Each recipient country's share (%) of the travel grants committed,
    to two decimals, summing to exactly 100 (largest remainders get the cents)."""
    committed: dict[str, Decimal] = defaultdict(Decimal)
    for flow in flows:
        if flow.type == s.OUTGOING_COMMITMENT and flow.country:
            committed[flow.country] += flow.base
    total = sum(committed.values(), Decimal(0))
    if total <= 0:
        return []
    cent = Decimal("0.01")
    exact = {code: amount * 100 / total for code, amount in committed.items()}
    shares = {code: share.quantize(cent, rounding=ROUND_DOWN) for code, share in exact.items()}
    left = int((Decimal(100) - sum(shares.values())) / cent)
    for code in sorted(exact, key=lambda c: (shares[c] - exact[c], c))[:left]:
        shares[code] += cent
    return sorted(shares.items())


def _status(fund: Fund, as_of: datetime.date) -> str:
    """Finalisation once every event has ended and no commitment is open
    (the commitments' balance read from the ledger's day totals, as the
    product rule reads its figures, not summed from the fund's legs)."""
    _first, last = s.event_dates(fund)
    if last is not None and last < as_of:
        if not ledger_lines(fund, as_of).within.get(AccountKey.COMMITMENTS):
            return FINALISATION
    return IMPLEMENTATION


def _texts() -> dict[str, str]:
    """The transactions' descriptions, translated once per file (gettext on
    every one of 100,000 transactions was a fifth of the file's time)."""
    return {
        s.INCOMING_COMMITMENT: _("Binding pledge to the fund"),
        s.INCOMING_FUNDS: _("Contribution received"),
        REDUCED: _("Binding pledge reduced (cancelled or redated)"),
        s.OUTGOING_COMMITMENT: _(
            "Travel grants committed for delegates of %(country)s (sum of the day)"
        ),
        s.DISBURSEMENT: _("Travel advances paid to delegates of %(country)s (sum of the day)"),
        s.EXPENDITURE: _("Travel claims settled for delegates of %(country)s (sum of the day)"),
        DELEGATES: _("Delegates of %(country)s"),
    }


REDUCED, DELEGATES = "reduced", "delegates"


def _parties(flow: s.Flow, donors, countries, texts) -> list[etree._Element]:
    """A transaction's description, provider and receiver, built detached."""
    holder = etree.Element("transaction")
    if flow.type in (s.INCOMING_COMMITMENT, s.INCOMING_FUNDS):
        narrated(holder, "description", texts[REDUCED if flow.value < 0 else flow.type])
        _donor_org(holder, "provider-org", donors.get(flow.donor_id))
        _our_org(holder, "receiver-org")
    else:
        country = countries.get(flow.country, flow.country)
        narrated(holder, "description", texts[flow.type] % {"country": country})
        _our_org(holder, "provider-org")
        narrated(holder, "receiver-org", texts[DELEGATES] % {"country": country})
    return list(holder)


#: A transaction's first three elements, at its place in the file (two
#: spaces a level, as lxml's pretty print), up to its amount. Only codes, ISO
#: dates and currency codes go in: nothing to escape but the currency, which
#: is escaped all the same.
_HEAD = (
    "    <transaction>\n"
    '      <transaction-type code="{type}"/>\n'
    '      <transaction-date iso-date="{date}"/>\n'
    '      <value currency="{currency}" value-date="{value_date}">'
)


def _transactions(flows: list[s.Flow], donors, countries):
    """Each flow's ``transaction`` as the file's bytes. Its description,
    provider and receiver depend only on its type, sign and donor or
    country: serialised by lxml once for each and reused (building and
    serialising them for each of 100,000 transactions was most of the
    file's own time); its first elements depend only on its type, dates and
    currency (a few thousand in a year): made once for each too."""
    texts = _texts()
    parties: dict[tuple, bytes] = {}
    heads: dict[tuple, bytes] = {}
    for flow in flows:
        key = (flow.type, flow.value < 0, flow.donor_id, flow.country)
        made = parties.get(key)
        if made is None:
            holder = etree.Element("transaction")
            holder.extend(_parties(flow, donors, countries, texts))
            etree.indent(holder, level=2)
            text = etree.tostring(holder, encoding="utf-8")
            made = parties[key] = b"</value>" + text.removeprefix(b"<transaction>") + b"\n"
        where = (flow.type, flow.date, flow.currency, flow.value_date)
        head = heads.get(where)
        if head is None:
            head = heads[where] = _HEAD.format(
                type=flow.type,
                date=flow.date.isoformat(),
                currency=html.escape(flow.currency),
                value_date=flow.value_date.isoformat(),
            ).encode()
        yield head + amount_text(flow.value, flow.currency).encode() + made


def write_activities(
    fund: Fund,
    out,
    as_of: datetime.date | None = None,
    *,
    generated: datetime.datetime | None = None,
    flows: list[s.Flow] | None = None,
) -> int:
    """Write the activity file of ``fund`` with every transaction up to
    ``as_of`` (default today) into the binary file ``out``; ``generated``: the
    time written in it (default now); ``flows``: ``selectors.all_flows(fund,
    as_of)`` when the caller has read them. Returns the number of transactions.

    Streamed: the elements before the transactions are built as a small
    tree, then each transaction is written as it comes, so memory does not
    grow with the number of transactions (the whole tree of 100,000 took
    about 400 MB)."""
    as_of = as_of or timezone.localdate()
    generated = generated or timezone.now()
    if flows is None:
        flows = s.all_flows(fund, as_of)
    donors = s.donors_named(flow.donor_id for flow in flows)
    shares = country_shares(flows)
    countries = s.country_names(
        [flow.country for flow in flows] + [code for code, _share in shares]
    )
    count = 0
    with translation.override("en"):
        root = etree.Element(
            "iati-activities", {"version": VERSION, "generated-datetime": stamp(generated)}
        )
        activity = sub(
            root,
            "iati-activity",
            last_updated_datetime=stamp(generated),
            default_currency=fund.base_currency,
        )
        activity.set(XML_LANG, "en")
        sub(activity, "iati-identifier", activity_identifier(fund))
        reporting_org(activity)
        narrated(activity, "title", fund.name, fund.name_i18n)
        if fund.description.strip():
            narrated(
                activity, "description", fund.description.strip(), fund.description_i18n, type="1"
            )
        else:
            narrated(activity, "description", fund.name, fund.name_i18n, type="1")
        _participants(activity, fund, donors)
        sub(activity, "activity-status", code=_status(fund, as_of))
        _dates(activity, fund, flows, as_of)
        for code, share in shares:
            narrated(
                activity,
                "recipient-country",
                countries.get(code, code),
                code=code,
                percentage=f"{share:f}",
            )
        # The elements before the transactions, serialised by lxml and cut
        # where the transactions go (before the activity's closing tag).
        etree.indent(root)
        text = etree.tostring(root, xml_declaration=True, encoding="utf-8")
        head, tail = text.rsplit(b"</iati-activity>", 1)
        out.write(head.removesuffix(b"  "))
        for transaction in _transactions(flows, donors, countries):
            out.write(transaction)
            count += 1
        out.write(b"  </iati-activity>" + tail + b"\n")
    return count


def build_activities(
    fund: Fund,
    as_of: datetime.date | None = None,
    *,
    generated: datetime.datetime | None = None,
    flows: list[s.Flow] | None = None,
) -> etree._ElementTree:
    """The activity file ``write_activities`` writes, read back as a tree."""
    out = io.BytesIO()
    write_activities(fund, out, as_of, generated=generated, flows=flows)
    out.seek(0)
    return etree.parse(out, etree.XMLParser(remove_blank_text=True, resolve_entities=False))


def _participants(activity, fund: Fund, donors: dict[int, s.DonorOrg]) -> None:
    listed = sorted(
        (donor for donor in donors.values() if donor.listed), key=lambda d: d.name.casefold()
    )
    for donor in listed:
        _donor_org(activity, "participating-org", donor, role=FUNDING)
    if any(not donor.listed for donor in donors.values()):
        narrated(
            activity, "participating-org", _("Other donors (not listed publicly)"), role=FUNDING
        )
    for role in (ACCOUNTABLE, IMPLEMENTING):
        narrated(
            activity,
            "participating-org",
            settings.FUNDMGR_IATI_REPORTING_ORG_NAME,
            ref=settings.FUNDMGR_IATI_REPORTING_ORG_REF,
            type=settings.FUNDMGR_IATI_REPORTING_ORG_TYPE,
            role=role,
        )
    for _code, name in s.host_countries(fund):
        narrated(
            activity,
            "participating-org",
            _("Government of %(country)s (host country)") % {"country": name},
            type=GOVERNMENT,
            role=IMPLEMENTING,
        )


def _dates(activity, fund: Fund, flows: list[s.Flow], as_of: datetime.date) -> None:
    first_event, last_event = s.event_dates(fund)
    started = min((flow.date for flow in flows), default=None)
    start = min(d for d in (started, first_event, fund.created_at.date()) if d is not None)
    sub(activity, "activity-date", type=ACTUAL_START, iso_date=start.isoformat())
    if last_event is not None:
        sub(activity, "activity-date", type=PLANNED_END, iso_date=last_event.isoformat())
