"""A list's values query is made once a process (``BooksView.list_rows``,
``Rows.values_of``) and each call's filters added to it: the query a page
runs must be the one it ran when the values were made per call, for every
filter and for the caller's own rows; the query kept is never run."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import FullResultSet

from api.rows import books, grants, jobs
from api.views.donors import DonorList, PledgeList, ReceiptList
from api.views.events import EventList
from api.views.exports import ExportList
from api.views.grants import GrantList
from api.views.journal import JournalEntryList
from api.views.rates import ExchangeRateList
from fundmgr.roles import Role
from tests.api.helpers import bearer, issue

pytestmark = pytest.mark.django_db

DAY = datetime.date(2019, 3, 1)

LISTS = [
    (PledgeList, books.pledges, {"fund": "UNFSSC", "donor": 3, "status": "paid", "from": DAY}),
    (ReceiptList, books.receipts, {"fund": "UNFSSC", "donor": 3, "to": DAY}),
    (DonorList, books.donors, {}),
    (JournalEntryList, books.entries, {"fund": "UNFSSC", "kind": "receipt", "from": DAY}),
    (ExchangeRateList, books.rates, {"currency": "EUR", "from": DAY, "to": DAY}),
    (EventList, books.events, {"fund": "UNFSSC", "from": DAY}),
    (GrantList, grants.grants, {"event": "BAPA40", "state": "approved", "country": "NP"}),
    (ExportList, jobs.exports, {"fund": "UNFSSC", "kind": "reconciliation"}),
]


class _Request:
    def __init__(self, user):
        self.user = user


@pytest.mark.parametrize("filters", ["none", "all"])
@pytest.mark.parametrize(("view_class", "rows", "given"), LISTS)
def test_a_page_runs_the_query_it_ran_when_its_values_were_made_per_call(
    view_class, rows, given, filters, make_user
):
    view = view_class()
    view.request = _Request(make_user("finance-1", Role.FINANCE_OFFICER))
    view.query = given if filters == "all" else {}
    assert view.list_rows is not None
    per_call = rows.values(view.get_queryset().prefetch_related(None))
    made_once = view.narrowed(rows.values_of(view.list_rows))
    assert shape(made_once.query) == shape(per_call.query)
    if filters == "all" and given:
        assert shape(made_once.query) != shape(rows.values_of(view.list_rows).query)


def shape(query) -> dict:
    """What a query reads: its columns, tables and how each is joined, its
    conditions and order; the order the joins are written in aside (a filter
    given before the columns joins its table first: the same rows)."""
    compiler = query.get_compiler(using="default")
    try:
        where, params = compiler.compile(query.where)
    except FullResultSet:  # no condition
        where, params = "", []
    return {
        "sql columns": compiler.as_sql()[0].split(" FROM ")[0],
        "joins": {
            alias: (join.table_name, getattr(join, "join_type", None), join.parent_alias)
            for alias, join in query.alias_map.items()
            if query.alias_refcount[alias]
        },
        "where": (where, tuple(params)),
        "order": query.order_by,
    }


def test_the_values_query_kept_is_the_same_object_each_call_and_never_run(make_user):
    reader = bearer(issue(make_user("finance-1", Role.FINANCE_OFFICER)))
    for _ in range(2):
        assert reader.get("/api/v1/pledges/", {"status": "paid"}).status_code == 200
    kept = books.pledges.values_of(PledgeList.list_rows)
    assert kept is books.pledges.values_of(PledgeList.list_rows)
    assert kept._result_cache is None


def test_each_caller_reads_only_their_own_exports_through_the_values_made_once(make_user):
    first, second = (make_user(f"finance-{n}", Role.FINANCE_OFFICER) for n in (1, 2))
    views = []
    for user in (first, second):
        view = ExportList()
        view.request, view.query = _Request(user), {}
        views.append(str(view.narrowed(jobs.exports.values_of(ExportList.list_rows)).query))
    assert views[0] != views[1]
