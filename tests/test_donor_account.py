"""A donor signs in by e-mail link and sees their own pledges, and only theirs."""

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from donors.services.pledges import find_or_create_donor, record_pledge
from donors.services.receipts import record_receipt
from fundmgr.money import Money


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


def pledge_for(fund, donor, admin_user, amount="100"):
    return record_pledge(
        fund=fund,
        donor=donor,
        amount=Money(amount, "USD"),
        pledge_date=datetime.date(2019, 3, 1),
        method="bank_transfer",
        by=admin_user,
    )


@pytest.fixture
def alice(db):
    return find_or_create_donor(name="Alice", kind="individual", email="alice@example.org")


@pytest.fixture
def bob(db):
    return find_or_create_donor(name="Bob", kind="individual", email="bob@example.org")


def sign_in_by_link(client, email):
    """Ask for the link, open it, press its button (opening alone signs nobody in)."""
    client.post(reverse("donor-sign-in"), {"email": email})
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    client.get(link)
    return client.post(link), link


def test_a_donor_signs_in_by_the_emailed_link_and_sees_their_pledges_and_receipts(
    client, fund, alice, admin_user
):
    pledge = pledge_for(fund, alice, admin_user)
    record_receipt(
        fund=fund,
        donor=alice,
        pledge=pledge,
        amount=Money("40", "USD"),
        value_date=datetime.date(2019, 3, 10),
        by=admin_user,
    )
    response, _link = sign_in_by_link(client, "ALICE@example.org")
    assert response.status_code == 302 and response.url == reverse(
        "my-work"
    )  # where everyone lands
    page = client.get(reverse("donor-home")).content.decode()
    assert pledge.reference in page and "TESTF-2019-000001" in page
    assert "$60.00" in page  # still to pay


def test_a_sign_in_link_works_only_once(client, fund, alice):
    _response, link = sign_in_by_link(client, "alice@example.org")
    client.logout()
    again = client.post(link)
    assert "wrong, used or expired" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db):
    response = client.post(reverse("donor-sign-in"), {"email": "nobody@example.org"})
    assert "If this address belongs to a donor" in response.content.decode()
    assert not mail.outbox


def test_a_donor_never_sees_another_donors_pledge_or_letter(client, fund, alice, bob, admin_user):
    theirs = pledge_for(fund, bob, admin_user, amount="999")
    sign_in_by_link(client, "alice@example.org")
    assert theirs.reference not in client.get(reverse("donor-home")).content.decode()
    letter = client.get(reverse("acknowledgement-letter", args=[theirs.reference]))
    assert letter.status_code == 404


def test_the_acknowledgement_letter_downloads_as_a_file(client, fund, alice, admin_user):
    pledge = pledge_for(fund, alice, admin_user)
    sign_in_by_link(client, "alice@example.org")
    url = reverse("acknowledgement-letter", args=[pledge.reference])
    response = client.get(url + "?download=1")
    assert response["Content-Disposition"] == f'attachment; filename="{pledge.reference}.html"'
    assert "We acknowledge with thanks your pledge of $100.00" in response.content.decode()


def test_staff_without_a_donor_record_cannot_open_the_donor_page(client, make_user):
    client.force_login(make_user("officer", "fund_officer"))
    assert client.get(reverse("donor-home")).status_code == 403


def test_the_donor_page_runs_the_same_queries_for_2_or_12_pledges(client, fund, alice, admin_user):
    for _ in range(2):
        pledge_for(fund, alice, admin_user)
    sign_in_by_link(client, "alice@example.org")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("donor-home"))
    for _ in range(10):
        pledge_for(fund, alice, admin_user)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("donor-home"))
    assert len(many) == len(few)
