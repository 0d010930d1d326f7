"""Whether a country's delegates may be funded for an event, and why.

First priority: the country was on the UN list of least developed countries
on the event's eligibility date (``Country.ldc_status_on``). Second priority,
only when the event allows it (``Event.funds_other_developing``): any other
developing country. The reference data has no list of developing countries,
so every country that is not a developed economy counts as developing; the
developed economies are :data:`DEVELOPED_ECONOMIES`, kept here and nowhere
else. Anything else is not eligible. Each answer carries its reasons as
sentences in the reader's language, stored on the grant.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from fundmgr.formatting import country_name
from fundmgr.models import Country, Event, LdcStatus
from grants.models import Priority

#: Developed economies: the UN M49 standard's "developed regions" (UN
#: Statistics Division, https://unstats.un.org/unsd/methodology/m49/, the
#: designation as published until 2021): Europe, Northern America, Australia,
#: New Zealand and Japan, with Israel, which UN DESA's World Economic Situation
#: and Prospects also counts among developed economies. ISO 3166 alpha-2 codes.
DEVELOPED_ECONOMIES: frozenset[str] = frozenset(
    {
        # Eastern Europe
        *("BY", "BG", "CZ", "HU", "PL", "MD", "RO", "RU", "SK", "UA"),
        # Northern Europe
        *("AX", "DK", "EE", "FO", "FI", "GG", "IS", "IE", "IM", "JE", "LV", "LT", "NO"),
        *("SJ", "SE", "GB"),
        # Southern Europe
        *("AL", "AD", "BA", "HR", "GI", "GR", "VA", "IT", "MT", "ME", "MK", "PT", "SM"),
        *("RS", "SI", "ES"),
        # Western Europe
        *("AT", "BE", "FR", "DE", "LI", "LU", "MC", "NL", "CH"),
        # Northern America
        *("BM", "CA", "GL", "PM", "US"),
        # Australia and New Zealand, Japan, Israel
        *("AU", "NZ", "JP", "IL"),
    }
)


@dataclass(frozen=True)
class Eligibility:
    priority: int
    ldc: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return self.priority != Priority.NOT_ELIGIBLE

    @property
    def label(self) -> str:
        return str(Priority(self.priority).label)

    def refusal(self) -> str:
        """One sentence for a refused nomination: the reasons, joined."""
        return " ".join(self.reasons)


def is_developed(country: Country) -> bool:
    return country.iso2.upper() in DEVELOPED_ECONOMIES


def _in_force(status: LdcStatus, day: datetime.date) -> bool:
    # The same rule as LdcStatusQuerySet.in_force_on, on rows already loaded.
    return (status.included_on is None or status.included_on <= day) and (
        status.graduated_on is None or status.graduated_on > day
    )


def judge(event: Event, country: Country, statuses: Iterable[LdcStatus]) -> Eligibility:
    """The assessment from the country's LDC periods (already loaded): no query."""
    day = event.eligibility_date
    name = country_name(country)
    values = {"country": name, "day": day.isoformat(), "event": event.code}
    statuses = list(statuses)
    current = next((status for status in statuses if _in_force(status, day)), None)
    if current is not None:
        reasons = [
            _(
                "%(country)s was on the UN list of least developed countries on %(day)s, "
                "the eligibility date of %(event)s: first priority."
            )
            % values
        ]
        if current.graduated_on is not None:
            reasons.append(
                _("Its graduation from the list is due on %(graduation)s, after that date.")
                % {"graduation": current.graduated_on.isoformat()}
            )
        return Eligibility(Priority.LDC, True, reasons)

    graduated = max(
        (s.graduated_on for s in statuses if s.graduated_on and s.graduated_on <= day),
        default=None,
    )
    if graduated is not None:
        reasons = [
            _(
                "%(country)s was no longer a least developed country on %(day)s, the "
                "eligibility date of %(event)s: it graduated from the list on %(graduation)s."
            )
            % {**values, "graduation": graduated.isoformat()}
        ]
    else:
        reasons = [
            _(
                "%(country)s was not on the UN list of least developed countries on %(day)s, "
                "the eligibility date of %(event)s."
            )
            % values
        ]
    if is_developed(country):
        reasons.append(
            _(
                "It is a developed economy (UN M49 developed regions), whose delegates "
                "the fund does not pay for: not eligible."
            )
        )
        return Eligibility(Priority.NOT_ELIGIBLE, False, reasons)
    if event.funds_other_developing:
        reasons.append(
            _(
                "%(event)s also funds other developing countries after the least developed "
                "ones: second priority."
            )
            % values
        )
        return Eligibility(Priority.OTHER_DEVELOPING, False, reasons)
    reasons.append(
        _("%(event)s funds delegates of least developed countries only: not eligible.") % values
    )
    return Eligibility(Priority.NOT_ELIGIBLE, False, reasons)


def assess(event: Event, country: Country) -> Eligibility:
    """Is ``country`` eligible for ``event``, with which priority, and why."""
    return judge(event, country, country.ldc_statuses.all())


def assess_many(event: Event, countries: Iterable[Country]) -> dict[str, Eligibility]:
    """``assess`` for many countries with one query, keyed by ISO alpha-2 code."""
    countries = list(countries)
    periods: dict[str, list[LdcStatus]] = defaultdict(list)
    for status in LdcStatus.objects.filter(country__in=countries):
        periods[status.country_id].append(status)
    return {country.iso2: judge(event, country, periods[country.iso2]) for country in countries}
