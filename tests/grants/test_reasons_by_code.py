"""Sentences the product keeps (eligibility reasons, why a routing was chosen,
why an action was refused) are stored as a code and its values, and shown
in the reader's language; those stored as text before are read back into
codes by a data migration where they can be, and shown as they are otherwise."""

from __future__ import annotations

import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from fundmgr.models import AuditRecord, Country
from fundmgr.roles import Role
from fundmgr.sentences import Sentence, render
from grants import sentences
from grants.models import Grant
from grants.services.eligibility import assess
from grants.services.entitlement import choose_among

migration = importlib.import_module("grants.migrations.0011_reasons_by_code")


def in_language(language: str, stored) -> str:
    with translation.override(language):
        return render(stored)


def test_eligibility_reasons_are_stored_as_codes_and_read_in_each_readers_language(
    make_grant, event
):
    grant = make_grant(country="NP")
    with translation.override("fr"):  # a French officer nominates
        grant.eligibility_reasons = assess(event, Country.objects.get(iso2="NP")).stored()
    grant.save()
    grant.refresh_from_db()
    assert grant.eligibility_reasons[0] == {
        "code": "eligibility.ldc",
        "params": {"country": "NP", "day": "2019-03-20", "event": "CONF19"},
    }
    with translation.override("en"):
        english = grant.eligibility_reasons_shown
    with translation.override("fr"):
        french = grant.eligibility_reasons_shown
    assert english[0].startswith("Nepal was on the UN list of least developed countries")
    assert french[0].startswith("Népal")  # the country named in French too
    assert french != english


def test_the_grant_page_shows_the_reasons_in_the_readers_language(client, make_grant, event):
    grant = make_grant(country="NP")
    grant.eligibility_reasons = [Sentence(sentences.LDC_ONLY, {"event": "CONF19"}).data()]
    grant.save()
    client.force_login(grant.nominated_by)
    url = reverse("grant-detail", args=[event.code, grant.reference])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "CONF19 funds delegates of least developed countries only" in english
    with translation.override("fr"):
        expected = translation.gettext(
            "%(event)s funds delegates of least developed countries only: not eligible."
        ) % {"event": "CONF19"}
    assert expected != "CONF19 funds delegates of least developed countries only: not eligible."
    assert expected.replace("’", "&#x27;") in french or expected in french


def _quote(route, fare, hours, pk):
    return SimpleNamespace(
        route=route, base_amount=Decimal(fare), travel_hours=Decimal(hours), pk=pk
    )


def test_the_routing_note_is_a_code_with_its_values_read_in_two_languages():
    choice = choose_among(
        [_quote("KTM-DXB-EZE", "1800", "26", 1), _quote("KTM-DEL-DOH-EZE", "1500", "29.9", 2)],
        Decimal(4),
    )
    stored = choice.reason.data()
    assert stored["code"] == "routing.cheapest"
    assert stored["params"]["route"] == "KTM-DEL-DOH-EZE"
    english, french = in_language("en", stored), in_language("fr", stored)
    assert "least costly routing, KTM-DEL-DOH-EZE" in english
    assert "KTM-DEL-DOH-EZE" in french and french != english
    with translation.override("fr"):
        assert (
            french
            == translation.gettext(
                "The least costly routing, %(route)s (%(fare)s, %(hours)s h), is chosen: it adds "
                "%(extra)s h to the most direct one (%(direct_route)s, %(direct_hours)s h), less "
                "than the %(tolerance)s h that would justify a costlier, more direct routing."
            )
            % stored["params"]
        )


def test_a_refusal_is_audited_by_code_and_read_in_the_auditors_language(client, make_user, event):
    focal = make_user("focal-nowhere", Role.FOCAL_POINT)  # a focal point of no country
    client.force_login(focal)
    url = reverse("grants-nominations", args=[event.code])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")  # refused in French
    assert response.status_code == 403
    record = AuditRecord.objects.filter(action="refused").latest("id")
    assert record.data["why"] == {"code": "refused.not-a-focal-point", "params": {}}
    assert record.reason == "You are not the focal point for any country."  # English, for grep
    with translation.override("fr"):
        assert record.why_shown == "Vous n’êtes le point focal d’aucun pays."
    with translation.override("en"):
        assert record.why_shown == "You are not the focal point for any country."


def test_a_role_refusal_is_audited_by_code(client, make_user, fund):
    focal = make_user("focal-on-the-books", Role.FOCAL_POINT)
    client.force_login(focal)
    response = client.get(reverse("finance-register", args=[fund.code]), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 403
    record = AuditRecord.objects.filter(action="refused").latest("id")
    assert record.data["why"] == {"code": "refused.role", "params": {}}
    with translation.override("en"):
        english = record.why_shown
    with translation.override("es"):
        spanish = record.why_shown
    assert english == record.reason and spanish != english


def test_a_refusal_said_as_text_stays_as_it_was_said():
    record = AuditRecord(reason="Ce texte reste tel quel.", data={})
    with translation.override("en"):
        assert record.why_shown == "Ce texte reste tel quel."


# --- The data migration -----------------------------------------------------------


def test_the_migration_reads_known_sentences_back_into_codes_and_keeps_the_rest(make_grant):
    with translation.override("fr"):
        french_reason = translation.gettext(
            "%(country)s was on the UN list of least developed countries on %(day)s, "
            "the eligibility date of %(event)s: first priority."
        ) % {"country": "Népal", "day": "2019-03-20", "event": "CONF19"}
    typed = "Nepal was a least developed country on 20 March 2019: first priority."
    parsed = make_grant(country="NP")
    Grant.objects.filter(pk=parsed.pk).update(
        eligibility_reasons=[french_reason, typed],
        routing_note="KTM-DOH-EZE (USD 924.00, 31.5 h) is both the least costly and the most "
        "direct of the 3 quotes.",
    )
    kept = make_grant(country="NP")
    Grant.objects.filter(pk=kept.pk).update(
        routing_note="KTM-DOH-EZE is 3.5 hours longer than the most direct routing."
    )

    migration.to_codes(apps, None)

    parsed.refresh_from_db()
    assert parsed.eligibility_reasons == [
        {
            "code": "eligibility.ldc",
            "params": {"country": "NP", "day": "2019-03-20", "event": "CONF19"},
        },
        typed,  # no sentence of ours: kept as it was written
    ]
    assert parsed.routing_note == ""
    assert parsed.routing_reason == {
        "code": "routing.cheapest-and-most-direct",
        "params": {"route": "KTM-DOH-EZE", "fare": "USD 924.00", "hours": "31.5", "count": 3},
    }
    with translation.override("en"):
        assert parsed.eligibility_reasons_shown[0].startswith("Nepal was on the UN list")
        assert parsed.routing_shown.startswith("KTM-DOH-EZE (USD 924.00, 31.5 h) is both")
    kept.refresh_from_db()
    assert kept.routing_reason is None
    assert kept.routing_shown == "KTM-DOH-EZE is 3.5 hours longer than the most direct routing."


def test_the_migration_undone_writes_the_codes_out_in_english(make_grant):
    grant = make_grant(country="NP")
    Grant.objects.filter(pk=grant.pk).update(
        eligibility_reasons=[Sentence(sentences.DEVELOPED).data()],
        routing_reason=Sentence(
            sentences.ONLY_QUOTE, {"route": "A-B", "fare": "USD 1.00", "hours": "2"}
        ).data(),
    )
    migration.to_text(apps, None)
    grant.refresh_from_db()
    assert grant.eligibility_reasons[0].startswith("It is a developed economy")
    assert grant.routing_note == "Only one quote was entered: A-B, USD 1.00, 2 h."
    assert grant.routing_reason is None


def test_a_sentence_with_an_unknown_code_is_refused_when_made():
    with pytest.raises(ValueError):
        Sentence("no.such.sentence")


def test_a_stored_code_this_version_does_not_know_shows_its_kept_text():
    assert render({"code": "gone.away", "params": {}, "text": "As it was."}) == "As it was."
