"""The grants' stamp (grants.stamp), the officer queue's cache key, changes
with every committed change to any grant, however it was made."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.urls import reverse

from fundmgr.models import Event, Fund
from grants.models import Grant, GrantState, QueueStamp, TravelPolicy
from grants.stamp import current_stamps

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_stamp_changes_when_a_change_to_a_grant_is_committed(make_grant):
    grant = make_grant()
    before = current_stamps().queue
    with transaction.atomic():
        Grant.objects.filter(pk=grant.pk).update(state=GrantState.CERTIFIED)
    assert current_stamps().queue != before


def test_a_bulk_insert_and_a_raw_sql_update_change_the_stamp_too(make_grant):
    grant = make_grant()
    before = current_stamps().queue
    make_grant(name="Bulk Delegate")
    after_insert = current_stamps().queue
    assert after_insert != before
    with connection.cursor() as cursor:
        cursor.execute("UPDATE grants_grant SET nominee_title = 'Envoy' WHERE id = %s", [grant.pk])
    assert current_stamps().queue != after_insert


def test_a_change_rolled_back_leaves_the_stamp_as_it_was(make_grant):
    grant = make_grant()
    before = current_stamps().queue
    with pytest.raises(RuntimeError), transaction.atomic():
        Grant.objects.filter(pk=grant.pk).update(state=GrantState.CERTIFIED)
        raise RuntimeError("changed my mind")
    assert current_stamps().queue == before


def test_a_stamp_made_again_after_the_table_was_emptied_never_repeats_an_old_one(make_grant):
    first = current_stamps().queue
    QueueStamp.objects.all().delete()
    assert current_stamps().queue.split(":")[0] != first.split(":")[0]


def test_a_change_to_the_event_its_fund_or_its_travel_policy_changes_the_stamp(make_grant, event):
    """The queue shows the event's and its fund's names and counts claims due by
    the policy's period: a change to any of them is a change to the queue."""
    make_grant()
    seen = {current_stamps().queue}
    with connection.cursor() as cursor:
        cursor.execute("UPDATE fundmgr_event SET name = 'Renamed' WHERE id = %s", [event.pk])
    seen.add(current_stamps().queue)
    event.fund.name = "Renamed fund"
    event.fund.save()
    seen.add(current_stamps().queue)
    TravelPolicy.objects.filter(event=event).update(claim_due_days=30)
    seen.add(current_stamps().queue)
    assert len(seen) == 4


def test_a_renamed_event_or_fund_shows_at_once_on_a_queue_already_cached(
    client, officer, make_grant, event
):
    make_grant()
    client.force_login(officer)
    url = reverse("grant-queue", args=[event.code])
    assert "Test conference" in client.get(url).content.decode()
    Event.objects.filter(pk=event.pk).update(name="Renamed conference")
    Fund.objects.filter(pk=event.fund_id).update(name="Renamed fund")
    html = client.get(url).content.decode()
    assert "Renamed conference" in html and "Test conference" not in html
    assert "Renamed fund" in html


def test_the_events_stamp_moves_with_an_event_and_not_with_a_grant(make_grant, event):
    """The queue keeps the event (with its fund and policy) under the events'
    stamp: a grant's change leaves it, the event's moves it."""
    grant = make_grant()
    before = current_stamps()
    Grant.objects.filter(pk=grant.pk).update(state=GrantState.CERTIFIED)
    after_grant = current_stamps()
    assert after_grant.queue != before.queue and after_grant.events == before.events
    TravelPolicy.objects.filter(event=event).update(claim_due_days=45)
    after_policy = current_stamps()
    assert after_policy.events != after_grant.events and after_policy.queue != after_grant.queue


def test_a_longer_claim_period_shows_at_once_on_a_queue_already_cached(
    client, officer, make_grant, event
):
    """A grant whose claim fell overdue under the policy's period is no longer
    overdue once the period is lengthened, without any grant changing."""
    make_grant(state=GrantState.ADVANCE_PAID)
    client.force_login(officer)
    url = reverse("grant-queue", args=[event.code])
    assert "claim-overdue" in client.get(url).content.decode()
    TravelPolicy.objects.filter(event=event).update(claim_due_days=30_000)
    assert "claim-overdue" not in client.get(url).content.decode()
