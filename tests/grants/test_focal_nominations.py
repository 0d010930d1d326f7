"""A focal point's own nominations (grants/views_focal.py): their countries'
only (another country's is a 404), each with its history, documents and who
acts next; withdrawn by the mission before certification, refused after
with a clear message and nothing changed."""

# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.urls import reverse

from fundmgr.roles import Role
from grants.models import FocalPoint, GrantState
from grants.services import workflow
from tests.grants.test_workflow_support import (  # noqa: F401 - fixtures
    funded,
    quick_password_hashing,
    walk,
)
from tests.once import with_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def focal(make_user, event):
    user = make_user("focal", Role.FOCAL_POINT)
    FocalPoint.objects.create(user=user, country_id="NP")
    return user


@pytest.fixture
def focal_client(client, focal):
    client.force_login(focal)
    return client


def page_of(grant) -> str:
    return reverse("my-nomination", args=[grant.event.code, grant.reference])


def withdraw_url(grant) -> str:
    return reverse("my-nomination-withdraw", args=[grant.event.code, grant.reference])


def test_the_list_shows_their_countries_nominations_only(focal_client, make_grant):
    ours = make_grant(country="NP", name="Sita Sharma")
    make_grant(country="HT", name="Jean Baptiste")
    html = focal_client.get(reverse("my-nominations")).content.decode()
    assert "Sita Sharma" in html and page_of(ours) in html
    assert "Jean Baptiste" not in html
    assert "Waiting for: a fund officer" in html


def test_the_list_filters_by_state(focal_client, make_grant):
    make_grant(country="NP", name="Submitted One")
    make_grant(country="NP", name="Draft One", state=GrantState.DRAFT)
    html = focal_client.get(reverse("my-nominations") + "?state=draft").content.decode()
    assert "Draft One" in html and "Submitted One" not in html


def test_the_list_runs_the_same_queries_whatever_its_size(
    focal_client, make_grant, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_grant(country="NP")
    focal_client.get(reverse("my-nominations"))
    with CaptureQueriesContext(connection) as one:
        focal_client.get(reverse("my-nominations"))
    for _ in range(5):
        make_grant(country="NP")
    with django_assert_num_queries(len(one.captured_queries)):
        focal_client.get(reverse("my-nominations"))


def test_another_countrys_nomination_does_not_exist_for_them(focal_client, make_grant):
    theirs = make_grant(country="HT")
    assert focal_client.get(page_of(theirs)).status_code == 404
    document = reverse("my-nomination-document", args=[theirs.event.code, theirs.reference])
    assert focal_client.get(document).status_code == 404
    response = focal_client.post(
        withdraw_url(theirs), with_token(focal_client, withdraw_url(theirs), {"reason": "x"})
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == GrantState.SUBMITTED


def test_the_page_shows_history_documents_and_who_acts_next(focal_client, make_grant, officer):
    grant = make_grant(country="NP", state=GrantState.DRAFT)
    workflow.submit(grant, officer, "Typed in from the note verbale")
    html = focal_client.get(page_of(grant)).content.decode()
    assert "Typed in from the note verbale" in html  # the history's reason
    assert "Waiting for: a fund officer" in html
    document = reverse("my-nomination-document", args=[grant.event.code, grant.reference])
    assert document in html
    pdf = focal_client.get(document)
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF-")


def test_the_mission_withdraws_a_nomination_before_certification(focal_client, make_grant):
    grant = make_grant(country="NP")  # typed in by a fund officer: still the mission's
    response = focal_client.post(
        withdraw_url(grant),
        with_token(focal_client, withdraw_url(grant), {"reason": "The minister cannot travel"}),
    )
    assert response.status_code == 302 and response["Location"] == page_of(grant)
    grant.refresh_from_db()
    assert grant.state == GrantState.WITHDRAWN
    step = grant.transitions.order_by("-id").first()
    assert step.action == "withdraw" and step.reason == "The minister cannot travel"
    html = focal_client.get(page_of(grant)).content.decode()
    assert "Nothing left to do" in html and "my-nomination-withdraw" not in html


def test_withdrawing_needs_a_reason_and_the_one_time_token(focal_client, make_grant):
    grant = make_grant(country="NP")
    no_reason = focal_client.post(
        withdraw_url(grant), with_token(focal_client, withdraw_url(grant))
    )
    assert no_reason.status_code == 400
    no_token = focal_client.post(withdraw_url(grant), {"reason": "x"})
    assert no_token.status_code == 400
    grant.refresh_from_db()
    assert grant.state == GrantState.SUBMITTED


def test_after_certification_withdrawing_is_refused_with_a_clear_message(
    focal_client, make_grant, walk, funded
):
    grant = walk(make_grant(country="NP"), "certified")
    html = focal_client.get(page_of(grant)).content.decode()
    assert "can no longer withdraw it here" in html
    response = focal_client.post(
        withdraw_url(grant), with_token(focal_client, withdraw_url(grant), {"reason": "late"})
    )
    assert response.status_code == 409
    assert "its nominator can no longer withdraw it" in response.content.decode()
    grant.refresh_from_db()
    assert grant.state == GrantState.CERTIFIED


def test_a_refused_withdrawal_says_error_in_the_title_and_its_box_takes_the_focus(
    focal_client, make_grant, walk, funded
):
    from tests.accessible import refusal_shown

    grant = walk(make_grant(country="NP"), "certified")
    response = focal_client.post(
        withdraw_url(grant),
        with_token(focal_client, withdraw_url(grant), {"reason": "late"}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    box = refusal_shown(response, "refusal")
    assert "its nominator can no longer withdraw it" in box.text_content()


def test_a_nominator_who_is_no_fund_officer_cannot_withdraw_after_certification(
    make_grant, focal, walk, funded
):
    grant = make_grant(country="NP", state=GrantState.DRAFT)
    grant.nominated_by = focal
    grant.save()
    workflow.submit(grant, focal)
    walk(grant, "certified")
    with pytest.raises(workflow.TransitionRefused, match="can no longer withdraw"):
        workflow.withdraw(grant, focal, "too late")


def test_a_fund_officer_still_withdraws_a_certified_grant(make_grant, officer, walk, funded):
    grant = walk(make_grant(country="NP"), "certified")
    workflow.withdraw(grant, officer, "The delegation changed")
    assert grant.state == GrantState.WITHDRAWN


def test_the_nominations_pages_are_the_focal_points_alone(client, officer, make_grant):
    grant = make_grant(country="NP")
    client.force_login(officer)
    assert client.get(reverse("my-nominations")).status_code == 403
    assert client.get(page_of(grant)).status_code == 403
