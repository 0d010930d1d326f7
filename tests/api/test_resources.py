"""What the read resources answer: money as strings with their currency,
ISO dates, filters, cursor pages, a fixed number of queries per page, and a
400 (never a 500) for a bad parameter."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from fundmgr.models import Event, ExchangeRate, Fund
from fundmgr.roles import Role
from fundmgr.services.funds import open_fund
from fundmgr.services.ledger import post_entry  # noqa: F401 (the books below)
from tests.api.helpers import bearer, issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(make_user):
    return bearer(issue(make_user("auditor-1", Role.AUDITOR)))


def test_money_is_an_amount_string_to_the_minor_unit_with_its_currency(reader, fund):
    fund_row = reader.get("/api/v1/funds/TESTF/").json()

    assert fund_row["cash"] == {"amount": "0.00", "currency": "USD"}
    assert all(
        isinstance(value["amount"], str) for value in fund_row.values() if isinstance(value, dict)
    )


def test_money_keeps_each_currency_s_own_minor_unit(reader, admin_user):
    open_fund(
        code="JPYF", name="Yen fund", base_currency="JPY", by=admin_user,
        psc_rate_pct=Decimal("7"), psc_from=datetime.date(2018, 1, 1),
    )  # fmt: skip

    assert reader.get("/api/v1/funds/JPYF/").json()["cash"] == {"amount": "0", "currency": "JPY"}


def test_a_fund_s_position_is_the_fund_page_s(reader, fund, client):
    """The same service draws both: the API's cash is the page's."""
    from fundmgr.services.funds import positions

    expected = positions([fund], datetime.date(2019, 3, 31))[0]

    row = reader.get("/api/v1/funds/TESTF/?as_of=2019-03-31").json()

    assert row["as_of"] == "2019-03-31"
    assert row["available_to_commit"]["amount"] == f"{expected.available_to_commit.amount:f}"


def test_the_statement_is_the_statement_page_s_as_of_a_date(reader, fund):
    from reports.services.statement import fund_statement

    expected = fund_statement(fund, datetime.date(2019, 3, 31), datetime.date(2019, 1, 1))

    row = reader.get("/api/v1/funds/TESTF/statement/?as_of=2019-03-31&from=2019-01-01").json()

    assert row["period_start"] == "2019-01-01"
    assert row["as_of"] == "2019-03-31"
    assert row["closing"] == {"amount": f"{expected.closing.amount:f}", "currency": "USD"}
    assert row["balances"] is True


def test_an_unknown_fund_is_a_404(reader, fund):
    assert reader.get("/api/v1/funds/NOPE/").status_code == 404
    assert reader.get("/api/v1/funds/NOPE/statement/").status_code == 404


def test_exchange_rates_are_strings_filtered_by_currency_and_date(reader, rates):
    answer = reader.get("/api/v1/exchange-rates/?currency=EUR&from=2019-03-01&to=2019-03-31")

    rows = answer.json()["results"]
    assert rows
    assert {row["currency"] for row in rows} == {"EUR"}
    assert all("2019-03-01" <= row["effective_date"] <= "2019-03-31" for row in rows)
    assert all(isinstance(row["units_per_usd"], str) for row in rows)


def test_events_are_filtered_by_their_first_day(reader, fund):
    make_events(fund, 3)

    rows = reader.get("/api/v1/events/?from=2019-01-02&to=2019-01-02").json()["results"]

    assert [row["code"] for row in rows] == ["EV1"]
    assert rows[0]["fund"] == "TESTF"
    assert rows[0]["starts_on"] == "2019-01-02"


def test_cursor_pages_cover_every_row_once(reader, fund):
    make_events(fund, 5)

    seen, url = [], "/api/v1/events/?page_size=2"
    while url:
        page = reader.get(url).json()
        seen += [row["code"] for row in page["results"]]
        url = page["next"]

    assert sorted(seen) == [f"EV{i}" for i in range(5)]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/funds/?as_of=2019-02-30",
        "/api/v1/funds/TESTF/?as_of=yesterday",
        "/api/v1/funds/TESTF/statement/?as_of=31/03/2019",
        "/api/v1/funds/TESTF/statement/?as_of=2019-01-01&from=2019-06-01",
        "/api/v1/exchange-rates/?from=2019-13-01",
        "/api/v1/exchange-rates/?currency=euro",
        "/api/v1/exchange-rates/?from=2019-05-01&to=2019-01-01",
        "/api/v1/events/?to=%00",
        "/api/v1/events/?to=",
        "/api/v1/events/?form=2019-01-01",
        "/api/v1/events/?cursor=not-a-cursor",
        "/api/v1/funds/?cursor=bz14",  # o=x: an offset that is no number
        "/api/v1/exchange-rates/?cursor=cD0yMDE5",
    ],
)
def test_a_bad_parameter_is_a_400_naming_it_never_a_500(reader, fund, rates, url):
    answer = reader.get(url)

    assert answer.status_code == 400, answer.content
    assert answer.json()


@pytest.mark.parametrize("size", ["many", "0", "-1", "201", "1.5"])
def test_a_page_size_that_is_not_from_1_to_200_is_a_400(reader, fund, size):
    answer = reader.get(f"/api/v1/funds/?page_size={size}")

    assert answer.status_code == 400
    assert "page_size" in answer.json()


# -- a fixed number of queries per page, whatever its size ------------------------


def make_events(fund, count):
    from fundmgr.models import Country, EventSession

    country = Country.objects.get(iso2="AR")
    for i in range(count):
        day = datetime.date(2019, 1, 1) + datetime.timedelta(days=i)
        event = Event.objects.create(
            code=f"EV{i}", name=f"Event {i}", fund=fund, starts_on=day, ends_on=day,
            city="Buenos Aires", country=country, eligibility_date=day,
        )  # fmt: skip
        EventSession.objects.create(
            event=event, date=day, starts_at=datetime.time(10), ends_at=datetime.time(12),
            kind="plenary",
        )  # fmt: skip


def make_funds(admin_user, count):
    for i in range(count):
        open_fund(
            code=f"F{i:03}", name=f"Fund {i}", by=admin_user,
            psc_rate_pct=Decimal("8"), psc_from=datetime.date(2018, 1, 1),
        )  # fmt: skip


def make_rates(count):
    ExchangeRate.objects.bulk_create(
        ExchangeRate(
            currency="EUR",
            effective_date=datetime.date(2019, 1, 1) + datetime.timedelta(days=i),
            units_per_usd=Decimal("0.9"),
        )
        for i in range(count)
    )


#: token and owner, the owner's roles, the page (and what it needs), the
#: token's last use, the audit record.
PER_CALL = 4


@pytest.mark.parametrize("rows", [3, 30])
def test_the_funds_page_runs_a_fixed_number_of_queries(
    reader, admin_user, rows, django_assert_num_queries
):
    make_funds(admin_user, rows)

    # funds, balances, PSC rates
    with django_assert_num_queries(PER_CALL + 3):
        answer = reader.get("/api/v1/funds/")

    assert len(answer.json()["results"]) == Fund.objects.count() == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_the_exchange_rates_page_runs_a_fixed_number_of_queries(
    reader, rows, django_assert_num_queries
):
    make_rates(rows)

    with django_assert_num_queries(PER_CALL + 1):
        answer = reader.get("/api/v1/exchange-rates/")

    assert len(answer.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_the_events_page_runs_a_fixed_number_of_queries(
    reader, fund, rows, django_assert_num_queries
):
    make_events(fund, rows)

    # events with their fund, their sessions
    with django_assert_num_queries(PER_CALL + 2):
        answer = reader.get("/api/v1/events/")

    assert len(answer.json()["results"]) == rows


def test_the_demo_fund_s_statement_and_position_match_the_services_to_the_cent(make_user):
    """With real books (the BAPA+40 demo): every amount the API gives is the
    service's, as a string, in the fund's currency."""
    from django.core.management import call_command

    from fundmgr.services.funds import positions
    from reports.services.statement import fund_statement

    call_command("load_demo", verbosity=0)
    client = bearer(issue(make_user("reader", Role.FINANCE_OFFICER)))
    fund = Fund.objects.get(code="UNFSSC")
    day = datetime.date(2019, 3, 31)
    statement = fund_statement(fund, day)
    position = positions([fund], day)[0]

    row = client.get("/api/v1/funds/UNFSSC/statement/?as_of=2019-03-31").json()
    fund_row = client.get("/api/v1/funds/UNFSSC/?as_of=2019-03-31").json()

    assert statement.contributions.amount > 0
    assert row["contributions"] == {
        "amount": f"{statement.contributions.amount:f}",
        "currency": fund.base_currency,
    }
    assert [line["amount"]["amount"] for line in row["contributions_by_donor"]] == [
        f"{line.amount.amount:f}" for line in statement.contributions_by_donor
    ]
    assert row["closing"]["amount"] == f"{statement.closing.amount:f}"
    assert fund_row["cash"]["amount"] == f"{position.cash.amount:f}"


def test_a_query_with_a_default_or_a_required_parameter_is_read_on_every_call():
    """A call with no filter skips the query's serializer only when it would
    read nothing from none (api.views.base._takes_nothing)."""
    from rest_framework import serializers

    from api.query import DateRangeQuery
    from api.views.base import _takes_nothing

    class Today(serializers.Serializer):
        day = serializers.DateField(required=False, default=datetime.date.today)

    class Needed(serializers.Serializer):
        fund = serializers.CharField()

    assert _takes_nothing(DateRangeQuery)
    assert not _takes_nothing(Today)
    assert not _takes_nothing(Needed)
