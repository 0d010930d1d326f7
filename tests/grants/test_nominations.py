"""Nominating a delegate: who may, what is checked, what is recorded."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection

from fundmgr.models import AuditRecord, Country
from fundmgr.roles import Role
from grants.models import FocalPoint, Grant, GrantState, GrantTransition, Priority
from grants.services import nominations
from grants.services.nominations import NominationRefused, nominate, person_key

from .conftest import PDF

BEFORE_DEADLINE = datetime.date(2019, 2, 1)


def note(content: bytes = PDF, name: str = "note.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def nominate_one(event, officer):
    def make(by=officer, **overrides) -> Grant:
        values = {
            "nominee_name": "Sita Sharma",
            "nominee_title": "Joint Secretary, Ministry of Foreign Affairs",
            "gender": "female",
            "country": Country.objects.get(iso2="NP"),
            "note_verbale": note(),
            "departure_city": "Kathmandu",
            "departure_airport": "ktm",
            "depart_on": datetime.date(2019, 3, 18),
            "return_on": datetime.date(2019, 3, 23),
            "nominee_email": "sita@example.org",
            "today": BEFORE_DEADLINE,
        }
        values.update(overrides)
        return nominate(event, by, **values)

    return make


@pytest.fixture
def focal(make_user):
    user = make_user("focal", Role.FOCAL_POINT)
    FocalPoint.objects.create(user=user, country=Country.objects.get(iso2="NP"))
    return user


def test_a_fund_officer_nominates_and_the_grant_is_submitted_with_its_eligibility(
    nominate_one, officer
):
    grant = nominate_one()
    grant.refresh_from_db()
    assert grant.reference == "CONF19-0001"
    assert grant.state == GrantState.SUBMITTED
    assert grant.departure_airport == "KTM"
    assert grant.person_key == "sita sharma"
    assert grant.priority == Priority.LDC and grant.ldc_on_eligibility_date
    assert (
        "Nepal was on the UN list of least developed countries"
        in (grant.eligibility_reasons_shown[0])
    )
    assert grant.note_verbale.read().startswith(b"%PDF-")
    transition = GrantTransition.objects.get(grant=grant)
    assert (transition.from_state, transition.to_state, transition.by) == (
        "draft",
        "submitted",
        officer,
    )
    assert AuditRecord.objects.filter(action="grant:nominated", target_id=str(grant.pk)).exists()


def test_submit_false_leaves_a_draft_without_a_transition(nominate_one):
    grant = nominate_one(submit=False)
    assert grant.state == GrantState.DRAFT
    assert not GrantTransition.objects.filter(grant=grant).exists()


def test_references_have_no_gap_when_a_nomination_is_refused(nominate_one):
    nominate_one()
    with pytest.raises(NominationRefused):
        nominate_one(nominee_name="Ram Thapa", note_verbale=note(b"GIF89a"))
    second = nominate_one(nominee_name="Ram Thapa")
    assert second.reference == "CONF19-0002"


def test_a_focal_point_nominates_for_their_country_only(nominate_one, focal):
    assert nominate_one(by=focal).nominated_by == focal
    with pytest.raises(PermissionDenied, match="not the focal point for Bhutan"):
        nominate_one(by=focal, nominee_name="Tashi", country=Country.objects.get(iso2="BT"))


def test_the_focal_point_role_without_a_country_or_another_role_cannot_nominate(
    nominate_one, make_user, approver
):
    lonely = make_user("lonely", Role.FOCAL_POINT)
    for person in (lonely, approver):
        with pytest.raises(PermissionDenied):
            nominate_one(by=person)
    assert Grant.objects.count() == 0


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("José  Pérez", "jose perez"),
        ("JOSÉ PÉREZ.", "José Pérez"),
        ("Ngozi Okonjo-Iweala", "ngozi okonjoiweala"),
    ],
)
def test_the_person_key_folds_case_accents_spaces_and_punctuation(first, second):
    assert person_key(first) == person_key(second)


def test_nobody_is_nominated_twice_for_one_event_whatever_the_spelling(nominate_one):
    nominate_one(nominee_name="José Pérez")
    with pytest.raises(NominationRefused, match="already nominated for CONF19") as refused:
        nominate_one(nominee_name="jose  PEREZ", country=Country.objects.get(iso2="BT"))
    assert "nominee_name" in refused.value.errors
    assert Grant.objects.count() == 1


def test_a_withdrawn_nomination_frees_the_person_and_the_place(nominate_one):
    first = nominate_one()
    Grant.objects.filter(pk=first.pk).update(state=GrantState.WITHDRAWN)
    assert nominate_one().reference == "CONF19-0002"


def test_the_database_constraint_backs_the_duplicate_check_with_the_same_message(
    nominate_one, monkeypatch
):
    """Two nominations of one person at once both pass the friendly check;
    the unique constraint refuses the second, with the same message."""
    nominate_one(nominee_name="José Pérez")
    monkeypatch.setattr(nominations, "_earlier_reference", lambda event, key: None)
    with pytest.raises(NominationRefused) as refused:
        nominate_one(nominee_name="Jose Perez", country=Country.objects.get(iso2="BT"))
    assert refused.value.errors == {
        "nominee_name": ["Jose Perez is already nominated for CONF19 (CONF19-0001)."]
    }
    assert Grant.objects.count() == 1


def test_the_constraint_itself_refuses_a_second_funding(make_grant):
    make_grant(name="Same Person")
    with pytest.raises(IntegrityError):
        make_grant(name="Same Person", country="BT")


def test_the_per_country_cap_refuses_the_third_delegate_naming_country_and_cap(nominate_one):
    nominate_one(nominee_name="One")
    nominate_one(nominee_name="Two")
    with pytest.raises(NominationRefused) as refused:
        nominate_one(nominee_name="Three")
    assert refused.value.errors == {
        "country": [
            "Nepal already has 2 nominations holding a place for CONF19; "
            "the cap is 2 funded delegates per country."
        ]
    }
    assert nominate_one(nominee_name="Three", country=Country.objects.get(iso2="BT"))


def test_nominations_close_after_the_deadline(nominate_one):
    assert nominate_one(today=datetime.date(2019, 2, 28))  # the deadline itself is open
    with pytest.raises(NominationRefused, match="closed on 2019-02-28"):
        nominate_one(nominee_name="Late", today=datetime.date(2019, 3, 1))


def test_a_country_not_eligible_on_the_date_is_refused_with_the_reason(nominate_one, event):
    with pytest.raises(NominationRefused, match="developed economy") as refused:
        nominate_one(country=Country.objects.get(iso2="FR"))
    assert list(refused.value.errors) == ["country"]
    event.eligibility_date = datetime.date(2021, 3, 20)
    with pytest.raises(NominationRefused, match="graduated from the list on 2020-12-04"):
        nominate_one(country=Country.objects.get(iso2="VU"))
    assert Grant.objects.count() == 0


@pytest.mark.parametrize(
    ("depart", "back", "field", "message"),
    [
        ("2019-03-19", "2019-03-17", "return_on", "is before the departure date"),
        ("2019-03-21", "2019-03-23", "depart_on", "between 2019-03-18 and the opening day"),
        ("2019-03-17", "2019-03-23", "depart_on", "between 2019-03-18 and the opening day"),
        ("2019-03-18", "2019-03-21", "return_on", "between the closing day, 2019-03-22"),
        ("2019-03-18", "2019-03-25", "return_on", "and 2019-03-24"),
    ],
)
def test_travel_dates_must_cover_the_event_inside_the_policy_window(
    nominate_one, depart, back, field, message
):
    with pytest.raises(NominationRefused) as refused:
        nominate_one(
            depart_on=datetime.date.fromisoformat(depart),
            return_on=datetime.date.fromisoformat(back),
        )
    assert any(message in text for text in refused.value.errors[field])
    assert Grant.objects.count() == 0


def test_the_widest_window_the_policy_allows_is_accepted(nominate_one):
    grant = nominate_one(depart_on=datetime.date(2019, 3, 18), return_on=datetime.date(2019, 3, 24))
    assert grant.state == GrantState.SUBMITTED


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (None, "note verbale is missing"),
        (note(b"GIF89a not a pdf"), "must be a PDF"),
        (note(b""), "is empty"),
        (note(b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)), "larger than 10 MB"),
    ],
    ids=["missing", "not-pdf", "empty", "too-large"],
)
def test_the_note_verbale_must_be_a_pdf_of_at_most_10_mb(nominate_one, document, message):
    with pytest.raises(NominationRefused, match=message) as refused:
        nominate_one(note_verbale=document)
    assert list(refused.value.errors) == ["note_verbale"]
    assert Grant.objects.count() == 0


def test_every_bad_field_is_reported_at_once(nominate_one):
    with pytest.raises(NominationRefused) as refused:
        nominate_one(
            nominee_name="  ",
            gender="robot",
            departure_airport="KT",
            nominee_email="not-an-address",
            note_verbale=None,
        )
    assert set(refused.value.errors) == {
        "nominee_name",
        "gender",
        "departure_airport",
        "nominee_email",
        "note_verbale",
    }


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; needs PostgreSQL"
)
def test_simultaneous_nominations_never_exceed_the_cap(event, officer):
    import threading

    from django.db import connections

    start = threading.Barrier(4)
    made, refused = [], []

    def run(number):
        try:
            start.wait()
            made.append(
                nominate(
                    event,
                    officer,
                    nominee_name=f"Delegate {number}",
                    nominee_title="Minister",
                    gender="male",
                    country=Country.objects.get(iso2="NP"),
                    note_verbale=note(),
                    departure_city="Kathmandu",
                    departure_airport="KTM",
                    depart_on=datetime.date(2019, 3, 18),
                    return_on=datetime.date(2019, 3, 23),
                    today=BEFORE_DEADLINE,
                )
            )
        except NominationRefused as refusal:
            refused.append(refusal)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 2 and len(refused) == 2
    assert Grant.objects.filter(country="NP").count() == 2
    assert sorted(Grant.objects.values_list("reference", flat=True)) == [
        "CONF19-0001",
        "CONF19-0002",
    ]


def test_a_no_show_frees_its_countrys_place_for_a_replacement(nominate_one):
    first = nominate_one(nominee_name="First Delegate")
    nominate_one(nominee_name="Second Delegate")
    Grant.objects.filter(pk=first.pk).update(state=GrantState.NO_SHOW)

    replacement = nominate_one(nominee_name="Replacement Delegate")

    assert replacement.state == GrantState.SUBMITTED


def test_a_closed_no_show_frees_its_place_too(nominate_one):
    first = nominate_one(nominee_name="First Delegate")
    nominate_one(nominee_name="Second Delegate")
    # Closed after the no-show (no claim, so no actual cost).
    Grant.objects.filter(pk=first.pk).update(state=GrantState.CLOSED)

    assert nominate_one(nominee_name="Replacement Delegate").state == GrantState.SUBMITTED


def test_a_no_show_keeps_the_person_from_a_second_funding(nominate_one):
    first = nominate_one()
    Grant.objects.filter(pk=first.pk).update(state=GrantState.NO_SHOW)

    with pytest.raises(NominationRefused, match="already nominated"):
        nominate_one()
