"""The grants' stamp (grants.stamp), the officer queue's cache key, changes
with every committed change to any grant, however it was made."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from grants.models import Grant, GrantState, QueueStamp
from grants.stamp import current_stamp

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_stamp_changes_when_a_change_to_a_grant_is_committed(make_grant):
    grant = make_grant()
    before = current_stamp()
    with transaction.atomic():
        Grant.objects.filter(pk=grant.pk).update(state=GrantState.CERTIFIED)
    assert current_stamp() != before


def test_a_bulk_insert_and_a_raw_sql_update_change_the_stamp_too(make_grant):
    grant = make_grant()
    before = current_stamp()
    make_grant(name="Bulk Delegate")
    after_insert = current_stamp()
    assert after_insert != before
    with connection.cursor() as cursor:
        cursor.execute("UPDATE grants_grant SET nominee_title = 'Envoy' WHERE id = %s", [grant.pk])
    assert current_stamp() != after_insert


def test_a_change_rolled_back_leaves_the_stamp_as_it_was(make_grant):
    grant = make_grant()
    before = current_stamp()
    with pytest.raises(RuntimeError), transaction.atomic():
        Grant.objects.filter(pk=grant.pk).update(state=GrantState.CERTIFIED)
        raise RuntimeError("changed my mind")
    assert current_stamp() == before


def test_a_stamp_made_again_after_the_table_was_emptied_never_repeats_an_old_one(make_grant):
    first = current_stamp()
    QueueStamp.objects.all().delete()
    assert current_stamp().split(":")[0] != first.split(":")[0]
