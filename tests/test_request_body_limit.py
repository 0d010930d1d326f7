"""A request body larger than its sender may send is refused before it is
read (fundmgr.body_limit): the public pledge form's letter field cannot be
used to fill the server's disk."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from donors.models import Pledge
from fundmgr.roles import Role
from tests.donor_fixtures import *  # noqa: F403 - the appeal fixture


def pledge_with_letter(size: int) -> dict:
    letter = SimpleUploadedFile("letter.pdf", b"%PDF-" + b"x" * size, "application/pdf")
    return {
        "name": "A donor",
        "kind": "individual",
        "email": "a@example.org",
        "amount": "100",
        "currency": "USD",
        "method": "bank_transfer",
        "letter": letter,
    }


def test_an_anonymous_body_above_the_public_limit_is_refused_with_413_and_nothing_saved(
    client, appeal, settings
):
    settings.MAX_PUBLIC_REQUEST_BYTES = 4096
    response = client.post(reverse("pledge", args=[appeal.slug]), pledge_with_letter(20_000))
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert Pledge.objects.count() == 0


def test_the_413_page_says_the_limit_in_megabytes(client, appeal, settings):
    settings.MAX_PUBLIC_REQUEST_BYTES = 2 * 1024 * 1024
    response = client.post(
        reverse("pledge", args=[appeal.slug]), pledge_with_letter(3 * 1024 * 1024)
    )
    assert response.status_code == 413
    assert "at most 2 MB" in response.content.decode()


def test_staff_may_send_more_than_the_public_limit(client, make_user, fund, settings):
    settings.MAX_PUBLIC_REQUEST_BYTES = 4096
    settings.MAX_STAFF_REQUEST_BYTES = 1024 * 1024
    client.force_login(make_user("finance-officer", Role.FINANCE_OFFICER))
    upload = SimpleUploadedFile("rates.csv", b"currency,rate,effective_date\n" + b" " * 20_000)
    response = client.post(reverse("import-rates"), {"file": upload})
    assert response.status_code != 413


def test_staff_are_refused_above_their_own_limit(client, make_user, fund, settings):
    settings.MAX_STAFF_REQUEST_BYTES = 4096
    client.force_login(make_user("finance-officer", Role.FINANCE_OFFICER))
    upload = SimpleUploadedFile("rates.csv", b"currency,rate,effective_date\n" + b" " * 20_000)
    response = client.post(reverse("import-rates"), {"file": upload})
    assert response.status_code == 413
