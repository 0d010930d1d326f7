"""Fund, appeal, event and session names and descriptions, and a fund's bank
instructions, are entered per language by staff and read in the reader's
language, falling back to English (fundmgr.translated)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from fundmgr.models import Country, Event, EventSession, Fund
from fundmgr.roles import Role
from fundmgr.translated import in_language
from tests.api.helpers import bearer, issue
from tests.test_admin_audit import admin_client_for, form_data_of  # noqa: F401


@pytest.fixture
def event(fund):
    event = Event.objects.create(
        code="CONF19",
        name="Test conference",
        fund=fund,
        starts_on=datetime.date(2019, 3, 20),
        ends_on=datetime.date(2019, 3, 22),
        city="Buenos Aires",
        country=Country.objects.get(iso2="AR"),
        eligibility_date=datetime.date(2019, 3, 20),
    )
    EventSession.objects.create(
        event=event,
        date=datetime.date(2019, 3, 20),
        starts_at=datetime.time(10),
        ends_at=datetime.time(13),
        kind=EventSession.Kind.PLENARY,
        title="Opening plenary",
    )
    return event


def test_a_name_reads_in_the_active_language_and_falls_back_to_english(fund):
    fund.name_i18n = {"fr": "Fonds d’affectation spéciale d’essai", "zh-hans": "测试信托基金"}
    fund.save()
    fund = Fund.objects.get(pk=fund.pk)
    with translation.override("fr"):
        assert fund.name == "Fonds d’affectation spéciale d’essai"
        assert str(fund) == "TESTF – Fonds d’affectation spéciale d’essai"
    with translation.override("zh-hans"):
        assert fund.name == "测试信托基金"
    for language in ("en", "es", "ar", "ru"):  # none entered: English
        with translation.override(language):
            assert fund.name == "Test trust fund"
    assert in_language("Test", {"fr": ""}, "fr") == "Test"  # a blank one: English


def test_saving_while_reading_french_keeps_the_english_in_its_column(fund):
    fund.name_i18n = {"fr": "Fonds d’essai"}
    fund.save()
    with translation.override("fr"):
        fund = Fund.objects.get(pk=fund.pk)
        fund.full_clean()
        fund.save()
    assert Fund.objects.values_list("name", flat=True).get(pk=fund.pk) == "Test trust fund"


def test_staff_enter_a_french_name_in_the_admin_and_a_french_reader_sees_it(
    admin_client_for,  # noqa: F811
    client,
    fund,
    event,
    make_user,
):
    url = reverse("admin:fundmgr_event_change", args=[event.pk])
    data = form_data_of(admin_client_for, url)
    data.pop("name_i18n", None)
    data["name_i18n_fr"] = "Conférence d’essai"
    data["name_i18n_ar"] = "مؤتمر الاختبار"
    data["sessions-0-title_i18n_fr"] = "Séance plénière d’ouverture"
    # The admin reads French: the English name it posts back stays English.
    response = admin_client_for.post(url, data, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302, response.content.decode()[:3000]
    stored = Event.objects.get(pk=event.pk)
    assert stored.name_i18n == {"ar": "مؤتمر الاختبار", "fr": "Conférence d’essai"}
    assert Event.objects.values_list("name", flat=True).get(pk=event.pk) == "Test conference"
    assert stored.sessions.get().title_i18n == {"fr": "Séance plénière d’ouverture"}

    # A page: the fund's, with its events and their programme.
    page = client.get(reverse("fund-detail", args=[fund.code]), HTTP_ACCEPT_LANGUAGE="fr")
    text = page.content.decode()
    assert "Conférence d’essai" in text.replace("&#x27;", "’")
    assert "Séance plénière d’ouverture" in text.replace("&#x27;", "’")
    english = client.get(reverse("fund-detail", args=[fund.code]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Test conference" in english.content.decode()
    assert "Conférence" not in english.content.decode()

    # The API answers in the language asked for.
    token = issue(make_user("api-reader", Role.FUND_OFFICER))
    api = bearer(token)
    answer = api.get(reverse("api-events"), HTTP_ACCEPT_LANGUAGE="fr").json()
    assert [row["name"] for row in answer["results"]] == ["Conférence d’essai"]
    assert answer["results"][0]["sessions"][0]["title"] == "Séance plénière d’ouverture"
    answer = api.get(reverse("api-events"), HTTP_ACCEPT_LANGUAGE="es").json()
    assert [row["name"] for row in answer["results"]] == ["Test conference"]


def test_the_admin_refuses_a_translation_longer_than_the_english_may_be(
    admin_client_for,  # noqa: F811
    event,
):
    url = reverse("admin:fundmgr_event_change", args=[event.pk])
    data = form_data_of(admin_client_for, url)
    data.pop("name_i18n", None)
    data["name_i18n_ru"] = "к" * 301
    response = admin_client_for.post(url, data)
    assert response.status_code == 200  # the form again, with its message
    assert Event.objects.get(pk=event.pk).name_i18n is None


def test_the_fund_page_runs_as_many_queries_with_translations_as_without(client, fund, event):
    url = reverse("fund-detail", args=[fund.code])
    client.get(url, HTTP_ACCEPT_LANGUAGE="fr")  # warm the caches
    with CaptureQueriesContext(connection) as plain:
        client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    Fund.objects.filter(pk=fund.pk).update(
        name_i18n={"fr": "Fonds"}, description_i18n={"fr": "Description"}
    )
    Event.objects.filter(pk=event.pk).update(name_i18n={"fr": "Conférence"})
    client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    with CaptureQueriesContext(connection) as translated:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Conférence" in page.content.decode()
    assert len(translated.captured_queries) == len(plain.captured_queries)


def test_bank_instructions_and_an_appeal_read_in_the_readers_language(fund):
    from donors.models import Appeal
    from fundmgr.money import Money

    fund.bank_instructions = "IBAN CH00 0000"
    fund.bank_instructions_i18n = {"es": "IBAN CH00 0000 (en español)"}
    fund.save()
    appeal = Appeal.objects.create(
        fund=fund,
        slug="travel",
        title="Travel of delegates",
        title_i18n={"ru": "Поездки делегатов"},
        purpose="It pays for travel.",
        purpose_i18n={"ru": "Оплачивает поездки."},
        target=Money("1000", "USD"),
    )
    appeal = Appeal.objects.select_related("fund").get(pk=appeal.pk)
    with translation.override("ru"):
        assert (appeal.title, appeal.purpose) == ("Поездки делегатов", "Оплачивает поездки.")
        assert appeal.fund.bank_instructions == "IBAN CH00 0000"  # none in Russian
    with translation.override("es"):
        assert appeal.fund.bank_instructions == "IBAN CH00 0000 (en español)"
        assert appeal.title == "Travel of delegates"


def test_staff_find_each_language_labelled_on_the_appeal_and_fund_admin_pages(
    admin_client_for,  # noqa: F811
    fund,
):
    for url in (reverse("admin:donors_appeal_add"), reverse("admin:fundmgr_fund_add")):
        page = admin_client_for.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        for name in ("title_i18n", "purpose_i18n") if "appeal" in url else ("name_i18n",):
            for language, label in (("ar", "Arabic"), ("zh-hans", "Chinese"), ("fr", "French")):
                assert f'<label for="id_{name}_' in page
                assert f'name="{name}_{language}"' in page
                assert f">{label}</label>" in page
        assert 'lang="ar" dir="rtl"' in page
