"""Countries are named in the reader's language (CLDR, through Babel) and
sorted as that language sorts, not by code point, which put every country
whose French name starts with "É" after "Zambie"."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from fundmgr.collation import sort_key, sorted_names
from fundmgr.formatting import country_choices
from tests.donor_fixtures import *  # noqa: F403 - the appeal fixture

SOME = [("ZM", "Zambia"), ("EG", "Egypt"), ("ES", "Spain"), ("AE", "United Arab Emirates"),
        ("ET", "Ethiopia"), ("AF", "Afghanistan"), ("CN", "China")]  # fmt: skip


def names(language: str) -> list[str]:
    with translation.override(language):
        return [name for _code, name in country_choices(SOME)]


def test_french_names_with_an_accent_sort_with_their_letter():
    assert names("fr") == [
        "Afghanistan", "Chine", "Égypte", "Émirats arabes unis", "Espagne", "Éthiopie", "Zambie",
    ]  # fmt: skip


def test_spanish_names_sort_with_their_accents_second():
    assert names("es") == [
        "Afganistán", "China", "Egipto", "Emiratos Árabes Unidos", "España", "Etiopía", "Zambia",
    ]  # fmt: skip


def test_russian_arabic_and_chinese_names_sort_in_their_own_order():
    assert names("ru")[:3] == ["Афганистан", "Египет", "Замбия"]
    # Arabic: hamza forms of alef sort with alef; "مصر" (Egypt) near the end.
    assert names("ar")[0] == "أفغانستان"
    assert names("ar")[-1] == "مصر"
    # Chinese by pinyin, as CLDR's default: a-fu-han, ai-ji, ... zhong-guo.
    assert names("zh-hans") == [
        "阿富汗", "阿拉伯联合酋长国", "埃及", "埃塞俄比亚", "西班牙", "赞比亚", "中国",
    ]  # fmt: skip


@settings(deadline=None)  # the first example reads the collation table
@given(st.lists(st.text(max_size=12), max_size=20), st.sampled_from(["en", "fr", "ru", "zh-hans"]))
def test_sorting_keeps_every_name_and_orders_them_by_their_keys(texts, language):
    pairs = list(enumerate(texts))
    ordered = sorted_names(pairs, language)
    assert sorted(ordered) == sorted(pairs)
    keys = [sort_key(text, language) for _i, text in ordered]
    assert keys == sorted(keys)


@pytest.mark.django_db
def test_the_pledge_form_lists_countries_in_french_and_in_french_order(client, appeal):
    response = client.get(reverse("pledge", args=[appeal.slug]), headers={"accept-language": "fr"})
    body = response.content.decode()
    select = body[body.index('name="country"') :]
    select = select[: select.index("</select>")]
    shown = re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>', select)
    assert "Égypte" in shown and "Zambie" in shown and "Egypt" not in shown
    assert shown.index("Égypte") < shown.index("Espagne") < shown.index("Zambie")
    assert shown == sorted(shown, key=lambda name: sort_key(name, "fr"))
