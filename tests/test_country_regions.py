"""Every country carries its UN M49 region, for the grant queue's region filter."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.functional import Promise

from fundmgr.models import Country, LdcStatus
from fundmgr.models.countries import Region
from fundmgr.reference import load_countries


@pytest.mark.parametrize(
    ("iso2", "region"),
    [
        ("NP", Region.ASIA),
        ("HT", Region.AMERICAS),
        ("VU", Region.OCEANIA),
        ("MW", Region.AFRICA),
        ("FR", Region.EUROPE),
        ("AR", Region.AMERICAS),
        ("YE", Region.ASIA),  # Western Asia, not a separate "Middle East"
        ("CX", Region.OCEANIA),  # Christmas Island: Australia and New Zealand in M49
        ("IO", Region.AFRICA),  # British Indian Ocean Territory: Eastern Africa in M49
        ("GB", Region.EUROPE),
        ("GR", Region.EUROPE),
    ],
)
def test_a_country_is_in_its_un_m49_region(db, iso2, region):
    assert Country.objects.get(iso2=iso2).region == region


def test_every_country_but_antarctica_has_a_region(db):
    without = list(Country.objects.filter(region="").values_list("iso2", flat=True))
    assert without == ["AQ"]  # M49 puts Antarctica in no region
    assert Country.objects.exclude(region="").count() == 248
    assert set(Country.objects.values_list("region", flat=True)) == set(Region.values) | {""}


def test_every_ldc_of_march_2019_has_a_region_and_none_is_in_europe(db):
    ldcs = Country.objects.filter(ldc_statuses__in=LdcStatus.objects.all()).distinct()
    regions = set(ldcs.values_list("region", flat=True))
    assert "" not in regions and Region.EUROPE not in regions
    assert regions == {Region.AFRICA, Region.AMERICAS, Region.ASIA, Region.OCEANIA}


def test_loading_the_reference_data_again_restores_a_changed_region(db):
    Country.objects.filter(iso2="NP").update(region=Region.EUROPE)
    assert load_countries(Country) == 0
    assert Country.objects.get(iso2="NP").region == Region.ASIA


def test_region_names_are_marked_for_translation(db):
    # Lazy labels: the page shows each region in the reader's language once catalogued.
    assert all(isinstance(label, Promise) for label in Region.labels)
    with translation.override("en"):
        assert Country.objects.get(iso2="NP").get_region_display() == "Asia"
