"""Donors told they can set a password can: from their page, with Django's
validators, then sign in with it on the ordinary sign-in page (issue 10,
point 6 of the issue; docs/security.md)."""

import pytest
from django.urls import reverse

from donors.services.pledges import find_or_create_donor
from tests.test_donor_account import sign_in_by_link

GOOD = "violet-harbour-kettle-91"


@pytest.fixture
def alice(db):
    return find_or_create_donor(name="Alice", kind="individual", email="alice@example.org")


def test_a_donor_sets_a_password_on_their_page_and_signs_in_with_it(client, alice):
    sign_in_by_link(client, "alice@example.org")
    page = client.get(reverse("donor-home")).content.decode()
    assert "Set a password" in page
    response = client.post(
        reverse("donor-password"), {"new_password1": GOOD, "new_password2": GOOD}
    )
    assert response.status_code == 302
    assert client.session.get("_auth_user_id")  # still signed in after the change
    client.logout()
    signed_in = client.post(
        reverse("login") + "?next=" + reverse("donor-home"),
        {"username": "alice@example.org", "password": GOOD},
    )
    assert signed_in.status_code == 302 and signed_in.url == reverse("donor-home")


def test_a_weak_password_is_refused_with_the_validators_message(client, alice):
    sign_in_by_link(client, "alice@example.org")
    response = client.post(
        reverse("donor-password"), {"new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 400
    assert "This password is too common." in response.content.decode()
    alice.refresh_from_db()
    assert not alice.user.has_usable_password()


def test_changing_a_password_asks_for_the_current_one(client, alice):
    sign_in_by_link(client, "alice@example.org")
    client.post(reverse("donor-password"), {"new_password1": GOOD, "new_password2": GOOD})
    other = "amber-lantern-quiet-27"
    refused = client.post(
        reverse("donor-password"),
        {"old_password": "wrong", "new_password1": other, "new_password2": other},
    )
    assert refused.status_code == 400
    alice.refresh_from_db()
    assert alice.user.check_password(GOOD)


def test_nobody_signed_out_can_set_a_donors_password(client, alice):
    response = client.post(reverse("donor-password"), {"new_password1": GOOD})
    assert response.status_code == 302 and reverse("login") in response.url


def test_a_refused_password_change_focuses_the_summary_alone_and_the_page_never_jumps(
    client, alice
):
    from tests.accessible import error_focused, page_of

    sign_in_by_link(client, "alice@example.org")
    client.post(reverse("donor-password"), {"new_password1": GOOD, "new_password2": GOOD})
    fresh = client.get(reverse("donor-home"), HTTP_ACCEPT_LANGUAGE="en")
    assert page_of(fresh).xpath("//*[@autofocus]") == []  # the page opens at its top

    refused = client.post(
        reverse("donor-password"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400
    error_focused(refused, "error-summary")
