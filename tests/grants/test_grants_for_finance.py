"""Grants as finance sees them: what the ledger says of each grant (the PSC
charged, its entries with a link to the journal) on the grant page; the
queue export's approved, advanced, actual, owed and refunded columns read
from the ledger; travel claims past their due date (the return date plus the
event's claim period) flagged on the grant page and in the queue. Each in a
fixed number of queries."""

# ruff: noqa: F811

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from fundmgr.models import JournalEntry
from grants import queries
from grants.models import GrantState
from grants.services import workflow
from tests.grants.test_workflow_support import (  # noqa: F401
    boarding_passes,
    funded,
    quick_password_hashing,
    walk,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_finance(client, finance):
    client.force_login(finance)
    return client


def page(client, grant) -> str:
    response = client.get(reverse("grant-detail", args=[grant.event.code, grant.reference]))
    assert response.status_code == 200
    return response.content.decode()


def export_sheet(client, event, query=""):
    response = client.get(reverse("grant-export", args=[event.code]) + query)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.worksheets[0].iter_rows())
    header = [cell.value for cell in rows[0]]
    return header, rows[1:-1], rows[-1]


# --- One selector finds a grant's entries --------------------------------------------


def test_the_selector_finds_a_grants_entries_and_no_other(make_grant, walk, funded):
    first = walk(make_grant(), "advance_paid")
    other = walk(make_grant(), "committed")

    mine = queries.grant_entries(first)
    assert {entry.kind for entry in mine} == {
        "grant-commitment",
        "grant-advance",
        "grant-liquidation",
    }
    assert not set(mine) & set(queries.grant_entries(other))


# --- The grant page ---------------------------------------------------------------------


def test_the_grant_page_shows_the_psc_charged_from_the_ledger_not_the_estimate(
    as_finance, make_grant, walk, funded
):
    grant = walk(make_grant(cost=Decimal("2000.00")), "settled", actual="1500.00")

    html = page(as_finance, grant)

    assert 'id="psc-charged"' in html
    charged = html.split('id="psc-charged"')[1].split("</tr>")[0]
    assert "$120.00" in charged  # 8% of the actual 1,500, not of the estimated 2,000 (160)


def test_the_grant_page_lists_its_ledger_entries_with_a_link_to_the_journal(
    as_finance, make_grant, walk, funded
):
    grant = walk(make_grant(cost=Decimal("2000.00")), "advance_paid")
    entries = list(JournalEntry.objects.filter(idempotency_key__startswith=f"grant:{grant.pk}:"))

    html = page(as_finance, grant)

    table = html.split('id="ledger-entries"')[1].split("</table>")[0]
    journal = reverse("fund-journal", args=[grant.event.fund.code])
    for entry in entries:
        assert f'href="{journal}#entry-{entry.pk}"' in table
        assert entry.memo in table
    assert "$1,600.00" in table and "$2,000.00" in table


def test_a_grant_without_entries_says_so(as_finance, make_grant):
    html = page(as_finance, make_grant())
    assert "No ledger entry for this grant yet." in html


@pytest.mark.parametrize("moves", ["committed", "settled"])
def test_the_grant_page_runs_a_fixed_number_of_queries_whatever_its_entries(
    as_finance, make_grant, walk, funded, django_assert_num_queries, moves, finance
):
    grant = walk(make_grant(), moves)
    page(as_finance, grant)
    # Session, user, roles, the grant (with its event, fund and policy),
    # approval levels, signatures, quotes, history, the grant's entries and
    # their legs with accounts.
    with django_assert_num_queries(10):
        page(as_finance, grant)


# --- Claims overdue ---------------------------------------------------------------------


def test_a_claim_past_its_due_date_is_flagged_on_the_grant_page(
    as_finance, make_grant, walk, funded
):
    grant = walk(make_grant(), "advance_paid")  # returned 23 March 2019, claim due 6 April

    html = page(as_finance, grant)

    assert 'id="claim-overdue"' in html
    assert "2019-04-06" in html.split('id="claim-overdue"')[1].split("</")[0] or (
        'datetime="2019-04-06"' in html
    )


def test_a_settled_grant_is_never_overdue(as_finance, make_grant, walk, funded):
    grant = walk(make_grant(), "settled")
    assert 'id="claim-overdue"' not in page(as_finance, grant)


def test_the_stored_claim_period_decides_the_due_date(make_grant, event):
    grant = make_grant(state=GrantState.TRAVELLED)
    event.travel_policy.claim_due_days = 30
    event.travel_policy.save()

    # Returned 23 March 2019: due 22 April with 30 days.
    assert queries.claim_due_on(grant, event.travel_policy.claim_due_days) == datetime.date(
        2019, 4, 22
    )
    assert not queries.claim_overdue(
        grant, event.travel_policy.claim_due_days, datetime.date(2019, 4, 22)
    )
    assert queries.claim_overdue(
        grant, event.travel_policy.claim_due_days, datetime.date(2019, 4, 23)
    )


def test_the_queue_filters_and_marks_claims_overdue(client, officer, make_grant, event):
    overdue = make_grant(state=GrantState.ADVANCE_PAID)
    settled = make_grant(state=GrantState.SETTLED)
    submitted = make_grant(state=GrantState.SUBMITTED)
    client.force_login(officer)
    url = reverse("grant-queue", args=[event.code])

    everything = client.get(url).content.decode()
    listed = client.get(url + "?overdue=yes").content.decode()

    assert everything.count('class="tag tag-warn claim-overdue"') == 1
    assert overdue.reference in listed
    assert settled.reference not in listed and submitted.reference not in listed


@pytest.fixture
def clock(monkeypatch):
    """Sets what "today" is for the code under test."""
    real = timezone.localdate
    today: list[datetime.date | None] = [None]

    def localdate(value=None, timezone=None):
        if value is None and timezone is None and today[0] is not None:
            return today[0]
        return real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return lambda day: today.__setitem__(0, day)


def test_the_cached_queue_flags_a_claim_the_day_it_falls_overdue(
    client, officer, make_grant, event, clock
):
    # Returned 23 March 2019, due 6 April: no grant changes overnight, so
    # the queue's cache must not outlive the day.
    grant = make_grant(state=GrantState.TRAVELLED)
    client.force_login(officer)
    url = reverse("grant-queue", args=[event.code]) + "?overdue=yes"
    clock(datetime.date(2019, 4, 6))
    assert grant.reference not in client.get(url).content.decode()

    clock(datetime.date(2019, 4, 7))
    assert grant.reference in client.get(url).content.decode()


# --- The export -------------------------------------------------------------------------


def test_the_export_gives_the_ledgers_approved_advanced_actual_owed_and_refunded(
    as_finance, make_grant, walk, funded, finance, event
):
    grant = walk(make_grant(cost=Decimal("2000.00")), "settled", actual="1500.00")
    workflow.record_traveller_refund(grant, finance, Decimal("40.00"))
    make_grant(cost=Decimal("1500.00"))

    header, rows, totals = export_sheet(as_finance, event)

    row = {header[i]: cell for i, cell in enumerate(rows[0])}
    values = {name: Decimal(str(row[name].value)) for name in (
        "Approved", "Advanced", "Actual cost", "PSC charged", "Owed by the traveller", "Refunded"
    )}  # fmt: skip
    assert values == {
        "Approved": Decimal("2000.00"),
        "Advanced": Decimal("1600.00"),
        "Actual cost": Decimal("1500.00"),
        "PSC charged": Decimal("120.00"),
        "Owed by the traveller": Decimal("60.00"),
        "Refunded": Decimal("40.00"),
    }
    # The one money format of every export (fundmgr.spreadsheet.money_format).
    assert row["Refunded"].number_format == '#,##0.00 "USD";-#,##0.00 "USD"'
    second = {header[i]: cell.value for i, cell in enumerate(rows[1])}
    assert second["Approved"] == second["Owed by the traveller"] == 0
    assert "Claim overdue" in header


@pytest.mark.parametrize("size", [3, 30])
def test_the_export_with_ledger_columns_runs_a_fixed_number_of_queries(
    as_finance, make_grant, walk, funded, event, django_assert_num_queries, size
):
    event.max_funded_per_country = 100
    event.save()
    for _ in range(size):
        walk(make_grant(cost=Decimal("1100.00")), "advance_paid")
    as_finance.get(reverse("grant-queue", args=[event.code]))
    # Session, user, roles, event, countries for the filter, the rows, the
    # ledger's amounts for them.
    with django_assert_num_queries(7):
        response = as_finance.get(reverse("grant-export", args=[event.code]))
        b"".join(response.streaming_content)
