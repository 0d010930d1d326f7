"""The donor's e-mailed sign-in link opens a donor's account and nothing else
(issue 10, point 1; docs/security.md)."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from donors.models import Donor
from donors.services import signin
from donors.services.pledges import find_or_create_donor
from donors.services.signin import SignInLinkTokens, account_for
from fundmgr.roles import Role
from tests.donor_fixtures import *  # noqa: F403 - the appeal fixture
from tests.donor_fixtures import form_data


def ask_for_link(client, email):
    return client.post(reverse("donor-sign-in"), {"email": email})


def the_link():
    return re.search(r"https?://\S+", mail.outbox[-1].body).group(0)


def signed_in_as(client):
    return client.session.get("_auth_user_id")


@pytest.fixture
def staff(make_user):
    """The administrator, whose address someone types on the public form."""
    user = make_user("chief", Role.ADMINISTRATOR)
    user.email = "chief@un.example"
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def test_a_pledge_with_a_staff_address_then_a_sign_in_request_mails_no_link_and_adds_no_role(
    client, appeal, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("pledge", args=[appeal.slug]),
            form_data(email="Chief@UN.example", name="Not the chief"),
        )
    mail.outbox.clear()
    response = ask_for_link(client, "chief@un.example")
    assert response.status_code == 200
    assert not mail.outbox  # no link exists that could sign in as the administrator
    staff.refresh_from_db()
    assert set(staff.groups.values_list("name", flat=True)) == {Role.ADMINISTRATOR}
    assert Donor.objects.get(email__iexact="chief@un.example").user_id is None
    assert signed_in_as(client) is None


def test_an_account_sharing_a_donors_address_is_never_linked_to_the_donor(db, make_user):
    officer = make_user("officer", Role.FINANCE_OFFICER)  # officer@example.org
    donor = find_or_create_donor(name="Officer", kind="individual", email="OFFICER@example.org")
    assert account_for(donor) is None
    donor.refresh_from_db()
    assert donor.user_id is None
    assert not officer.groups.filter(name=Role.DONOR).exists()


def test_a_link_already_sent_signs_nobody_in_once_the_account_has_another_role(client, db):
    donor = find_or_create_donor(name="Alice", kind="individual", email="alice@example.org")
    ask_for_link(client, "alice@example.org")
    link = the_link()
    donor.refresh_from_db()
    donor.user.groups.add(Group.objects.get(name=Role.FINANCE_OFFICER))
    response = client.post(link)
    assert "wrong, used or expired" in response.content.decode()
    assert signed_in_as(client) is None


def test_opening_the_link_neither_signs_in_nor_uses_it_up_the_button_does(client, db):
    find_or_create_donor(name="Alice", kind="individual", email="alice@example.org")
    ask_for_link(client, "alice@example.org")
    link = the_link()
    for _ in range(2):  # a mail scanner, then the donor
        page = client.get(link)
        assert page.status_code == 200 and signed_in_as(client) is None
        assert 'method="post"' in page.content.decode()
    response = client.post(link)
    assert response.status_code == 302 and response.url == reverse(
        "my-work"
    )  # where everyone lands
    assert signed_in_as(client) is not None


def test_the_link_expires_after_the_setting_and_the_email_says_so_in_words(
    client, db, settings, monkeypatch
):
    settings.DONOR_SIGN_IN_LINK_MINUTES = 30
    settings.PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # Django's own, much longer, expiry
    find_or_create_donor(name="Alice", kind="individual", email="alice@example.org")
    ask_for_link(client, "alice@example.org")
    assert "expires 30 minutes after this message was sent" in mail.outbox[-1].body
    link = the_link()
    sent = SignInLinkTokens()._now()
    later = sent + datetime.timedelta(minutes=31)
    monkeypatch.setattr(SignInLinkTokens, "_now", lambda self: later)
    response = client.post(link)
    assert "wrong, used or expired" in response.content.decode()
    assert signed_in_as(client) is None


def test_a_link_made_29_minutes_ago_still_signs_in(client, db, settings, monkeypatch):
    settings.DONOR_SIGN_IN_LINK_MINUTES = 30
    donor = find_or_create_donor(name="Alice", kind="individual", email="alice@example.org")
    path = signin.sign_in_path(account_for(donor))
    later = SignInLinkTokens()._now() + datetime.timedelta(minutes=29)
    monkeypatch.setattr(SignInLinkTokens, "_now", lambda self: later)
    assert client.post(path).status_code == 302
    assert signed_in_as(client) is not None


def _without_csrf(body: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def test_the_answer_is_the_same_for_a_donor_an_unknown_and_a_staff_address(client, db, staff):
    find_or_create_donor(name="Alice", kind="individual", email="alice@example.org")
    answers = []
    for email in ("alice@example.org", "nobody@example.org", "chief@un.example"):
        response = ask_for_link(client, email)
        body = _without_csrf(response.content.decode()).replace(email, "EMAIL")
        page = [t.name for t in response.templates if not t.name.startswith("donors/email/")]
        answers.append((response.status_code, page[0], body))
    assert answers[0] == answers[1] == answers[2]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.org"]


def test_one_address_gets_at_most_five_links_an_hour_whoever_asks(db):
    from django.test import Client

    find_or_create_donor(name="Alice", kind="individual", email="alice@example.org")
    for i in range(8):  # eight different clients, each under its own limit
        answer = Client(REMOTE_ADDR=f"10.0.0.{i}").post(
            reverse("donor-sign-in"), {"email": "alice@example.org"}
        )
        assert answer.status_code == 200
    assert len(mail.outbox) == 5 == signin.LINKS_PER_ADDRESS_PER_HOUR
