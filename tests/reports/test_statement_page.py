"""The statement page: who may read it, bad input, and a fixed number of
queries whatever the size of the fund's history."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from donors.services.pledges import (
    InstalmentSpec,
    cancel_pledge,
    find_or_create_donor,
    record_pledge,
)
from donors.services.receipts import Fee, record_receipt
from fundmgr.chart import AccountKey as K
from fundmgr.money import Money
from fundmgr.roles import BOOK_READERS, Role
from fundmgr.services.ledger import credit, debit, post_entry

pytestmark = pytest.mark.django_db

MARCH_5 = datetime.date(2019, 3, 5)


def url(fund, **query) -> str:
    address = reverse("fund-statement", args=[fund.code])
    if query:
        address += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return address


def history(fund, by, size: int) -> None:
    """``size`` donors, each with a binding EUR pledge in two instalments, a
    receipt at April's rate (an exchange loss), a card receipt with a fee, and
    every other pledge cancelled; plus interest and a bank charge."""
    for n in range(size):
        donor = find_or_create_donor(
            name=f"Donor {n}", kind="member_state", email=f"donor{n}@example.org"
        )
        pledge = record_pledge(
            fund=fund,
            donor=donor,
            amount=Money("1000", "EUR"),
            pledge_date=MARCH_5,
            method="schedule",
            agreement_signed=True,
            schedule=[
                InstalmentSpec(Money("500", "EUR"), MARCH_5),
                InstalmentSpec(Money("500", "EUR"), datetime.date(2019, 6, 1)),
            ],
            by=by,
        )
        record_receipt(
            fund=fund,
            donor=donor,
            amount=Money("300", "EUR"),
            value_date=datetime.date(2019, 4, 2),
            pledge=pledge,
            by=by,
            notify=False,
        )
        record_receipt(
            fund=fund,
            donor=donor,
            amount=Money("50", "USD"),
            value_date=datetime.date(2019, 4, 3),
            method="card",
            fees=(Fee(Money("1.75", "USD")),),
            by=by,
            notify=False,
        )
        if n % 2:
            cancel_pledge(pledge, by, reason="withdrawn", on=datetime.date(2019, 4, 5))
        post_entry(
            fund,
            datetime.date(2019, 4, 30),
            "Interest",
            [debit(K.BANK, Money("1.10", "USD")), credit(K.INTEREST, Money("1.10", "USD"))],
            by,
        )


@pytest.mark.parametrize("role", BOOK_READERS)
def test_every_book_reader_may_read_the_statement(client, fund, make_user, role):
    client.force_login(make_user("reader", role))
    response = client.get(url(fund, as_of="2019-04-30"))
    assert response.status_code == 200
    assert response.context["statement"].as_of == datetime.date(2019, 4, 30)


@pytest.mark.parametrize("role", [Role.DONOR, Role.FOCAL_POINT])
def test_donors_and_focal_points_may_not_read_the_statement(client, fund, make_user, role):
    client.force_login(make_user("outsider", role))
    assert client.get(url(fund)).status_code == 403


def test_a_visitor_is_sent_to_sign_in(client, fund):
    response = client.get(url(fund))
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_unknown_fund_is_not_found(client, fund, make_user):
    client.force_login(make_user("reader", Role.FINANCE_OFFICER))
    assert client.get("/reports/NOSUCH/statement/").status_code == 404


@pytest.mark.parametrize(
    "query, message",
    [
        ({"as_of": "2019-02-30"}, "“2019-02-30” is not a date for the statement date"),
        ({"as_of": "31/03/2019"}, "enter it as YYYY-MM-DD"),
        ({"from": "yesterday"}, "“yesterday” is not a date for the start of the period"),
        ({"as_of": "2019-03-01", "from": "2019-04-01"}, "cannot start (2019-04-01) after"),
    ],
)
def test_a_bad_date_is_explained_not_a_server_error(client, fund, make_user, query, message):
    client.force_login(make_user("reader", Role.FINANCE_OFFICER))
    response = client.get(url(fund, **query))
    assert response.status_code == 400
    assert response.context["statement"] is None
    assert message in response.content.decode()


def test_the_page_shows_the_lines_and_that_the_statement_balances(
    client, fund, rates, admin_user, make_user
):
    history(fund, admin_user, 2)
    client.force_login(make_user("reader", Role.AUDITOR))
    response = client.get(url(fund, as_of="2019-04-30", **{"from": "2019-04-01"}))
    page = response.content.decode()
    statement = response.context["statement"]
    assert statement.balances
    assert "Donor 0" in page and "Donor 1" in page
    assert "status-ok" in page and "status-bad" not in page
    assert statement.period_start == datetime.date(2019, 4, 1)


def test_the_page_runs_the_same_queries_whatever_the_size(
    client, fund, rates, admin_user, make_user, django_assert_num_queries
):
    client.force_login(make_user("reader", Role.FINANCE_OFFICER))
    # Session, user, roles, fund; then the statement: legs by account and
    # period, PSC rate, contributions by donor, donor names, receivable by
    # pledge, pledges, instalments, cash received.
    for size in (1, 8):
        history(fund, admin_user, size)
        with django_assert_num_queries(12):
            response = client.get(url(fund, as_of="2019-04-30"))
        # The second history adds donors 1-7 (donor 0 gives again).
        assert len(response.context["statement"].contributions_by_donor) == max(size, 1)


def test_a_statement_that_does_not_balance_is_shown_in_red_with_the_difference(
    rf, fund, rates, admin_user
):
    import dataclasses

    from django.template.loader import render_to_string

    from reports.services.statement import fund_statement

    history(fund, admin_user, 1)
    statement = fund_statement(fund, datetime.date(2019, 4, 30))
    assert statement.balances
    broken = dataclasses.replace(statement, closing=statement.closing + Money("0.01", "USD"))
    assert not broken.balances and broken.difference == Money("0.01", "USD")
    request = rf.get("/")
    request.user = admin_user
    page = render_to_string(
        "reports/statement.html",
        {"fund": fund, "statement": broken, "errors": [], "as_of_value": "2019-04-30"},
        request=request,
    )
    assert "status-bad" in page and "a difference of $0.01" in page
