"""Confirmation e-mails (the link asking the owner of an address to confirm a
pledge) are capped per address per hour, as sign-in links are: a stranger
changing client address cannot flood an inbox (issue 10, point 2)."""

from django.core import mail
from django.test import Client
from django.urls import reverse

from donors.models import Pledge
from donors.services import online
from tests.donor_fixtures import *  # noqa: F403 - appeal, fresh_rate_limit
from tests.donor_fixtures import form_data


def test_one_address_gets_at_most_five_confirmation_emails_an_hour_whoever_pledges(
    appeal, django_capture_on_commit_callbacks
):
    for i in range(8):  # eight different clients, each under its own limit
        client = Client(REMOTE_ADDR=f"10.0.1.{i}")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("pledge", args=[appeal.slug]),
                form_data(email="Alice@example.org", checkout_token=f"form-{i}"),
            )
        assert response.status_code == 302  # the pledge is recorded all the same
    assert Pledge.objects.count() == 8
    assert len(mail.outbox) == 5
    assert online.CONFIRMATIONS_PER_ADDRESS_PER_HOUR == 5
    assert {m.to[0].lower() for m in mail.outbox} == {"alice@example.org"}
    # Another address is not held back by Alice's cap.
    with django_capture_on_commit_callbacks(execute=True):
        Client(REMOTE_ADDR="10.0.2.1").post(
            reverse("pledge", args=[appeal.slug]),
            form_data(email="bob@example.org", checkout_token="form-bob"),
        )
    assert mail.outbox[-1].to == ["bob@example.org"]
