"""Publishing: the files at stable public addresses, replaced only by files
that pass both checks; regenerated when the books change; finance's page
shows when each was generated and whether it passed."""

# ruff: noqa: F401, F811

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from fundmgr.chart import AccountKey
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services.audit import log_action
from fundmgr.services.ledger import credit, debit, post_entry
from iati.models import Publication
from iati.schemas import ACTIVITIES, schema_problems
from iati.selectors import books_stamp
from iati.services import publish, publish_if_changed
from tests.iati.conftest import books

pytestmark = pytest.mark.django_db


def _spend_by_hand(fund, by, amount="125.00"):
    money = Money(amount, "USD")
    post_entry(
        fund,
        timezone.localdate(),
        "Travel booked by hand (test)",
        [debit(AccountKey.TRAVEL_EXPENDITURE, money), credit(AccountKey.BANK, money)],
        by,
    )


def test_the_public_addresses_serve_the_published_files_to_anyone(books, fund, client):
    publish(fund)
    response = client.get(reverse("iati-activities", args=[fund.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert "Last-Modified" in response
    tree = etree.ElementTree(etree.fromstring(response.content))
    assert schema_problems(tree, ACTIVITIES) == []
    organisation = client.get(reverse("iati-organisation", args=[fund.code]))
    assert organisation.status_code == 200
    assert b"<iati-organisations" in organisation.content


def test_nothing_is_served_before_a_publication_nor_for_an_unknown_fund(fund, client):
    assert client.get(reverse("iati-activities", args=[fund.code])).status_code == 404
    assert client.get(reverse("iati-organisation", args=["NOPE"])).status_code == 404


def test_files_that_fail_a_check_never_replace_the_published_ones(books, fund, admin_user, client):
    first = publish(fund)
    served = client.get(reverse("iati-activities", args=[fund.code])).content
    _spend_by_hand(fund, admin_user)
    second = publish(fund)
    assert not second.valid
    assert second.problems[0].startswith("Transaction type 4 (Expenditure)")
    assert second.published_at == first.published_at
    assert client.get(reverse("iati-activities", args=[fund.code])).content == served


def test_the_scheduled_job_regenerates_only_when_the_books_changed(books, fund, admin_user):
    out = StringIO()
    call_command("publish_iati", stdout=out)
    assert "TESTF: published (7 transactions)." in out.getvalue()
    out = StringIO()
    call_command("publish_iati", stdout=out)
    assert "TESTF: unchanged." in out.getvalue()
    _spend_by_hand(fund, admin_user)
    out = StringIO()
    call_command("publish_iati", "--fund", "TESTF", stdout=out)
    assert "TESTF: not published: Transaction type 4" in out.getvalue()


def test_a_donor_changed_in_the_admin_moves_the_books_stamp(books, fund, admin_user):
    publish(fund)
    assert publish_if_changed(fund) is None
    log_action(books.listed, "admin:changed", admin_user, "identifier", {})
    assert publish_if_changed(fund) is not None


@pytest.fixture
def finance_client(client, make_user):
    client.force_login(make_user("publisher", Role.FINANCE_OFFICER))
    return client


def test_the_publisher_page_shows_when_the_files_were_generated_and_the_problems(
    books, fund, admin_user, finance_client
):
    url = reverse("iati-publisher", args=[fund.code])
    assert "Never: nothing is published yet." in finance_client.get(url).content.decode()
    publish(fund)
    _spend_by_hand(fund, admin_user)
    page = finance_client.get(url).content.decode()
    assert "7 transactions" in page
    assert "Changed: the files will be generated again" in page
    publish(fund)
    page = finance_client.get(url).content.decode()
    assert "Failed: not published" in page
    assert "the statement&#x27;s travel expenditure is 3725.00 USD" in page
    assert f"/iati/{fund.code}/activities.xml" in page


def test_generate_now_publishes_in_the_background(books, fund, finance_client):
    response = finance_client.post(reverse("iati-generate", args=[fund.code]))
    assert response.status_code == 302
    publication = Publication.objects.get(fund=fund)  # the tasks run at once in the tests
    assert publication.valid and publication.published_at is not None
    assert publication.stamp == books_stamp(fund)


def test_the_auditor_reads_the_page_but_cannot_generate(books, fund, client, make_user):
    client.force_login(make_user("reader", Role.AUDITOR))
    assert client.get(reverse("iati-publisher", args=[fund.code])).status_code == 200
    assert client.post(reverse("iati-generate", args=[fund.code])).status_code == 403
    assert not Publication.objects.filter(fund=fund).exists()


def test_the_fund_page_links_to_the_publisher_page_for_finance_only(fund, client, make_user):
    url, link = (
        reverse("fund-detail", args=[fund.code]),
        reverse("iati-publisher", args=[fund.code]),
    )
    client.force_login(make_user("publisher", Role.FINANCE_OFFICER))
    assert link in client.get(url).content.decode()
    client.force_login(make_user("certifier", Role.FUND_OFFICER))
    assert link not in client.get(url).content.decode()
