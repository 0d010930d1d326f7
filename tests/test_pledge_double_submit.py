"""One rendering of the public pledge form makes at most one pledge: posted
twice, one after the other or at the same moment, the second lands on the
first pledge's thank-you page (issue 10, point 4)."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from donors.models import Pledge
from tests.donor_fixtures import *  # noqa: F403 - the appeal fixture
from tests.donor_fixtures import form_data


def rendered_token(client, appeal) -> str:
    page = client.get(reverse("pledge", args=[appeal.slug]))
    return page.context["form"]["checkout_token"].value()


def test_a_bank_transfer_form_posted_twice_makes_one_pledge_and_one_thanks_page(client, appeal):
    data = form_data(checkout_token=rendered_token(client, appeal))
    first = client.post(reverse("pledge", args=[appeal.slug]), data)
    second = client.post(reverse("pledge", args=[appeal.slug]), data)
    assert Pledge.objects.count() == 1
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert client.get(second.url).status_code == 200


def test_a_schedule_form_posted_twice_makes_one_pledge(client, appeal):
    token = rendered_token(client, appeal)

    def post():
        letter = SimpleUploadedFile("letter.pdf", b"%PDF-1.4 letter", "application/pdf")
        data = form_data(
            checkout_token=token,
            method="schedule",
            amount="1000",
            **{"instalments-0-amount": "1000", "instalments-0-due_date": "2031-01-31"},
        )
        return client.post(reverse("pledge", args=[appeal.slug]), {**data, "letter": letter})

    assert post().url == post().url
    assert Pledge.objects.count() == 1


def test_each_rendering_of_the_form_makes_its_own_pledge(client, appeal):
    for _ in range(2):
        data = form_data(checkout_token=rendered_token(client, appeal))
        client.post(reverse("pledge", args=[appeal.slug]), data)
    assert Pledge.objects.count() == 2


def test_a_repeated_post_does_not_count_against_the_rate_limit(client, appeal):
    data = form_data(checkout_token="one-rendering")
    for _ in range(15):
        assert client.post(reverse("pledge", args=[appeal.slug]), data).status_code == 302
    assert Pledge.objects.count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises every writer, so two posts cannot race",
)
def test_the_same_form_posted_twice_at_the_same_moment_makes_one_pledge(appeal):
    data = form_data(checkout_token="raced-rendering")
    url = reverse("pledge", args=[appeal.slug])
    start = threading.Barrier(4)
    answers: list = [None] * 4

    def post(index):
        try:
            start.wait()
            answers[index] = Client(REMOTE_ADDR=f"10.0.0.{index}").post(url, data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Pledge.objects.count() == 1
    reference = Pledge.objects.get().reference
    assert all(a.status_code == 302 and reference in a.url for a in answers)
