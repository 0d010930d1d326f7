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
