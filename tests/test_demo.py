"""The BAPA+40 demo loads completely and loading it twice changes nothing."""

import datetime

from django.contrib.auth.models import User
from django.core.management import call_command

from fundmgr.models import AuditRecord, Event, ExchangeRate, Fund, JournalEntry, Leg
from fundmgr.roles import Role


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (User, Fund, Event, ExchangeRate, JournalEntry, Leg, AuditRecord)
    }


def test_load_demo_twice_changes_nothing(db):
    call_command("load_demo", verbosity=0)
    first = counts()
    call_command("load_demo", verbosity=0)
    assert counts() == first
    assert first["Fund"] == 1 and first["Event"] == 1


def test_demo_has_a_user_for_every_role_and_the_bapa40_programme(db):
    call_command("load_demo", verbosity=0)
    for role in Role.values:
        assert User.objects.filter(groups__name=role).exists(), role
    event = Event.objects.get(code="BAPA40")
    assert event.fund.code == "UNFSSC"
    assert (event.starts_on, event.ends_on) == (
        datetime.date(2019, 3, 20),
        datetime.date(2019, 3, 22),
    )
    assert event.city == "Buenos Aires" and event.country.iso2 == "AR"
    assert event.max_funded_per_country == 2
    # Resolution 71/318 para 1 c: three days, six sessions, closing plenary on the 22nd.
    assert event.sessions.count() == 6
    assert event.sessions.filter(kind="closing", date=datetime.date(2019, 3, 22)).exists()


def test_demo_rates_cover_the_conference_months_and_are_marked_illustrative(db):
    call_command("load_demo", verbosity=0)
    march = ExchangeRate.objects.filter(effective_date=datetime.date(2019, 3, 1))
    assert march.filter(currency="EUR").exists() and march.filter(currency="ARS").exists()
    assert not ExchangeRate.objects.filter(illustrative=False).exists()


def test_the_demo_publishes_its_iati_files_at_their_public_addresses(db, client):
    call_command("load_demo", verbosity=0)
    response = client.get("/iati/UNFSSC/activities.xml")
    assert response.status_code == 200
    assert b"<iati-activities" in response.content
    assert client.get("/iati/UNFSSC/organisation.xml").status_code == 200
