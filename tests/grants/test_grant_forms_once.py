"""One rendering of a grant's money form records its money once (issue 11,
point 7): the traveller's refund (which the workflow's repeat guard lets
through on purpose, partial refunds being legitimate), the advance and the
settlement. Posted twice, in turn or at the same moment, the second post
records nothing, lands on the grant's page and says so."""

# ruff: noqa: F811 - the shared fixtures are imported

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from fundmgr.models import JournalEntry
from grants.models import Grant, GrantState
from tests.grants.test_workflow_support import (  # noqa: F401 - fixtures
    boarding_passes,
    funded,
    walk,
)
from tests.once import ALREADY, rendered_token, said


def urls(grant, action):
    page = reverse("grant-detail", args=[grant.event.code, grant.reference])
    return page, reverse("grant-action", args=[grant.event.code, grant.reference, action])


def entries(grant, what) -> int:
    return JournalEntry.objects.filter(
        idempotency_key__startswith=f"grant:{grant.pk}:{what}"
    ).count()


@pytest.fixture
def owing(make_grant, funded, walk):
    """A settled grant whose traveller owes 600 of a 1600 advance."""
    grant = make_grant(cost=Decimal("2000.00"))
    return walk(grant, "settled", actual="1000.00")


def test_a_refund_form_posted_twice_records_one_refund_and_says_so(client, finance, owing):
    client.force_login(finance)
    page, action = urls(owing, "record-traveller-refund")
    data = {
        "record_traveller_refund-amount": "200.00",
        "once": rendered_token(client, page, action),
    }
    first = client.post(action, data)
    second = client.post(action, data)
    assert first.status_code == second.status_code == 302 and first.url == second.url == page
    assert entries(owing, "refund") == 1
    owing.refresh_from_db()
    assert owing.traveller_refunded == Decimal("200.00")
    assert any(ALREADY in m for m in said(second))


def test_two_renderings_of_the_refund_form_record_two_partial_refunds(client, finance, owing):
    client.force_login(finance)
    page, action = urls(owing, "record-traveller-refund")
    for _ in range(2):
        token = rendered_token(client, page, action)
        client.post(action, {"record_traveller_refund-amount": "200.00", "once": token})
    assert entries(owing, "refund") == 2


def test_an_advance_form_posted_twice_pays_one_advance(client, finance, make_grant, walk, funded):
    grant = walk(make_grant(), "committed")
    client.force_login(finance)
    page, action = urls(grant, "pay-advance")
    data = {"once": rendered_token(client, page, action)}
    client.post(action, data)
    second = client.post(action, data)
    assert second.status_code == 302 and second.url == page
    assert entries(grant, "advance") == 1
    assert any(ALREADY in m for m in said(second))


def test_a_settlement_form_posted_twice_settles_once(client, finance, make_grant, walk, funded):
    grant = walk(make_grant(), "travelled")
    client.force_login(finance)
    page, action = urls(grant, "settle")
    token = rendered_token(client, page, action)
    for _ in range(2):
        data = {"settle-actual_cost": "1900.00", "settle-boarding_passes": boarding_passes()}
        last = client.post(action, {**data, "once": token})
    assert last.status_code == 302 and last.url == page
    assert entries(grant, "settlement") == 1
    assert Grant.objects.get(pk=grant.pk).state == GrantState.SETTLED
    assert any(ALREADY in m for m in said(last))


def test_a_refused_refund_frees_its_token_for_the_corrected_form(client, finance, owing):
    client.force_login(finance)
    page, action = urls(owing, "record-traveller-refund")
    token = rendered_token(client, page, action)
    too_much = client.post(action, {"record_traveller_refund-amount": "900.00", "once": token})
    assert too_much.status_code == 200 and "The traveller owes" in too_much.content.decode()
    right = client.post(action, {"record_traveller_refund-amount": "600.00", "once": token})
    assert right.status_code == 302 and entries(owing, "refund") == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises every writer, so two posts cannot race",
)
def test_the_same_refund_form_posted_at_the_same_moment_records_one_refund(finance, owing):
    signed_in = Client()
    signed_in.force_login(finance)
    page, action = urls(owing, "record-traveller-refund")
    data = {
        "record_traveller_refund-amount": "100.00",
        "once": rendered_token(signed_in, page, action),
    }
    cookies = signed_in.cookies
    start = threading.Barrier(4)
    answers: list = [None] * 4

    def post(index):
        try:
            client = Client()
            client.cookies = cookies
            start.wait()
            answers[index] = client.post(action, data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert entries(owing, "refund") == 1
    owing.refresh_from_db()
    assert owing.traveller_refunded == Decimal("100.00")
    assert all(a.status_code == 302 and a.url == page for a in answers)
