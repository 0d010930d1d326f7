"""The entitlement: airfare by the routing rule, DSA for the venue city,
terminal expenses, PSC on top; the breakdown adds up to the cost."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from fundmgr.models import AuditRecord, Country
from fundmgr.money import Money
from grants.models import AirfareQuote, DsaRate, GrantState, TerminalExpense
from grants.services.entitlement import (
    EntitlementRefused,
    add_quote,
    apply_entitlement,
    choose_airfare,
    compute_entitlement,
)

MARCH_5 = datetime.date(2019, 3, 5)


@pytest.fixture
def grant(make_grant):
    # Departs 18 March, returns 23 March, from Nepal.
    return make_grant(state=GrantState.SUBMITTED)


def quote(grant, by, fare: str, hours: str, route: str = "KTM-DOH-EZE", currency: str = "USD"):
    return add_quote(
        grant,
        by,
        route=route,
        fare=Money(fare, currency),
        travel_hours=Decimal(hours),
        quoted_on=MARCH_5,
    )


def test_a_quote_in_euros_is_converted_at_the_un_rate_of_the_day_it_was_quoted(
    grant, officer, rates
):
    made = quote(grant, officer, "880.00", "30", currency="EUR")
    assert made.fare == Money("880.00", "EUR")
    assert made.base_amount == Decimal("1000.00")  # 880 / 0.880 EUR per USD in March 2019
    assert AuditRecord.objects.filter(action="grant:quote-added").count() == 1


@pytest.mark.parametrize(
    ("fare", "currency", "message"),
    [
        ("0", "USD", "greater than zero"),
        ("-5", "USD", "greater than zero"),
        ("500", "NPR", "NPR, which has no UN rate of exchange on 2019-03-05"),
        ("500", "SEK", "SEK, which has no UN rate"),
        ("500.001", "USD", "at most 2 decimals"),
    ],
)
def test_a_bad_fare_is_refused_and_nothing_is_saved(grant, officer, rates, fare, currency, message):
    with pytest.raises(EntitlementRefused, match=message):
        quote(grant, officer, fare, "30", currency=currency)
    assert not AirfareQuote.objects.exists()


def test_a_quote_needs_a_route_and_sensible_hours(grant, officer):
    with pytest.raises(EntitlementRefused, match="route"):
        quote(grant, officer, "900", "30", route="  ")
    with pytest.raises(EntitlementRefused, match="more than 0"):
        quote(grant, officer, "900", "0")
    with pytest.raises(EntitlementRefused, match="tenth of an hour"):
        quote(grant, officer, "900", "30.25")


def test_only_a_fund_officer_enters_quotes(grant, approver):
    with pytest.raises(PermissionDenied):
        quote(grant, approver, "900", "30")


def test_the_least_costly_routing_is_chosen_when_it_adds_less_than_4_hours(grant, officer):
    quote(grant, officer, "1800", "26", route="KTM-DXB-EZE")
    cheap = quote(grant, officer, "1500", "29.9", route="KTM-DEL-DOH-EZE")
    choice = choose_airfare(grant)
    assert choice.quote.pk == cheap.pk
    assert "least costly routing, KTM-DEL-DOH-EZE" in choice.note
    assert "adds 3.9 h" in choice.note


def test_a_costlier_more_direct_routing_is_chosen_when_the_cheapest_adds_4_hours_or_more(
    grant, officer
):
    direct = quote(grant, officer, "1800", "26", route="KTM-DXB-EZE")
    quote(grant, officer, "1500", "30", route="KTM-DEL-FRA-EZE")
    middle = quote(grant, officer, "1700", "28", route="KTM-DOH-EZE")
    choice = choose_airfare(grant)
    # Of the routings under 26 + 4 hours, the least costly: not the direct one.
    assert choice.quote.pk == middle.pk != direct.pk
    assert "more direct routing, KTM-DOH-EZE" in choice.note
    assert "least costly one, KTM-DEL-FRA-EZE (USD 1,500.00, 30 h)" in choice.note
    assert "adds 4 h" in choice.note


def test_the_entitlement_adds_airfare_dsa_for_the_nights_and_terminal_expenses(grant, officer):
    quote(grant, officer, "1500.00", "28")
    entitlement = compute_entitlement(grant)
    # 18 to 23 March is 5 nights, but 2 conference nights + 2 travel days = 4.
    assert (entitlement.dsa_rate, entitlement.dsa_nights) == (Decimal("250.00"), 4)
    assert entitlement.dsa_amount == Decimal("1000.00")
    assert entitlement.terminal_amount == Decimal("76.00")
    assert entitlement.cost == Decimal("2576.00")
    assert entitlement.psc_pct == Decimal("8") and entitlement.psc_amount == Decimal("206.08")
    assert entitlement.total == Decimal("2782.08")
    assert sum(line.amount for line in entitlement.breakdown) == entitlement.cost


def test_fewer_nights_away_than_allowed_pay_only_the_nights_away(grant, officer):
    grant.depart_on, grant.return_on = datetime.date(2019, 3, 19), datetime.date(2019, 3, 22)
    grant.save()
    quote(grant, officer, "1500.00", "28")
    assert compute_entitlement(grant).dsa_nights == 3


def test_the_dsa_rate_in_force_on_the_departure_date_is_used(grant, officer, event):
    DsaRate.objects.create(
        country=event.country,
        city="Buenos Aires",
        amount=Decimal("300.00"),
        effective_from=datetime.date(2019, 3, 18),
    )
    DsaRate.objects.create(
        country=event.country,
        city="Buenos Aires",
        amount=Decimal("350.00"),
        effective_from=datetime.date(2019, 3, 19),
    )
    quote(grant, officer, "1500.00", "28")
    assert compute_entitlement(grant).dsa_rate == Decimal("300.00")


def test_a_missing_dsa_rate_is_an_error_naming_the_city(grant, officer):
    DsaRate.objects.all().delete()
    quote(grant, officer, "1500.00", "28")
    with pytest.raises(EntitlementRefused, match="No DSA rate for Buenos Aires"):
        compute_entitlement(grant)


def test_the_departure_country_terminal_expense_wins_over_the_default(grant, officer):
    nepal = Country.objects.get(iso2="NP")
    TerminalExpense.objects.create(
        country=nepal, amount=Decimal("90.00"), effective_from=datetime.date(2019, 1, 1)
    )
    TerminalExpense.objects.create(
        country=nepal, amount=Decimal("95.00"), effective_from=datetime.date(2019, 4, 1)
    )
    quote(grant, officer, "1500.00", "28")
    assert compute_entitlement(grant).terminal_amount == Decimal("90.00")


def test_without_any_terminal_expense_in_force_the_entitlement_is_refused(grant, officer):
    TerminalExpense.objects.all().delete()
    quote(grant, officer, "1500.00", "28")
    with pytest.raises(EntitlementRefused, match="No terminal expense"):
        compute_entitlement(grant)


def test_no_quote_no_entitlement(grant):
    with pytest.raises(EntitlementRefused, match="No airfare quote"):
        compute_entitlement(grant)


def test_applying_stores_the_figures_marks_the_chosen_quote_and_logs_them(grant, officer):
    quote(grant, officer, "1800", "26", route="KTM-DXB-EZE")
    cheap = quote(grant, officer, "1500", "29", route="KTM-DOH-EZE")
    apply_entitlement(grant, officer)
    grant.refresh_from_db()
    assert (grant.airfare, grant.airfare_route) == (Decimal("1500.00"), "KTM-DOH-EZE")
    assert "least costly routing" in grant.routing_shown
    assert grant.routing_reason["code"] == "routing.cheapest"
    assert (grant.dsa_nights, grant.dsa_amount, grant.terminal_amount) == (
        4,
        Decimal("1000.00"),
        Decimal("76.00"),
    )
    assert (grant.cost, grant.psc_pct, grant.psc_amount) == (
        Decimal("2576.00"),
        Decimal("8.00"),
        Decimal("206.08"),
    )
    assert list(grant.quotes.filter(chosen=True)) == [cheap]
    record = AuditRecord.objects.get(action="grant:entitlement")
    assert record.data["cost"] == "2576.00"
    # A cheaper quote later moves the choice: still one chosen quote.
    cheaper = quote(grant, officer, "1400", "27", route="KTM-AUH-EZE")
    apply_entitlement(grant, officer)
    assert list(grant.quotes.filter(chosen=True)) == [cheaper]
    assert grant.cost == Decimal("2476.00")


@pytest.mark.parametrize(
    "state",
    [GrantState.CERTIFIED, GrantState.APPROVED, GrantState.COMMITTED, GrantState.REJECTED],
)
def test_quotes_and_entitlement_are_frozen_once_an_officer_certified_the_cost(
    make_grant, officer, state
):
    grant = make_grant(state=state)
    with pytest.raises(EntitlementRefused, match="only while it is a draft or submitted"):
        quote(grant, officer, "1500", "28")
    with pytest.raises(EntitlementRefused, match="only while"):
        apply_entitlement(grant, officer)


def test_a_submitted_grant_may_still_be_recomputed(make_grant, officer):
    grant = make_grant(state=GrantState.SUBMITTED)
    quote(grant, officer, "1500", "28")
    assert apply_entitlement(grant, officer).cost == Decimal("2576.00")


def test_the_trail_shows_why_a_routing_was_chosen_in_its_reader_s_language(grant, officer):
    """The audit record of an entitlement keeps its routing's reason by code:
    applied by a French officer, it reads in English to an English auditor
    and in French to a French one (it was kept in English only)."""
    from django.utils import translation

    quote(grant, officer, "1500", "30")
    with translation.override("fr"):
        apply_entitlement(grant, officer)
    record = AuditRecord.objects.get(action="grant:entitlement")

    with translation.override("en"):
        english = record.why_shown
    with translation.override("fr"):
        french = record.why_shown
    assert english.startswith("Only one quote was entered: KTM-DOH-EZE")
    assert french != english and french
