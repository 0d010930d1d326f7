"""A person's own e-mail notifications page (fundmgr.views_notices): the
language of their e-mails and, per kind their roles receive, at once, in a
daily digest or never. Only their own; refused to roles that receive none;
bad input is refused with a message and saves nothing. The language they
sign in with becomes their e-mails' language until they choose one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fundmgr.models import NoticePreference, NoticeSettings
from fundmgr.roles import Role
from fundmgr.services.notices import language_of, remember_language

pytestmark = pytest.mark.django_db

URL = reverse("notification-preferences")
AWAITS = "kind-grant-awaits-you"


@pytest.fixture(autouse=True)
def quick_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def approver(make_user):
    return make_user("approver", Role.APPROVING_OFFICER)


def signed_in(client, user):
    client.force_login(user)
    return client


def test_an_approver_sees_their_kinds_with_the_defaults_and_the_site_language(client, approver):
    response = signed_in(client, approver).get(URL, HTTP_ACCEPT_LANGUAGE="fr")
    form = response.context["form"]
    assert response.status_code == 200
    assert form.initial["language"] == "fr"  # none stored: the one they use the site in
    assert form.initial[AWAITS] == "at_once"
    assert "kind-nomination-changed" not in form.fields  # a focal point's


def test_saving_stores_the_language_and_each_choice(client, approver):
    response = signed_in(client, approver).post(URL, {"language": "ar", AWAITS: "digest"})
    assert response.status_code == 302
    assert language_of(approver) == "ar"
    assert NoticePreference.objects.get(user=approver).delivery == "digest"


@pytest.mark.parametrize(
    "data",
    [
        {"language": "xx", AWAITS: "digest"},
        {"language": "en", AWAITS: "hourly"},
        {"language": "en"},
        {},
    ],
)
def test_bad_input_is_refused_with_a_message_and_saves_nothing(client, approver, data):
    response = signed_in(client, approver).post(URL, data)
    assert response.status_code == 400
    assert "problem" in response.content.decode()  # the error summary
    assert not NoticeSettings.objects.exists() and not NoticePreference.objects.exists()


def test_a_choice_for_a_kind_not_theirs_is_ignored(client, approver):
    signed_in(client, approver).post(
        URL, {"language": "en", AWAITS: "never", "kind-nomination-changed": "never"}
    )
    assert list(NoticePreference.objects.values_list("kind", flat=True)) == ["grant-awaits-you"]


def test_the_page_only_ever_changes_the_signed_in_persons_own(client, approver, make_user):
    other = make_user("other-approver", Role.APPROVING_OFFICER)
    signed_in(client, approver).post(
        URL, {"language": "ru", AWAITS: "never", "user": other.pk, "user_id": other.pk}
    )
    assert not NoticeSettings.objects.filter(user=other).exists()
    assert not NoticePreference.objects.filter(user=other).exists()


def test_a_donor_is_told_their_receipts_always_go(client, make_user):
    donor = make_user("donor-account", Role.DONOR)
    html = signed_in(client, donor).get(URL).content.decode()
    assert "Always sent:" in html and "Thank-you for each payment received" in html


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMINISTRATOR])
def test_a_role_that_receives_no_notice_is_refused(client, make_user, role):
    assert signed_in(client, make_user("someone", role)).get(URL).status_code == 403


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_signing_in_keeps_the_sites_language_as_the_mails_until_one_is_chosen(client, approver):
    response = client.post(
        reverse("login"),
        {"username": "approver", "password": "pw-for-tests-only"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 302
    assert language_of(approver) == "es"

    remember_language(approver, "fr")  # a later sign-in in French changes nothing
    assert language_of(approver) == "es"


def test_an_unknown_language_is_not_remembered(approver):
    remember_language(approver, "tlh")
    assert not NoticeSettings.objects.exists()
    assert language_of(approver) == "en"
