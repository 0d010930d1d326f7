"""Eligibility on the event's eligibility date: LDCs first, other developing
countries second when the event allows it, developed economies never."""

import datetime

import pytest
from django.utils import translation

from fundmgr.models import Country
from grants.models import Priority
from grants.services.eligibility import DEVELOPED_ECONOMIES, assess, assess_many


def on(event, day: str, *, others: bool = False):
    event.eligibility_date = datetime.date.fromisoformat(day)
    event.funds_other_developing = others
    return event


def country(iso2: str) -> Country:
    return Country.objects.get(iso2=iso2)


def test_bhutan_is_first_priority_in_2019(event):
    result = assess(on(event, "2019-03-20"), country("BT"))
    assert result.priority == Priority.LDC and result.ldc and result.eligible
    assert (
        "Bhutan was on the UN list of least developed countries on 2019-03-20"
        in (result.reasons[0])
    )
    assert "2023-12-13" in result.reasons[1]  # its graduation to come is mentioned


def test_bhutan_the_day_before_and_the_day_of_its_graduation(event):
    assert assess(on(event, "2023-12-12"), country("BT")).ldc
    result = assess(on(event, "2023-12-13"), country("BT"))
    assert not result.ldc and result.priority == Priority.NOT_ELIGIBLE
    assert "graduated from the list on 2023-12-13" in result.reasons[0]
    assert "least developed countries only: not eligible" in result.reasons[-1]


def test_bhutan_after_graduation_is_second_priority_when_the_event_funds_other_developing(event):
    result = assess(on(event, "2024-06-01", others=True), country("BT"))
    assert result.priority == Priority.OTHER_DEVELOPING and not result.ldc
    assert "second priority" in result.reasons[-1]


@pytest.mark.parametrize(
    ("day", "others", "priority"),
    [
        ("2019-03-20", False, Priority.LDC),
        ("2020-12-03", False, Priority.LDC),
        ("2020-12-04", False, Priority.NOT_ELIGIBLE),
        ("2020-12-04", True, Priority.OTHER_DEVELOPING),
        ("2023-01-01", False, Priority.NOT_ELIGIBLE),
    ],
)
def test_vanuatu_around_its_graduation_on_4_december_2020(event, day, others, priority):
    result = assess(on(event, day, others=others), country("VU"))
    assert result.priority == priority
    assert result.ldc == (priority == Priority.LDC)


def test_a_developed_economy_is_never_eligible_even_when_other_developing_countries_are(event):
    result = assess(on(event, "2019-03-20", others=True), country("FR"))
    assert result.priority == Priority.NOT_ELIGIBLE
    assert "developed economy" in result.refusal()


def test_a_developing_country_that_was_never_an_ldc_depends_on_the_event(event):
    assert assess(on(event, "2019-03-20"), country("BO")).priority == Priority.NOT_ELIGIBLE
    assert (
        assess(on(event, "2019-03-20", others=True), country("BO")).priority
        == Priority.OTHER_DEVELOPING
    )


def test_reasons_are_written_in_the_active_language(event):
    with translation.override("fr"):
        french = assess(on(event, "2019-03-20"), country("NP")).reasons
    english = assess(on(event, "2019-03-20"), country("NP")).reasons
    assert "Népal" in french[0]  # the country's name in French, from CLDR
    assert "Nepal" in english[0]


def test_every_developed_economy_is_a_known_country(db):
    known = set(Country.objects.filter(iso2__in=DEVELOPED_ECONOMIES).values_list("iso2", flat=True))
    assert known == DEVELOPED_ECONOMIES
    assert {"US", "JP", "IL", "AU", "NZ", "DE", "RU"} <= DEVELOPED_ECONOMIES
    assert not {"AR", "CN", "NP", "BT", "TR"} & DEVELOPED_ECONOMIES


def test_assess_many_agrees_with_assess_in_one_query(event, django_assert_num_queries):
    on(event, "2021-01-01", others=True)
    countries = list(Country.objects.filter(iso2__in=["BT", "VU", "NP", "FR", "AR"]))
    with django_assert_num_queries(1):
        many = assess_many(event, countries)
    for item in countries:
        assert many[item.iso2] == assess(event, item)


def test_a_maldives_delegate_to_an_event_of_2010_is_first_priority(event):
    # The Maldives graduated on 1 January 2011 (UN DESA CDP).
    result = assess(on(event, "2010-06-01"), country("MV"))
    assert result.priority == Priority.LDC and result.ldc and result.eligible
    assert "2011-01-01" in result.reasons[1]
    assert assess_many(event, [country("MV")])["MV"] == result


@pytest.mark.parametrize(
    ("iso2", "day", "ldc"),
    [
        ("BW", "1994-12-22", True),
        ("BW", "1994-12-24", False),
        ("CV", "2007-12-19", True),
        ("CV", "2007-12-21", False),
        ("MV", "2011-01-01", False),
        ("WS", "2013-12-31", True),
        ("GQ", "2017-06-03", True),
        ("GQ", "2017-06-04", False),
    ],
)
def test_eligibility_around_the_graduations_before_2019(event, iso2, day, ldc):
    result = assess(on(event, day), country(iso2))
    assert result.ldc is ldc
    assert result.priority == (Priority.LDC if ldc else Priority.NOT_ELIGIBLE)
