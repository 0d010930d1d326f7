"""Reference countries and the effective-dated list of least developed countries."""

from __future__ import annotations

import datetime

import pytest

from fundmgr.models import Country, LdcStatus
from fundmgr.reference import load_countries, load_ldc_statuses

LIST_OF_MARCH_2019 = datetime.date(2019, 3, 20)


def country(name: str) -> Country:
    return Country.objects.get(name=name)


def test_all_249_iso_countries_are_loaded(db):
    assert Country.objects.count() == 249
    assert Country.objects.get(iso2="AR").iso3 == "ARG"
    assert Country.objects.get(iso3="BTN").numeric == "064"


def test_47_countries_were_ldcs_on_20_march_2019(db):
    ldcs = Country.objects.ldc_on(LIST_OF_MARCH_2019)
    assert ldcs.count() == 47
    assert len(set(ldcs.values_list("iso2", flat=True))) == 47


def test_bhutan_was_an_ldc_in_2019_and_not_in_2024(db):
    bhutan = country("Bhutan")
    assert bhutan.was_ldc_on(LIST_OF_MARCH_2019)
    assert not bhutan.was_ldc_on(datetime.date(2024, 1, 1))
    assert Country.objects.ldc_on(LIST_OF_MARCH_2019).filter(pk=bhutan.pk).exists()
    assert not Country.objects.ldc_on(datetime.date(2024, 1, 1)).filter(pk=bhutan.pk).exists()


@pytest.mark.parametrize(
    ("day", "is_ldc"),
    [
        (datetime.date(2020, 12, 3), True),
        (datetime.date(2020, 12, 4), False),
        (datetime.date(2021, 1, 1), False),
    ],
)
def test_vanuatu_graduated_on_4_december_2020(db, day, is_ldc):
    vanuatu = country("Vanuatu")
    assert vanuatu.was_ldc_on(day) is is_ldc
    assert Country.objects.ldc_on(day).filter(pk=vanuatu.pk).exists() is is_ldc


def test_vanuatu_graduation_date_is_recorded(db):
    status = LdcStatus.objects.get(country__name="Vanuatu")
    assert status.graduated_on == datetime.date(2020, 12, 4)
    assert status.graduation_confirmed


def test_angola_is_still_an_ldc_in_2030(db):
    angola = country("Angola")
    assert angola.was_ldc_on(datetime.date(2030, 1, 1))
    assert angola.ldc_status_on(datetime.date(2030, 1, 1)) is not None
    assert Country.objects.ldc_on(datetime.date(2030, 1, 1)).filter(pk=angola.pk).exists()


@pytest.mark.parametrize(
    "day", [datetime.date(1990, 1, 1), LIST_OF_MARCH_2019, datetime.date(2030, 1, 1)]
)
def test_argentina_was_never_an_ldc(db, day):
    argentina = country("Argentina")
    assert not argentina.was_ldc_on(day)
    assert argentina.ldc_status_on(day) is None
    assert not Country.objects.ldc_on(day).filter(pk=argentina.pk).exists()


def test_fewer_ldcs_remain_after_graduations(db):
    assert Country.objects.ldc_on(datetime.date(2024, 1, 1)).count() < 47


def test_loading_the_reference_data_twice_changes_nothing(db):
    statuses = LdcStatus.objects.count()
    assert load_countries(Country) == 0
    assert load_ldc_statuses(Country, LdcStatus) == 0
    assert Country.objects.count() == 249
    assert LdcStatus.objects.count() == statuses


# The graduations before the list of March 2019 (UN DESA CDP, "Graduation from
# the LDC category"): each country is an LDC the day before, not on the day.
GRADUATED_BEFORE_2019 = [
    ("BW", datetime.date(1994, 12, 23)),
    ("CV", datetime.date(2007, 12, 20)),
    ("MV", datetime.date(2011, 1, 1)),
    ("WS", datetime.date(2014, 1, 1)),
    ("GQ", datetime.date(2017, 6, 4)),
]


@pytest.mark.parametrize(("iso2", "graduation"), GRADUATED_BEFORE_2019)
def test_a_country_graduated_before_2019_was_an_ldc_until_the_day_before_its_graduation(
    db, iso2, graduation
):
    graduate = Country.objects.get(iso2=iso2)
    day_before = graduation - datetime.timedelta(days=1)
    assert graduate.was_ldc_on(datetime.date(1990, 1, 1))
    assert graduate.was_ldc_on(day_before)
    assert not graduate.was_ldc_on(graduation)
    assert not graduate.was_ldc_on(LIST_OF_MARCH_2019)
    assert Country.objects.ldc_on(day_before).filter(pk=iso2).exists()
    assert not Country.objects.ldc_on(graduation).filter(pk=iso2).exists()
    assert graduate.ldc_status_on(day_before).graduated_on == graduation


@pytest.mark.parametrize(
    ("iso2", "day", "is_ldc"),
    [
        ("BW", datetime.date(1994, 12, 22), True),
        ("BW", datetime.date(1994, 12, 24), False),
        ("CV", datetime.date(2007, 12, 19), True),
        ("CV", datetime.date(2007, 12, 21), False),
        ("MV", datetime.date(2010, 6, 1), True),
        ("WS", datetime.date(2013, 12, 31), True),
        ("GQ", datetime.date(2017, 6, 3), True),
        ("GQ", datetime.date(2017, 6, 5), False),
    ],
)
def test_ldc_status_around_the_graduations_before_2019(db, iso2, day, is_ldc):
    assert Country.objects.get(iso2=iso2).was_ldc_on(day) is is_ldc


def test_every_graduated_country_has_one_period_with_its_source(db):
    for iso2, graduation in GRADUATED_BEFORE_2019:
        (status,) = LdcStatus.objects.filter(country_id=iso2)
        assert status.graduated_on == graduation
        assert "graduated" in status.source


def test_the_list_of_2010_holds_the_later_graduates_and_not_botswana(db):
    ldcs = set(Country.objects.ldc_on(datetime.date(2010, 1, 1)).values_list("iso2", flat=True))
    assert {"CV", "BW"}.isdisjoint(ldcs)
    assert {"MV", "WS", "GQ", "VU", "BT", "ST"} <= ldcs


def test_a_database_loaded_before_the_graduations_were_added_gets_them_on_reload(db):
    # What migration 0009 does for a database migrated with the older file.
    LdcStatus.objects.filter(country_id__in=[iso2 for iso2, _ in GRADUATED_BEFORE_2019]).delete()
    assert not Country.objects.get(iso2="MV").was_ldc_on(datetime.date(2010, 6, 1))
    assert load_ldc_statuses(Country, LdcStatus) == 5
    assert Country.objects.get(iso2="MV").was_ldc_on(datetime.date(2010, 6, 1))
