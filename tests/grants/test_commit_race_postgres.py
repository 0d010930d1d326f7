"""Officers approving at the same moment never commit more than the cash.

Real concurrency needs PostgreSQL: each thread has its own connection and
transaction, and ``SELECT ... FOR UPDATE`` on the fund's row makes the
commitments wait for one another. SQLite takes one writer at a time for the
whole database (and ignores FOR UPDATE), so there is no race to test there.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from fundmgr.chart import AccountKey
from grants.models import GrantState, GrantTransition
from grants.services import workflow
from grants.services.commitments import InsufficientFunds, availability
from tests.grants.test_workflow_support import (  # noqa: F401
    balance,
    fund_cash,
    quick_password_hashing,
)

SKIP_REASON = (
    "needs PostgreSQL: SQLite serialises every writer and has no row locks, "
    "so concurrent approvals cannot race there"
)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason=SKIP_REASON),
]


def run_at_once(calls):
    """Run each call in its own thread (own connection), all released together;
    returns (results, failures) in the order of ``calls``."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    failures: list = [None] * len(calls)

    def run(index, call):
        try:
            start.wait()
            results[index] = call()
        except Exception as failure:  # noqa: BLE001 - examined by the test
            failures[index] = failure
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, failures


def test_fifty_approvals_at_once_commit_exactly_what_the_cash_allows(
    fund, admin_user, event, make_grant, officer, approver
):
    event.max_funded_per_country = 50
    event.save()
    # 48,000 cash less the 10% reserve: 43,200 available = 20 grants of 2,000 + 8% PSC.
    fund_cash(fund, "48000", admin_user)
    grants = [make_grant(cost=Decimal("2000.00")) for _ in range(50)]
    for grant in grants:
        workflow.certify(grant, officer)
    connections.close_all()

    results, failures = run_at_once(
        [lambda grant=grant: workflow.approve(grant.pk, approver) for grant in grants]
    )

    committed = [r for r in results if r is not None]
    refused = [f for f in failures if f is not None]
    assert len(committed) == 20
    assert len(refused) == 30
    assert all(isinstance(f, InsufficientFunds) for f in refused), refused
    assert all("Insufficient funds" in str(f) for f in refused)
    figures = availability(fund)
    assert figures.available.amount >= 0
    assert figures.available.amount == 0
    assert balance(fund, AccountKey.COMMITMENTS) == Decimal("40000.00")
    states = [g.state for g in type(grants[0]).objects.filter(pk__in=[g.pk for g in grants])]
    assert states.count(GrantState.COMMITTED) == 20
    assert states.count(GrantState.CERTIFIED) == 30
    assert GrantTransition.objects.filter(action="commit").count() == 20


def test_two_approvers_clicking_one_grant_at_once_commit_it_once(
    fund, admin_user, make_grant, officer, approver, make_user
):
    from fundmgr.roles import Role

    fund_cash(fund, "48000", admin_user)
    second = make_user("second-approver", Role.APPROVING_OFFICER)
    grant = make_grant(cost=Decimal("2000.00"))
    workflow.certify(grant, officer)
    connections.close_all()

    results, failures = run_at_once(
        [lambda: workflow.approve(grant.pk, approver), lambda: workflow.approve(grant.pk, second)]
    )

    assert sum(r is not None for r in results) == 1
    [failure] = [f for f in failures if f is not None]
    assert "committed cannot be approved" in str(failure)
    assert balance(fund, AccountKey.COMMITMENTS) == Decimal("2000.00")
    assert GrantTransition.objects.filter(grant_id=grant.pk, action="commit").count() == 1
