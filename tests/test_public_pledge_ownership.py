"""An anonymous pledge never writes into an existing donor's record; it is the
donor's only once the owner of the address confirms it, or finance attaches
it (issue 10, point 2; docs/donors.md, "Whose pledge is it")."""

import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from donors.models import Donor, Pledge
from donors.payments.services import pledge_by_card
from donors.services import online
from donors.services.pledges import find_or_create_donor
from donors.services.receipts import record_receipt
from fundmgr.models import AuditRecord, Country
from fundmgr.money import Money
from fundmgr.roles import Role
from tests.donor_fixtures import *  # noqa: F403 - the appeal fixture
from tests.donor_fixtures import form_data
from tests.test_donor_account import sign_in_by_link


@pytest.fixture
def alice(db):
    """An existing donor, listed as she chose, anonymous for this test: not listed."""
    return find_or_create_donor(
        name="Alice Real",
        kind="individual",
        email="alice@example.org",
        country=Country.objects.get(iso2="AR"),
    )


def pledge_as_stranger(client, appeal, capture, **fields):
    with capture(execute=True):
        response = client.post(
            reverse("pledge", args=[appeal.slug]),
            form_data(
                email="ALICE@example.org",
                name="Mallory Impostor",
                kind="ngo",
                country="NP",
                listed_publicly="on",
                **fields,
            ),
        )
    assert response.status_code == 302
    return Pledge.objects.latest("id")


def confirmation_link(message):
    return re.search(r"https?://\S+/confirm/\S+", message.body).group(0)


def test_an_anonymous_pledge_with_a_donors_address_changes_nothing_of_theirs(
    client, appeal, alice, django_capture_on_commit_callbacks
):
    pledge = pledge_as_stranger(client, appeal, django_capture_on_commit_callbacks)
    alice.refresh_from_db()
    assert (alice.name, alice.kind, alice.country.iso2, alice.listed_publicly) == (
        "Alice Real",
        "individual",
        "AR",
        False,
    )
    assert pledge.donor == alice and not pledge.confirmed
    assert (pledge.typed_name, pledge.typed_kind, pledge.typed_country.iso2) == (
        "Mallory Impostor",
        "ngo",
        "NP",
    )
    assert pledge.typed_email == "ALICE@example.org" and pledge.wants_listing
    # The e-mail asks to confirm; it greets the name typed, tells nothing of Alice's record.
    (message,) = mail.outbox
    assert "confirm" in message.subject.lower() and "Alice Real" not in message.body
    assert "Mallory Impostor" in message.body


def test_an_unconfirmed_pledge_is_not_on_the_donors_page_nor_their_public_listing(
    client, appeal, alice, django_capture_on_commit_callbacks
):
    alice.listed_publicly = True
    alice.save()
    pledge = pledge_as_stranger(client, appeal, django_capture_on_commit_callbacks)
    stranger = client
    assert "Alice Real" not in stranger.get(reverse("appeal", args=[appeal.slug])).content.decode()
    owner = Client()
    sign_in_by_link(owner, "alice@example.org")
    assert pledge.reference not in owner.get(reverse("donor-home")).content.decode()
    letter = owner.get(reverse("acknowledgement-letter", args=[pledge.reference]))
    assert letter.status_code == 404
    thanks = owner.get(reverse("pledge-thanks", args=[pledge.reference]))
    assert thanks.status_code == 404


def test_the_owner_confirms_with_the_button_on_the_page_the_link_opens(
    client, appeal, alice, django_capture_on_commit_callbacks
):
    pledge = pledge_as_stranger(client, appeal, django_capture_on_commit_callbacks)
    link = confirmation_link(mail.outbox[0])
    page = client.get(link)  # a mail scanner opening it confirms nothing
    assert page.status_code == 200 and "Confirm my pledge" in page.content.decode()
    pledge.refresh_from_db()
    assert not pledge.confirmed
    client.post(link)
    pledge.refresh_from_db()
    assert pledge.confirmed and pledge.confirmed_at is not None
    alice.refresh_from_db()
    assert alice.name == "Alice Real" and not alice.listed_publicly  # confirming changes no record
    assert AuditRecord.objects.filter(action="pledge:confirmed", target_id=str(pledge.pk)).exists()


def test_a_confirmation_link_expires(
    client, appeal, alice, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.DONOR_PLEDGE_CONFIRMATION_DAYS = 14
    pledge = pledge_as_stranger(client, appeal, django_capture_on_commit_callbacks)
    link = confirmation_link(mail.outbox[0])
    real_loads = signing.loads
    monkeypatch.setattr(
        online.signing,
        "loads",
        lambda token, **kw: real_loads(token, **{**kw, "max_age": -1}),  # i.e. 15 days later
    )
    assert client.post(link).status_code == 404
    pledge.refresh_from_db()
    assert not pledge.confirmed


def test_finance_attaches_an_unconfirmed_pledge_with_an_audit_record(
    client, appeal, alice, make_user, django_capture_on_commit_callbacks
):
    pledge = pledge_as_stranger(client, appeal, django_capture_on_commit_callbacks)
    client.force_login(make_user("finance", Role.FINANCE_OFFICER))
    page = client.get(reverse("finance-pledge", args=[appeal.fund.code, pledge.reference]))
    assert "Mallory Impostor" in page.content.decode()  # what was typed, for finance to judge
    url = reverse("finance-pledge-attach", args=[appeal.fund.code, pledge.reference])
    client.post(url, {"note": "Alice confirmed by telephone"})
    pledge.refresh_from_db()
    assert pledge.confirmed
    record = AuditRecord.objects.get(action="pledge:confirmed", target_id=str(pledge.pk))
    assert "Alice confirmed by telephone" in record.reason


def test_an_auditor_cannot_attach_a_pledge(
    client, appeal, alice, make_user, django_capture_on_commit_callbacks
):
    pledge = pledge_as_stranger(client, appeal, django_capture_on_commit_callbacks)
    client.force_login(make_user("auditor", Role.AUDITOR))
    url = reverse("finance-pledge-attach", args=[appeal.fund.code, pledge.reference])
    assert client.post(url, {"note": "x"}).status_code == 403
    pledge.refresh_from_db()
    assert not pledge.confirmed


def test_a_signed_in_donor_pledges_as_themselves_and_the_pledge_is_theirs_at_once(
    client, appeal, alice, django_capture_on_commit_callbacks
):
    sign_in_by_link(client, "alice@example.org")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("pledge", args=[appeal.slug]),
            form_data(email="alice@example.org", name="Alice Real", listed_publicly="on"),
        )
    pledge = Pledge.objects.get()
    assert pledge.donor == alice and pledge.confirmed
    assert pledge.reference in client.get(reverse("donor-home")).content.decode()
    alice.refresh_from_db()
    assert not alice.listed_publicly  # the listing is changed on her page, not by the form
    assert "Dear Alice Real" in mail.outbox[0].body


def test_only_the_signed_in_donor_changes_their_listing_from_their_page(client, alice):
    sign_in_by_link(client, "alice@example.org")
    client.post(reverse("donor-listing"), {"listed_publicly": "on"})
    alice.refresh_from_db()
    assert alice.listed_publicly
    assert AuditRecord.objects.filter(action="donor:listing-changed").count() == 1
    client.logout()
    client.post(reverse("donor-listing"), {})
    alice.refresh_from_db()
    assert alice.listed_publicly  # anonymous: sent to sign in, nothing changed


def test_money_for_an_unconfirmed_pledge_is_recorded_and_kept_off_the_donors_page(
    client, appeal, alice, admin_user, django_capture_on_commit_callbacks
):
    pledge = pledge_as_stranger(client, appeal, django_capture_on_commit_callbacks)
    receipt = record_receipt(
        fund=appeal.fund,
        donor=pledge.donor,
        pledge=pledge,
        amount=Money("250", "USD"),
        value_date=timezone.localdate(),
        by=admin_user,
    )
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PAID  # the ledger works as for any pledge
    assert "Alice Real" not in mail.outbox[-1].body  # the receipt e-mail names no record
    owner = Client()
    sign_in_by_link(owner, "alice@example.org")
    assert receipt.number not in owner.get(reverse("donor-home")).content.decode()
    pdf = owner.get(reverse("receipt-letter-pdf", args=[receipt.number]))
    assert pdf.status_code == 404


def test_a_card_pledge_with_a_donors_address_leaves_their_record_alone(appeal, alice):
    payment = pledge_by_card(
        checkout_token="card-form-1",
        appeal=appeal,
        name="Mallory Impostor",
        kind="ngo",
        email="alice@example.org",
        country=None,
        amount=Money("50", "USD"),
        listed_publicly=True,
    )
    alice.refresh_from_db()
    assert payment.pledge.donor == alice and not payment.pledge.confirmed
    assert alice.name == "Alice Real" and not alice.listed_publicly
    assert Donor.objects.count() == 1


def test_a_new_address_makes_its_donor_from_what_was_typed_but_the_pledge_awaits_confirmation(
    client, appeal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pledge", args=[appeal.slug]), form_data(email="new@example.org"))
    pledge = Pledge.objects.get()
    assert pledge.donor.name == "Giver" and not pledge.confirmed
    thanks = client.get(reverse("pledge-thanks", args=[pledge.reference])).content.decode()
    assert "asks you to confirm the pledge" in thanks
