"""The queue's "awaiting me" filter: the grants the signed-in person may act
on now, with separation of duties (a grant a person certified is never
awaiting their approval), kept apart in the cache per reader, in a fixed
number of queries, and the same work "My work" counts."""

# The shared fixtures are imported; pytest's injection of them looks like a
# redefinition to ruff.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from fundmgr.roles import Role
from fundmgr.work import sections_for
from grants.models import GrantState
from grants.queries import QueueFilters, filter_problems
from grants.services import workflow
from tests.grants.test_queue import queue_url, references
from tests.grants.test_workflow_support import (  # noqa: F401 - fixtures
    dual,
    funded,
    quick_password_hashing,
    walk,
)

pytestmark = pytest.mark.django_db
S = GrantState


def awaiting(client, user, event, **params):
    client.force_login(user)
    return client.get(queue_url(event, awaiting="me", **params))


def test_a_grant_the_dual_officer_certified_is_never_awaiting_their_approval(
    client, make_grant, dual, officer, approver, event, funded
):
    theirs = make_grant(name="Certified By Dual")
    workflow.certify(theirs, dual)
    others = make_grant(name="Certified By Officer")
    workflow.certify(others, officer)
    submitted = make_grant(name="Still Submitted")
    # The dual officer may approve the one someone else certified, and certify
    # the submitted one; never approve the one they certified themselves.
    mine = references(awaiting(client, dual, event))
    assert sorted(mine) == sorted([others.reference, submitted.reference])
    assert theirs.reference not in mine
    # Another approving officer may approve both certified grants.
    assert sorted(references(awaiting(client, approver, event, state=S.CERTIFIED))) == sorted(
        [theirs.reference, others.reference]
    )


def test_each_role_is_shown_what_it_may_do_now(
    client, make_grant, walk, officer, approver, finance, event, funded
):
    submitted = make_grant()
    certified = walk(make_grant(), "certified")
    # Two funded delegates per country at most: three countries.
    committed = walk(make_grant(country="NP"), "committed")
    travelled = walk(make_grant(country="HT"), "travelled")
    settled = walk(make_grant(country="MW"), "settled")  # a refund to record, then closing
    assert references(awaiting(client, approver, event)) == [certified.reference]
    # The fund officer certifies, and confirms attendance once the event began
    # (it did, in 2019); the officer certified ``certified`` and nominated all.
    assert sorted(references(awaiting(client, officer, event))) == sorted(
        [submitted.reference, committed.reference]
    )
    assert sorted(references(awaiting(client, finance, event))) == sorted(
        [committed.reference, travelled.reference, settled.reference]
    )


def test_the_counts_by_state_follow_the_reader(client, make_grant, walk, approver, event, funded):
    make_grant()
    walk(make_grant(), "certified")
    response = awaiting(client, approver, event)
    summary = response.context["summary"]
    assert [(row.state, row.count) for row in summary.by_state] == [(S.CERTIFIED, 1)]
    assert summary.matching.count == 1


def test_the_cached_page_of_one_reader_is_never_shown_to_another(
    client, make_grant, dual, officer, approver, event, funded
):
    grant = make_grant()
    workflow.certify(grant, dual)
    assert references(awaiting(client, approver, event)) == [grant.reference]
    assert references(awaiting(client, dual, event)) == []  # same query, same stamp


def test_a_role_granted_after_a_visit_shows_at_once(client, make_grant, make_user, event, funded):
    from django.contrib.auth.models import Group

    grant = make_grant()
    person = make_user("newcomer", Role.AUDITOR)
    assert references(awaiting(client, person, event)) == []
    person.groups.add(Group.objects.get(name=Role.FUND_OFFICER))
    assert references(awaiting(client, person, event)) == [grant.reference]


@pytest.mark.parametrize("size", [3, 30])
def test_awaiting_me_runs_a_fixed_number_of_queries(
    client, make_grant, approver, officer, event, funded, django_assert_num_queries, size
):
    for i in range(size):
        grant = make_grant(country=["NP", "HT", "MW", "VU"][i % 4])
        if i % 2:
            workflow.certify(grant, officer)
    client.force_login(approver)
    client.get(queue_url(event, awaiting="me"))  # the session and caches, once
    make_grant()  # a new stamp: the page is computed again
    # As the queue without it (8), and the approval levels, read once for the
    # counts and once for the rows.
    with django_assert_num_queries(9):
        response = client.get(queue_url(event, awaiting="me"))
    assert len(references(response)) == size // 2
    with django_assert_num_queries(4):  # nothing changed: from the cache
        client.get(queue_url(event, awaiting="me"))


def test_my_work_links_to_the_queue_awaiting_me_and_both_count_the_same(
    client, make_grant, walk, dual, officer, event, funded
):
    walk(make_grant(), "certified")
    certified_by_dual = make_grant()
    workflow.certify(certified_by_dual, dual)
    section = next(s for s in sections_for(dual) if s.role == Role.APPROVING_OFFICER)
    item = section.items[0]
    assert item.url.endswith("?state=certified&awaiting=me")
    client.force_login(dual)
    assert len(references(client.get(item.url))) == item.count == 1


def test_an_export_in_the_background_cannot_ask_for_awaiting_me(event):
    """Built by a worker, it does not know who reads it: the filter is refused."""
    assert "awaiting" in filter_problems(event, {"awaiting": "me"})
    assert not QueueFilters.from_data({"awaiting": "me"}).person


def test_the_export_of_the_page_holds_what_awaits_the_reader_and_says_so(
    client, make_grant, dual, officer, event, funded
):
    from tests.grants.test_grant_export import data_rows, export

    theirs = make_grant()
    workflow.certify(theirs, dual)
    others = make_grant()
    workflow.certify(others, officer)
    client.force_login(dual)
    _response, book = export(client, event, "?state=certified&awaiting=me")
    header, rows, _totals = data_rows(book.worksheets[0])
    assert [row[header.index("Reference")] for row in rows] == [others.reference]
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Filters"] == "state = certified; awaiting me = dual"
