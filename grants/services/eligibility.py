"""Whether a country's delegates may be funded for an event, and why.

First priority: the country was on the UN list of least developed countries
on the event's eligibility date (``Country.ldc_status_on``). Second priority,
only when the event allows it (``Event.funds_other_developing``): any other
developing country. The reference data has no list of developing countries,
so every country that is not a developed economy counts as developing; the
developed economies are :data:`DEVELOPED_ECONOMIES`, kept here and nowhere
else. Anything else is not eligible. Each answer carries its reasons as
sentences kept by code and values (grants.sentences), stored on the grant
and shown in each reader's language.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from fundmgr.models import Country, Event, LdcStatus
from fundmgr.sentences import Said, Sentence, kept
from grants import sentences
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
    #: Why, as sentences kept by code (grants.sentences), shown in each reader's language.
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return self.priority != Priority.NOT_ELIGIBLE

    @property
    def label(self) -> str:
        return str(Priority(self.priority).label)

    @property
    def reasons(self) -> list[str]:
        """The reasons in the language active."""
        return [str(sentence) for sentence in self.sentences]

    def stored(self) -> list[dict]:
        """The reasons as the grant keeps them (``Grant.eligibility_reasons``)."""
        return [sentence.data() for sentence in self.sentences]

    def refusal(self) -> str:
        """One sentence for a refused nomination: the reasons, joined."""
        return " ".join(self.reasons)

    def refused(self) -> Said:
        """``refusal`` kept by code (an import's problem by line), read in each
        reader's language."""
        said: Said = self.sentences[0] if self.sentences else ""
        for sentence in self.sentences[1:]:
            said = Sentence(sentences.REFUSAL, {"first": kept(said), "then": kept(sentence)})
        return said


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
    values = {"country": country.iso2.upper(), "day": day.isoformat(), "event": event.code}
    statuses = list(statuses)
    current = next((status for status in statuses if _in_force(status, day)), None)
    if current is not None:
        reasons = [Sentence(sentences.LDC, values)]
        if current.graduated_on is not None:
            reasons.append(
                Sentence(sentences.GRADUATION_DUE, {"graduation": current.graduated_on.isoformat()})
            )
        return Eligibility(Priority.LDC, True, reasons)

    graduated = max(
        (s.graduated_on for s in statuses if s.graduated_on and s.graduated_on <= day),
        default=None,
    )
    if graduated is not None:
        reasons = [Sentence(sentences.GRADUATED, {**values, "graduation": graduated.isoformat()})]
    else:
        reasons = [Sentence(sentences.NOT_LDC, values)]
    if is_developed(country):
        reasons.append(Sentence(sentences.DEVELOPED))
        return Eligibility(Priority.NOT_ELIGIBLE, False, reasons)
    if event.funds_other_developing:
        reasons.append(Sentence(sentences.OTHER_DEVELOPING, {"event": event.code}))
        return Eligibility(Priority.OTHER_DEVELOPING, False, reasons)
    reasons.append(Sentence(sentences.LDC_ONLY, {"event": event.code}))
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
