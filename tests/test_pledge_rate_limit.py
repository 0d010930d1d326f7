"""The public pledge form's rate limit counts only pledges about to be made,
and when it refuses, the form comes back with what was typed and when to try
again (issue 10, point 7, the view part)."""

import re

from django.urls import reverse

from donors.models import Pledge
from donors.views import PLEDGES_PER_HOUR
from tests.donor_fixtures import *  # noqa: F403 - the appeal fixture
from tests.donor_fixtures import form_data


def test_invalid_submissions_do_not_count_against_the_limit(client, appeal):
    for _ in range(PLEDGES_PER_HOUR + 5):
        assert (
            client.post(reverse("pledge", args=[appeal.slug]), form_data(email="bad")).status_code
            == 200
        )
    response = client.post(reverse("pledge", args=[appeal.slug]), form_data())
    assert response.status_code == 302
    assert Pledge.objects.count() == 1


def test_when_limited_the_form_keeps_what_was_typed_and_says_when_to_try_again(client, appeal):
    for i in range(PLEDGES_PER_HOUR):
        client.post(
            reverse("pledge", args=[appeal.slug]),
            form_data(checkout_token=f"t{i}", email=f"g{i}@example.org"),
        )
    response = client.post(
        reverse("pledge", args=[appeal.slug]),
        form_data(
            checkout_token="t-last",
            name="Fondation Patiente",
            email="patiente@example.org",
            amount="777",
        ),
    )
    assert response.status_code == 429
    body = response.content.decode()
    assert 'value="Fondation Patiente"' in body and 'value="patiente@example.org"' in body
    assert 'value="777' in body
    minutes = int(re.search(r"try again in (\d+) minutes?", body).group(1))
    assert 1 <= minutes <= 60
    assert Pledge.objects.count() == PLEDGES_PER_HOUR
