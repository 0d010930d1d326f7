"""Session limits: staff sessions end after 30 minutes idle and 12 hours in
all, donors' after a day (settings). Time is moved by moving the times the
session keeps, never by sleeping."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from fundmgr.accounts import sessions
from fundmgr.roles import Role

MINUTE = 60
HOUR = 3600


def move_clock_back(client, *, signed_in_by: int, last_seen_by: int) -> None:
    """As if the sign-in and the last request were that many seconds ago."""
    session = client.session
    now = int(time.time())
    session[sessions.SIGNED_IN_AT] = now - signed_in_by
    session[sessions.LAST_SEEN_AT] = now - last_seen_by
    session.save()


def still_signed_in(client) -> bool:
    client.get(reverse("home"))
    return "_auth_user_id" in client.session


@pytest.fixture
def officer_client(client, make_user):
    client.force_login(make_user("officer", Role.FUND_OFFICER))
    return client


@pytest.fixture
def donor_client(client, make_user):
    client.force_login(make_user("giver", Role.DONOR))
    return client


def test_signing_in_starts_both_clocks(officer_client):
    session = officer_client.session
    assert abs(session[sessions.SIGNED_IN_AT] - time.time()) < 5
    assert session[sessions.LAST_SEEN_AT] == session[sessions.SIGNED_IN_AT]


def test_a_staff_session_survives_29_idle_minutes(officer_client):
    move_clock_back(officer_client, signed_in_by=29 * MINUTE, last_seen_by=29 * MINUTE)
    assert still_signed_in(officer_client)


def test_a_staff_session_ends_after_30_idle_minutes_and_says_so(officer_client):
    move_clock_back(officer_client, signed_in_by=31 * MINUTE, last_seen_by=31 * MINUTE)
    response = officer_client.get(reverse("exchange-rates"), follow=True)
    assert "_auth_user_id" not in officer_client.session
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "your session ended" in response.content.decode()


def test_activity_keeps_a_staff_session_alive(officer_client):
    move_clock_back(officer_client, signed_in_by=2 * HOUR, last_seen_by=20 * MINUTE)
    assert still_signed_in(officer_client)
    assert time.time() - officer_client.session[sessions.LAST_SEEN_AT] < 5
    # Twenty more minutes idle are fine: the visit moved the idle clock.
    session = officer_client.session
    session[sessions.LAST_SEEN_AT] -= 20 * MINUTE
    session.save()
    assert still_signed_in(officer_client)


def test_a_busy_staff_session_still_ends_after_12_hours(officer_client):
    move_clock_back(officer_client, signed_in_by=12 * HOUR + 1, last_seen_by=0)
    assert not still_signed_in(officer_client)


def test_a_donor_session_survives_hours_idle_within_the_day(donor_client):
    move_clock_back(donor_client, signed_in_by=23 * HOUR, last_seen_by=5 * HOUR)
    assert still_signed_in(donor_client)


def test_a_donor_session_ends_after_a_day(donor_client):
    move_clock_back(donor_client, signed_in_by=24 * HOUR + 1, last_seen_by=MINUTE)
    assert not still_signed_in(donor_client)


def test_the_limits_are_settings(officer_client, settings):
    settings.FUNDMGR_STAFF_SESSION_IDLE_MINUTES = 5
    move_clock_back(officer_client, signed_in_by=6 * MINUTE, last_seen_by=6 * MINUTE)
    assert not still_signed_in(officer_client)


def test_the_session_cookie_lasts_no_longer_than_the_longest_limit(settings):
    assert settings.SESSION_COOKIE_AGE == 24 * HOUR


def test_a_session_from_before_the_limits_starts_its_clocks_on_its_next_request(officer_client):
    session = officer_client.session
    del session[sessions.SIGNED_IN_AT]
    del session[sessions.LAST_SEEN_AT]
    session.save()
    assert still_signed_in(officer_client)
    assert sessions.SIGNED_IN_AT in officer_client.session
