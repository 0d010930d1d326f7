"""A donor's IATI organisation identifier: a registration agency of the
OrganisationRegistrationAgency codelist, a dash, the organisation's number;
anything else is refused with a message that says what is expected."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from donors.models import Donor
from fundmgr.models import AuditRecord
from iati.identifiers import registration_agency, validate_organisation_identifier


@pytest.mark.parametrize(
    "identifier, agency",
    [
        ("XM-DAC-41114", "XM-DAC"),
        ("GB-COH-01234567", "GB-COH"),
        ("BE-BCE_KBO-0123456789", "BE-BCE_KBO"),
        ("XI-IATI-EBRD", "XI-IATI"),
    ],
)
def test_an_identifier_from_a_known_registration_agency_is_accepted(identifier, agency):
    validate_organisation_identifier(identifier)
    assert registration_agency(identifier) == agency


@pytest.mark.parametrize(
    "identifier, says",
    [
        ("41114", "registration agency"),
        ("XX-NOPE-123", "registration agency"),
        ("XM-DAC", "registration agency"),
        ("XM-DAC-", "registration agency"),
        ("GB-GOVUK-1", "registration agency"),  # withdrawn from the codelist
        ("GB COH 123", "without spaces"),
        ("XM-DAC-41114/1", "without spaces"),
    ],
)
def test_a_bad_identifier_is_refused_with_what_is_expected(identifier, says):
    with pytest.raises(ValidationError) as refused:
        validate_organisation_identifier(identifier)
    message = refused.value.messages[0]
    assert says in message and identifier in message and "XM-DAC-41114" in message


def test_no_identifier_is_fine_it_is_optional():
    validate_organisation_identifier("")


@pytest.mark.django_db
def test_a_donor_with_a_bad_identifier_does_not_validate():
    donor = Donor(name="Somewhere", kind="member_state", email="s@example.org")
    donor.iati_identifier = "DAC-41114"
    with pytest.raises(ValidationError) as refused:
        donor.full_clean()
    assert list(refused.value.message_dict) == ["iati_identifier"]


@pytest.fixture
def admin_client_for(client, make_user):
    user = make_user("site-admin", "administrator")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def _form(donor, identifier):
    return {
        "name": donor.name,
        "kind": donor.kind,
        "country": "",
        "email": donor.email,
        "iati_identifier": identifier,
    }


@pytest.mark.django_db
def test_the_admin_refuses_a_bad_identifier_and_saves_nothing(admin_client_for):
    donor = Donor.objects.create(name="Examplia", kind="member_state", email="e@example.org")
    url = reverse("admin:donors_donor_change", args=[donor.pk])
    response = admin_client_for.post(url, _form(donor, "EXAMPLIA-1"))
    assert response.status_code == 200
    assert "does not start with a registration agency" in response.content.decode()
    assert Donor.objects.get(pk=donor.pk).iati_identifier == ""


@pytest.mark.django_db
def test_the_admin_saves_a_good_identifier_and_audits_it(admin_client_for):
    donor = Donor.objects.create(name="Examplia", kind="member_state", email="e@example.org")
    url = reverse("admin:donors_donor_change", args=[donor.pk])
    response = admin_client_for.post(url, _form(donor, "XM-DAC-7"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Donor.objects.get(pk=donor.pk).iati_identifier == "XM-DAC-7"
    record = AuditRecord.objects.for_object(donor).get(action="admin:changed")
    assert record.data["changes"]["iati_identifier"] == {"before": "", "after": "XM-DAC-7"}
