"""Two transactions changing grants of one event at the same moment, in
opposite bucket orders, never deadlock on the queue's tally (grants.tally):
its deferred trigger fires at commit, after the stamp's, whose row lock lets
one transaction at a time reach the buckets. Were the tally's trigger
immediate, each transaction would hold a bucket the other then waits for.

Real concurrency needs PostgreSQL: SQLite takes one writer at a time for the
whole database."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from grants.models import Grant
from tests.grants.test_queue_tally import kept_tally, tally_of_grants

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, there is no race",
    ),
]


def test_two_transactions_moving_grants_across_buckets_in_opposite_orders_both_commit(
    make_grant,
):
    # Four grants in four buckets (country, gender): each transaction moves one
    # grant out of a bucket the other moves a grant into, then the reverse.
    a = make_grant(country="NP", gender="female")
    b = make_grant(country="AR", gender="male")
    c = make_grant(country="AR", gender="male")
    d = make_grant(country="NP", gender="female")
    connections.close_all()
    halfway = threading.Barrier(2, timeout=20)
    failures: list = []

    def move(first: Grant, first_to: str, second: Grant, second_to: str) -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    # Wait at most 10 s for a lock: a deadlock PostgreSQL would
                    # only find after deadlock_timeout is reported either way.
                    cursor.execute("SET LOCAL lock_timeout = '10s'")
                Grant.objects.filter(pk=first.pk).update(country_id=first_to)
                halfway.wait()
                Grant.objects.filter(pk=second.pk).update(country_id=second_to)
                halfway.wait()
        except Exception as failure:  # noqa: BLE001 - examined by the test
            failures.append(failure)
            halfway.abort()
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=move, args=(a, "BD", b, "HT")),  # NP/female first, AR/male second
        threading.Thread(target=move, args=(c, "HT", d, "BD")),  # AR/male first, NP/female second
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert dict(Grant.objects.filter(pk__in=[a.pk, b.pk, c.pk, d.pk]).values_list("pk", "country"))\
        == {a.pk: "BD", b.pk: "HT", c.pk: "HT", d.pk: "BD"}  # fmt: skip
    assert kept_tally() == tally_of_grants()
