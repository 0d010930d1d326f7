"""An appeal's public page is served whole from the shared cache to visitors
without a session (fundmgr/public_pages.py): each gets their own CSRF token,
a change to what it shows replaces it once committed, and visitors with a
session, or a message waiting, always get it computed."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from donors.models import Appeal
from donors.services import online
from fundmgr import public_pages
from fundmgr.money import Money

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def cached(settings):
    settings.FUNDMGR_PUBLIC_PAGE_SECONDS = 60


@pytest.fixture
def appeal(fund):
    return Appeal.objects.create(
        fund=fund,
        slug="ldc-travel",
        title="LDC delegates' travel",
        purpose="Pays for delegates.",
        target=Money("100000", "USD"),
    )


def page(client, appeal):
    return client.get(reverse("appeal", args=[appeal.slug]))


def pledge(appeal, name: str, amount: str = "500", *, confirmed: bool = False):
    """A pledge made online; ``confirmed`` as by the donor's e-mailed link
    (only then is the donor listed)."""
    made = online.pledge_online(
        appeal=appeal,
        name=name,
        kind="ngo",
        email=f"donor{abs(hash(name)) % 10**8}@example.org",
        country=None,
        amount=Money(amount, "USD"),
        method="bank_transfer",
        listed_publicly=True,
    )
    if confirmed:
        made.confirmed = True
        made.save(update_fields=["confirmed"])
    return made


def test_a_visitor_without_a_session_is_served_the_page_from_the_cache(client, cached, appeal):
    first = page(client, appeal)
    with CaptureQueriesContext(connection) as queries:
        again = page(client, appeal)

    assert again.status_code == 200 and len(queries) == 0
    assert TOKEN.sub("", again.content.decode()) == TOKEN.sub("", first.content.decode())


def test_each_visitor_gets_their_own_working_csrf_token_never_the_placeholder(
    client, cached, appeal
):
    from django.test import Client

    page(Client(), appeal)  # someone else's visit put the page in the cache
    response = page(client, appeal)
    body = response.content.decode()

    assert public_pages.placeholder() not in body
    tokens = set(TOKEN.findall(body))
    assert len(tokens) == 1  # the sign-in-less layout's language form
    # The token is this visitor's: their language change is accepted.
    changed = client.post(
        reverse("set_language"),
        {"language": "fr", "next": "/", "csrfmiddlewaretoken": tokens.pop()},
    )
    assert changed.status_code == 302


def test_a_committed_change_replaces_the_cached_page_at_once(
    client, cached, appeal, django_capture_on_commit_callbacks
):
    assert "No donor has asked to be listed yet." in page(client, appeal).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        pledge(appeal, "Fondation Exemple", confirmed=True)

    body = page(client, appeal).content.decode()
    assert "Fondation Exemple" in body


def test_a_change_not_yet_committed_leaves_the_page_as_it_was(client, cached, appeal):
    page(client, appeal)
    # Its transaction (the test's) never commits.
    pledge(appeal, "Not Yet Committed", confirmed=True)

    assert "Not Yet Committed" not in page(client, appeal).content.decode()


def test_the_page_is_kept_apart_by_language(client, cached, appeal, settings):
    english = page(client, appeal).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = page(client, appeal).content.decode()

    assert 'lang="en"' in english and 'lang="fr"' in french


def test_a_visitor_with_a_session_always_gets_the_page_computed(client, cached, appeal, admin_user):
    page(client, appeal)
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = page(client, appeal)

    assert len(queries) > 0
    assert f"Signed in as <strong>{admin_user.username}</strong>" in response.content.decode()


def test_outside_text_stays_data_in_the_cached_page(
    client, cached, appeal, django_capture_on_commit_callbacks
):
    """A donor's name that spells the placeholder is shown as typed, not
    turned into a visitor's token; markup stays text."""
    with django_capture_on_commit_callbacks(execute=True):
        pledge(appeal, "<b>Bold</b> Donor", confirmed=True)
        pledge(appeal, public_pages.placeholder()[:40], confirmed=True)

    body = page(client, appeal).content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; Donor" in body and "<b>Bold</b>" not in body
    assert public_pages.placeholder()[:40] in body


def test_nothing_is_cached_when_the_setting_is_zero(client, appeal, settings):
    settings.FUNDMGR_PUBLIC_PAGE_SECONDS = 0
    page(client, appeal)
    with CaptureQueriesContext(connection) as queries:
        page(client, appeal)
    assert len(queries) > 0


def test_the_figures_shown_are_the_books_after_a_receipt(
    client, cached, appeal, admin_user, django_capture_on_commit_callbacks
):
    from tests.test_appeal_public_figures import pay

    received = re.compile(r"<dt>Received</dt><dd>([^<]+)</dd>")
    made = pledge(appeal, "Payer", "250")
    assert received.search(page(client, appeal).content.decode()).group(1) == "$0.00"
    with django_capture_on_commit_callbacks(execute=True):
        pay(made, admin_user)

    assert received.search(page(client, appeal).content.decode()).group(1) == "$250.00"
