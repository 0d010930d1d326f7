"""Finance corrects rates on the exchange-rates page; everyone who reads the
books sees which rates are in use and the history of corrections."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fundmgr.chart import AccountKey as K
from fundmgr.models import AuditRecord, ExchangeRate
from fundmgr.money import money
from fundmgr.roles import Role
from fundmgr.services.ledger import credit, debit, post_entry
from fundmgr.services.rate_corrections import replace_rate, revise_rate
from fundmgr.services.rates import rate_on

MARCH_1 = datetime.date(2019, 3, 1)
MARCH_10 = datetime.date(2019, 3, 10)


@pytest.fixture
def officer(make_user):
    return make_user("fin", Role.FINANCE_OFFICER)


@pytest.fixture
def finance(client, officer):
    client.force_login(officer)
    return client


def post_eur(fund, by):
    post_entry(
        fund,
        MARCH_10,
        "EUR gift",
        [debit(K.BANK, money("88", "EUR")), credit(K.CONTRIBUTIONS, money("88", "EUR"))],
        by,
    )


def replace(client, **fields):
    data = {"currency": "EUR", "effective_date": "2019-03-01", "units_per_usd": "0.875"}
    data = {**data, "reason": "typing error", **fields}
    return client.post(reverse("replace-rate"), {f"replace-{k}": v for k, v in data.items()})


def revise(client, **fields):
    data = {"currency": "EUR", "effective_from": "2019-03-15", "units_per_usd": "0.885"}
    data = {**data, "reason": "UNORE revised mid-month", **fields}
    return client.post(reverse("revise-rate"), {f"revise-{k}": v for k, v in data.items()})


def test_finance_sees_both_correction_forms_with_labels_and_csrf(rates, finance):
    body = finance.get(reverse("exchange-rates")).content.decode()
    for name in ("replace-rate", "revise-rate"):
        form = body.split(f'action="{reverse(name)}"')[1].split("</form>")[0]
        assert 'name="csrfmiddlewaretoken"' in form
    assert '<label for="id_replace-reason">' in body
    assert '<label for="id_revise-effective_from">' in body


def test_the_auditor_sees_which_rates_are_in_use_and_no_correction_form(
    rates, fund, officer, client, make_user
):
    post_eur(fund, officer)
    client.force_login(make_user("aud", Role.AUDITOR))
    body = client.get(reverse("exchange-rates") + "?currency=EUR").content.decode()
    assert "yes: revise it from a date" in body  # March
    assert "no: it may be replaced" in body  # April
    assert reverse("replace-rate") not in body
    assert reverse("revise-rate") not in body


def test_finance_replaces_an_unused_rate_and_is_told(rates, finance):
    response = replace(finance)
    assert response.status_code == 302
    assert rate_on("EUR", MARCH_10).units_per_usd == Decimal("0.875")
    page = finance.get(response.url).content.decode()
    assert "The EUR rate of 1 March 2019 is now 0.875." in page


def test_replacing_a_used_rate_is_refused_on_the_page_and_changes_nothing(
    rates, fund, officer, finance
):
    post_eur(fund, officer)
    response = replace(finance)
    assert response.status_code == 400
    body = response.content.decode()
    assert "1 posted entry was converted at EUR 0.880000 of 2019-03-01" in body
    assert 'value="typing error"' in body or "typing error</textarea>" in body  # kept
    assert rate_on("EUR", MARCH_10).units_per_usd == Decimal("0.88")


def test_replacing_a_rate_on_a_date_without_one_names_the_field(rates, finance):
    response = replace(finance, effective_date="2019-03-02")
    assert response.status_code == 400
    assert "No EUR rate takes effect on that date." in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"reason": ""}, "This field is required."),
        ({"units_per_usd": "abc"}, "Enter the rate as a number"),
        ({"units_per_usd": "0"}, "The rate must be greater than zero."),
        ({"effective_from": "15/03/2019"}, "Enter the date as YYYY-MM-DD"),
        ({"effective_from": "2999-01-01"}, "on or before today"),
        ({"currency": "USD"}, "Select a valid choice"),
    ],
)
def test_a_bad_revision_is_shown_with_its_error_and_saves_nothing(rates, finance, fields, words):
    response = revise(finance, **fields)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert ExchangeRate.objects.count() == len(rates)


def test_finance_revises_a_used_rate_from_a_date_and_is_told_what_entries_keep(
    rates, fund, officer, finance
):
    post_entry(
        fund,
        datetime.date(2019, 3, 20),
        "EUR gift",
        [debit(K.BANK, money("88", "EUR")), credit(K.CONTRIBUTIONS, money("88", "EUR"))],
        officer,
    )
    response = revise(finance)
    assert response.status_code == 302
    page = finance.get(response.url).content.decode()
    assert "EUR is at 0.885 from 15 March 2019 (it was 0.880000)." in page
    assert "1 posted entry dated from then keeps the rate it was converted at" in page
    assert rate_on("EUR", datetime.date(2019, 3, 20)).units_per_usd == Decimal("0.885")


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.FUND_OFFICER])
def test_other_roles_may_not_correct_rates(rates, client, make_user, role):
    client.force_login(make_user("someone", role))
    assert replace(client).status_code == 403
    assert revise(client).status_code == 403
    assert rate_on("EUR", MARCH_10).units_per_usd == Decimal("0.88")


def test_a_correction_without_the_csrf_token_is_refused(rates, officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    assert replace(client).status_code == 403
    assert rate_on("EUR", MARCH_10).units_per_usd == Decimal("0.88")


def test_the_history_shows_who_when_why_and_the_figures(rates, officer, client, make_user):
    replace_rate(ExchangeRate.objects.get(currency="JPY"), Decimal("110.5"), "typo in JPY", officer)
    revise_rate("EUR", datetime.date(2019, 3, 15), Decimal("0.885"), "UNORE revision", officer)
    client.force_login(make_user("aud", Role.AUDITOR))
    body = client.get(reverse("rate-history")).content.decode()
    for words in ("typo in JPY", "UNORE revision", "fin", "110.5", "111.000000", "0.885"):
        assert words in body
    assert "2019-03-15" in body and "revised from a date" in body and "replaced" in body
    assert "2 corrections" in body


def test_the_rates_page_and_history_run_a_fixed_number_of_queries(db, officer, finance):
    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            day = datetime.date(2019, 1, 1) + datetime.timedelta(days=n)
            ExchangeRate.objects.create(
                currency="EUR", effective_date=day, units_per_usd=Decimal("0.88")
            )

    def queries(name):
        with CaptureQueriesContext(connection) as seen:
            assert finance.get(reverse(name)).status_code == 200
        return len(seen)

    add(2, 0)
    revise_rate("EUR", datetime.date(2019, 1, 2), Decimal("0.9"), "one", officer)
    few = queries("exchange-rates"), queries("rate-history")
    add(20, 10)
    for n in range(10, 15):
        revise_rate(
            "EUR",
            datetime.date(2019, 1, 1) + datetime.timedelta(days=n),
            Decimal("0.9"),
            "more",
            officer,
        )
    assert (queries("exchange-rates"), queries("rate-history")) == few
    assert AuditRecord.objects.filter(action="rates:revised").count() == 6
