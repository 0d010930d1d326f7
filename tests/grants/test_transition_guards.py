"""Grant transitions are append-only in the database itself (fundmgr.db.guards):
no code path, not even raw SQL, can rewrite who moved a grant or why."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from fundmgr.db import guards
from grants.models import GrantState, GrantTransition


@pytest.fixture
def transition(make_grant, officer):
    grant = make_grant(state=GrantState.SUBMITTED)
    return GrantTransition.objects.create(
        grant=grant,
        from_state=GrantState.DRAFT,
        to_state=GrantState.SUBMITTED,
        action="submit",
        by=officer,
        reason="nominated by the mission",
    )


def refused_append_only():
    return pytest.raises(DatabaseError, match=guards.MSG_APPEND_ONLY.split(":")[0])


def test_a_grant_transition_cannot_be_updated(transition):
    with refused_append_only(), transaction.atomic():
        GrantTransition.objects.filter(pk=transition.pk).update(reason="rewritten")
    transition.refresh_from_db()
    assert transition.reason == "nominated by the mission"


def test_a_grant_transition_cannot_be_deleted_even_with_raw_sql(transition):
    with refused_append_only(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM grants_granttransition WHERE id = %s", [transition.pk])
    assert GrantTransition.objects.filter(pk=transition.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_database_is_still_flushed_after_a_transactional_test_with_transitions(
    transition,
):
    """The end-of-test flush passes the guard (SQLite: our backend drops and
    recreates it around the flush; PostgreSQL: TRUNCATE); outside that, it holds."""
    assert not connection.in_atomic_block
    with refused_append_only(), transaction.atomic():
        GrantTransition.objects.filter(pk=transition.pk).delete()
