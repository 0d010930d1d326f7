"""The conference reconciliation page: who may read it and record, what it
shows, and its fixed number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fundmgr.models import ExchangeRate
from fundmgr.money import Money
from fundmgr.roles import Role
from reports.models import BudgetLine, HostContribution, HostCost
from reports.services import conference as svc
from tests.once import post_form

MARCH = datetime.date(2019, 3, 10)


def page(event):
    return reverse("reports-conference", args=[event.code])


@pytest.fixture
def venue(event, finance, rates):
    return svc.add_budget_line(
        event, category="venue", funding_source="host_cash", budget="10000.00", by=finance
    )


def test_book_readers_see_the_page_and_others_are_refused(client, event, make_user, rates):
    client.force_login(make_user("aud", Role.AUDITOR))
    assert client.get(page(event)).status_code == 200
    client.force_login(make_user("don", Role.DONOR))
    assert client.get(page(event)).status_code == 403
    client.logout()
    assert client.get(page(event)).status_code == 302


def test_an_unknown_event_is_not_found(client, finance):
    client.force_login(finance)
    assert client.get("/reports/events/NOPE/conference/").status_code == 404


def test_only_finance_officers_may_post_and_nothing_is_saved_otherwise(
    client, event, make_user, rates
):
    url = reverse("reports-conference-line", args=[event.code])
    data = {"category": "venue", "funding_source": "host_cash", "budget": "100.00"}
    for role in (Role.AUDITOR, Role.FUND_OFFICER, Role.ADMINISTRATOR):
        client.force_login(make_user(f"u-{role}", role))
        assert post_form(client, url, data).status_code == 403
    assert not BudgetLine.objects.exists()


def test_a_finance_officer_adds_a_line_and_records_cash_and_a_cost(client, event, finance, rates):
    client.force_login(finance)
    response = post_form(
        client,
        reverse("reports-conference-line", args=[event.code]),
        {"category": "venue", "funding_source": "host_cash", "budget": "10,000.00"},
    )
    assert response.status_code == 302
    line = BudgetLine.objects.get()
    assert line.budget == 10000
    response = post_form(
        client,
        reverse("reports-conference-contribution", args=[event.code]),
        {
            "what": "cash_received",
            "amount": "79000",
            "currency": "ars",
            "date": "2019-03-10",
            "reference": "TR-1",
            "description": "Transfer",
        },
    )
    assert response.status_code == 302
    assert HostContribution.objects.get().base_amount == 2000
    response = post_form(
        client,
        reverse("reports-conference-cost", args=[event.code]),
        {
            "budget_line": str(line.pk),
            "amount": "59250",
            "currency": "ARS",
            "date": "2019-03-10",
            "reference": "INV-1",
            "description": "Hall",
        },
    )
    assert response.status_code == 302
    assert HostCost.objects.get().base_amount == 1500  # 59,250 / 39.5


def test_a_cost_above_the_host_cash_is_shown_refused_with_its_figures(
    client, event, finance, venue
):
    client.force_login(finance)
    url = reverse("reports-conference-cost", args=[event.code])
    data = {
        "budget_line": str(venue.pk),
        "amount": "1500.00",
        "currency": "USD",
        "date": "2019-03-10",
        "reference": "INV-1",
        "description": "Hall",
    }
    response = post_form(client, url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "No host country cash is held for CONF19" in body and "1,500.00 USD" in body
    svc.record_host_cash_received(
        event,
        amount=Money("39000", "ARS"),
        date=MARCH,
        reference="TR-1",
        description="Transfer",
        by=finance,
    )
    response = post_form(client, url, {**data, "amount": "43300", "currency": "ARS"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "43,300.00 ARS" in body and "39,000.00 ARS" in body
    assert not HostCost.objects.exists()


def held_table(body: str) -> str:
    start = body.index('id="held-heading"')
    return body[start : body.index("</table>", start)]


def test_the_page_revalues_the_host_cash_at_the_reporting_dates_rate(client, event, finance, venue):
    ExchangeRate.objects.create(
        currency="ARS", effective_date=datetime.date(2019, 4, 1), units_per_usd=Decimal("44.000")
    )
    svc.record_host_cash_received(
        event,
        amount=Money("39500", "ARS"),
        date=MARCH,
        reference="TR-1",
        description="Transfer",
        by=finance,
    )
    client.force_login(finance)
    response = client.get(page(event), {"as_of": "2019-04-15"})
    assert response.status_code == 200
    table = held_table(response.content.decode())
    # 39,500 ARS held, booked at 1,000.00; worth 897.73 at 44 on 15 April: -102.27.
    for figure in ("ARS", "39,500.00", "$1,000.00", "$897.73", "-$102.27"):
        assert figure in table, figure
    assert "not posted" in response.content.decode()


def test_a_missing_rate_on_the_reporting_date_is_shown_as_an_error_not_a_crash(
    client, event, finance, venue
):
    svc.record_host_cash_received(
        event,
        amount=Money("39500", "ARS"),
        date=MARCH,
        reference="TR-1",
        description="Transfer",
        by=finance,
    )
    client.force_login(finance)
    response = client.get(page(event), {"as_of": "2019-06-01"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Not revalued:" in body
    assert "No UN operational rate of exchange for ARS is in force on 2019-06-01" in body
    assert "$1,000.00" in held_table(body) and "no rate" in held_table(body)


def test_a_bad_or_future_reporting_date_shows_todays_figures_and_says_so(
    client, event, finance, venue
):
    client.force_login(finance)
    for raw in ("15/04/2019", "2999-01-01"):
        response = client.get(page(event), {"as_of": raw})
        assert response.status_code == 200
        assert response.context["rec"].as_of == timezone.localdate()
        assert "instead" in response.content.decode()


def test_bad_input_names_the_field_and_saves_nothing(client, event, finance, venue):
    client.force_login(finance)
    response = post_form(
        client,
        reverse("reports-conference-contribution", args=[event.code]),
        {
            "what": "in_kind_provided",
            "amount": "0,5",
            "currency": "USD",
            "date": "10/03/2019",
            "reference": "IK-1",
            "description": "x",
        },
    )
    assert response.status_code == 400
    form = response.context["contribution_form"]
    assert set(form.errors) >= {"amount", "date", "budget_line"}
    assert not HostContribution.objects.exists()


def test_the_page_shows_the_regular_budget_impact_in_red_with_each_cause(
    client, event, finance, rates
):
    line = svc.add_budget_line(
        event, category="security", funding_source="regular_budget", budget="0", by=finance
    )
    svc.set_line_figures(line, by=finance, actual="700.00")
    client.force_login(finance)
    body = client.get(page(event)).content.decode()
    assert 'class="error-summary" role="alert"' in body
    assert "$700.00" in body and "funded by the regular budget" in body


def test_the_page_shows_a_zero_impact_without_alarm(client, event, finance, venue):
    client.force_login(finance)
    body = client.get(page(event)).content.decode()
    assert 'role="alert"' not in body and "resolution 71/318 para 11" in body


def build(event, finance, size: int, make_grant) -> None:
    svc.record_host_cash_received(
        event,
        amount=Money("3950000", "ARS"),
        date=MARCH,
        reference="TR-0",
        description="Transfer",
        by=finance,
    )
    for n in range(size):
        cash = svc.add_budget_line(
            event,
            category="other",
            label=f"Cash {n}",
            funding_source="host_cash",
            budget="100",
            by=finance,
        )
        kind = svc.add_budget_line(
            event,
            category="other",
            label=f"Kind {n}",
            funding_source="host_in_kind",
            budget="100",
            by=finance,
        )
        svc.record_host_cost(
            event,
            budget_line=cash,
            amount=Money("395", "ARS"),
            date=MARCH,
            reference=f"C{n}",
            description="Cost",
            by=finance,
        )
        svc.record_in_kind_provided(
            event,
            budget_line=kind,
            amount=Money("10.00", "USD"),
            date=MARCH,
            reference=f"K{n}",
            description="Kind",
            by=finance,
        )
        svc.record_host_pledge(
            event,
            kind="cash",
            amount=Money("5.00", "USD"),
            date=MARCH,
            reference=f"P{n}",
            description="Pledge",
            by=finance,
        )
        make_grant()


@pytest.mark.parametrize("size", [1, 12])
def test_the_page_runs_a_fixed_number_of_queries_whatever_the_size(
    client, event, finance, rates, make_grant, size, django_assert_num_queries
):
    build(event, finance, size, make_grant)
    client.force_login(finance)
    client.get(page(event))  # warm the session and content types
    # session, user, groups, event, lines, host totals, grants, PSC, host cash by currency,
    # rates on the reporting date, contributions, costs
    with django_assert_num_queries(12):
        response = client.get(page(event), {"as_of": "2019-03-31"})
    assert response.status_code == 200
    assert len(response.context["rec"].rows) == 2 * size


def test_a_finance_officer_enters_an_actual_cost_and_an_unknown_currency_is_named(
    client, event, finance, rates
):
    line = svc.add_budget_line(
        event, category="staff_travel", funding_source="trust_fund", budget="900", by=finance
    )
    client.force_login(finance)
    response = post_form(
        client,
        reverse("reports-conference-figures", args=[event.code]),
        {"budget_line": str(line.pk), "actual": "950.00", "why": "Final claims"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.actual == 950 and line.budget == 900
    response = post_form(
        client,
        reverse("reports-conference-contribution", args=[event.code]),
        {
            "what": "cash_received",
            "amount": "10",
            "currency": "XQZ",
            "date": "2019-03-10",
            "reference": "TR-1",
            "description": "x",
        },
    )
    assert response.status_code == 400 and "XQZ" in response.content.decode()
    assert not HostContribution.objects.exists()


def test_a_refused_cost_is_said_at_the_top_focused_with_error_in_the_title(
    client, event, finance, venue
):
    """The page shown again after a refused action: the refusal takes the
    focus and the title starts with "Error: " (its box did neither)."""
    from tests.accessible import refusal_shown

    client.force_login(finance)
    data = {
        "budget_line": str(venue.pk),
        "amount": "1500.00",
        "currency": "USD",
        "date": "2019-03-10",
        "reference": "INV-1",
        "description": "Hall",
    }
    response = post_form(client, reverse("reports-conference-cost", args=[event.code]), data)

    assert response.status_code == 400
    box = refusal_shown(response, "refusal")
    assert "No host country cash is held for CONF19" in box.text_content()
