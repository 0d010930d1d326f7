"""The fund's name and description, entered in other languages by staff,
are in the activity file as IATI's multilingual narratives, which still
validate against the IATI 2.03 schema."""

from __future__ import annotations

# ruff: noqa: F401, F811
from fundmgr.models import Fund
from iati.activities import build_activities
from iati.schemas import ACTIVITIES, schema_problems
from tests.iati.conftest import books

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def narratives(element) -> list[tuple[str | None, str]]:
    return [(each.get(XML_LANG), each.text) for each in element.findall("narrative")]


def test_the_title_and_description_carry_a_narrative_per_language_entered(books, fund):
    fund.name_i18n = {"fr": "Fonds d’essai", "zh-hans": "测试基金", "ar": "صندوق الاختبار"}
    fund.description = "A fund for tests."
    fund.description_i18n = {"es": "Un fondo para pruebas.", "ru": "  "}
    fund.save()
    tree = build_activities(fund)
    assert schema_problems(tree, ACTIVITIES) == []
    activity = tree.getroot().find("iati-activity")
    assert activity.get(XML_LANG) == "en"
    english = Fund.objects.values_list("name", flat=True).get(pk=fund.pk)
    assert narratives(activity.find("title")) == [
        (None, english),
        ("ar", "صندوق الاختبار"),
        ("fr", "Fonds d’essai"),
        ("zh", "测试基金"),  # IATI's Language codelist: ISO 639-1
    ]
    assert narratives(activity.find("description")) == [
        (None, "A fund for tests."),
        ("es", "Un fondo para pruebas."),  # a blank translation is left out
    ]


def test_without_translations_the_file_has_one_narrative_each_as_before(books, fund):
    tree = build_activities(fund)
    activity = tree.getroot().find("iati-activity")
    assert len(activity.findall("title/narrative")) == 1
    assert len(activity.findall("description/narrative")) == 1
