"""The foundation's web pages: who sees what, how money reads in each
language, and a fixed number of queries whatever the amount of data."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from fundmgr.chart import AccountKey
from fundmgr.formatting import country_name, money, number
from fundmgr.models import Event, EventSession, ExchangeRate
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services.audit import log_action
from fundmgr.services.funds import open_fund, positions
from fundmgr.services.ledger import credit, debit, post_entry, reverse_entry

NNBSP = "\u202f"  # narrow no-break space: French thousands separator
NBSP = "\xa0"  # no-break space: between amount and currency symbol

DAY = datetime.date(2019, 3, 10)


def receive(fund, amount: str, by, day: datetime.date = DAY, memo: str = "Contribution"):
    return post_entry(
        fund,
        day,
        memo,
        [
            debit(AccountKey.BANK, Money(amount, fund.base_currency)),
            credit(AccountKey.CONTRIBUTIONS, Money(amount, fund.base_currency)),
        ],
        by=by,
    )


def add_event(fund, code: str, *, sessions: int = 0) -> Event:
    start = datetime.date(2019, 5, 6)
    event = Event.objects.create(
        code=code,
        name=f"Meeting {code}",
        fund=fund,
        starts_on=start,
        ends_on=start + datetime.timedelta(days=4),
        city="Nairobi",
        country_id="KE",
        eligibility_date=start,
    )
    for n in range(sessions):
        EventSession.objects.create(
            event=event,
            date=start + datetime.timedelta(days=n),
            starts_at=datetime.time(10),
            ends_at=datetime.time(13),
            kind=EventSession.Kind.PLENARY,
            title=f"Plenary {n + 1}",
        )
    return event


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def funded(fund, admin_user):
    """The test fund with USD 12,345.67 received and one event."""
    receive(fund, "12345.67", admin_user)
    add_event(fund, "MEET1", sessions=2)
    return fund


# --- The money filter ------------------------------------------------------------


def test_money_filter_formats_per_language():
    amount = Money(Decimal("1234567.891"), "USD")
    with translation.override("en"):
        assert money(amount) == "$1,234,567.89"
    with translation.override("fr"):
        assert money(amount) == f"1{NNBSP}234{NNBSP}567,89{NBSP}$US"
    with translation.override("es"):
        assert money(amount) == f"1.234.567,89{NBSP}US$"


def test_money_filter_takes_a_bare_decimal_with_its_currency_and_refuses_floats():
    with translation.override("fr"):
        assert money(Decimal("2500.5"), "EUR") == f"2{NNBSP}500,50{NBSP}€"
        assert money(Decimal("1500"), "JPY") == f"1{NNBSP}500{NBSP}JPY"
    with translation.override("en"):
        assert money(Decimal("0.125"), "USD") == "$0.13"  # half away from zero, as the ledger
        assert money(Decimal("1.2345"), "KWD") == "KWD1.235"
    with pytest.raises(TypeError):
        money(12.5, "USD")
    with pytest.raises(ValueError):
        money(Decimal("1"))
    assert money(None) == ""


def test_number_and_country_name_follow_the_language():
    with translation.override("fr"):
        assert number(Decimal("0.890000")) == "0,89"
        assert number(Decimal("1234.5")) == f"1{NNBSP}234,5"
        assert country_name("CH") == "Suisse"
    with translation.override("es"):
        assert country_name("CH") == "Suiza"
    with translation.override("en"):
        assert country_name("CH") == "Switzerland"
        assert country_name("QQ", "Nowhere") == "Nowhere"


# --- Home ---------------------------------------------------------------------


def test_home_shows_each_fund_with_its_figures_and_events(client, funded):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "Test trust fund" in html
    assert reverse("fund-detail", args=[funded.code]) in html
    position = positions([funded], timezone.localdate())[0]
    assert "$12,345.67" in html  # cash held and contributions
    with translation.override("en"):
        assert money(position.available_to_commit) in html
    for label in (
        "Cash held",
        "Pledges receivable",
        "Contributions",
        "Expenditure",
        "Open commitments",
        "Available to commit",
    ):
        assert label in html
    assert "Meeting MEET1" in html
    assert "Nairobi, Kenya" in html
    assert "6 May 2019" in html


def test_home_is_accessible_and_self_contained(client, funded):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="#main"' in html and '<main id="main"' in html
    assert "<header" in html and "<nav" in html and "<footer" in html
    assert f'action="{reverse("set_language")}"' in html
    assert '<label for="language-select">' in html and 'name="language"' in html
    for name in ("English", "Français", "Español"):
        assert name in html
    assert "<script" not in html
    assert "https://" not in html and "http://" not in html  # nothing from a CDN
    assert reverse("login") in html  # anonymous: a sign-in link


def test_home_shows_the_signed_in_user_with_roles_and_a_logout_form(client, make_user, fund):
    client.force_login(make_user("fo", Role.FINANCE_OFFICER, Role.AUDITOR))
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "fo" in html
    assert "Finance officer" in html and "Auditor (read-only)" in html
    assert f'method="post" action="{reverse("logout")}"' in html


def test_home_query_count_does_not_grow_with_the_number_of_funds(client, fund, admin_user):
    receive(fund, "100", admin_user)
    add_event(fund, "E0")
    one = count_queries(client, "/")
    for n in range(1, 5):
        other = open_fund(
            code=f"F{n}",
            name=f"Fund {n}",
            by=admin_user,
            psc_rate_pct=Decimal("7"),
            psc_from=datetime.date(2018, 1, 1),
        )
        receive(other, "50", admin_user)
        add_event(other, f"E{n}A")
        add_event(other, f"E{n}B")
    five = count_queries(client, "/")
    assert five == one


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", f"12{NNBSP}345,67{NBSP}$US"),
        ("es", f"12.345,67{NBSP}US$"),
    ],
)
def test_home_renders_in_french_and_spanish(client, funded, language, expected):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}"' in html
    assert expected in html
    assert "$12,345.67" not in html


def test_language_switcher_sets_the_language(client, funded):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="fr"' in html
    assert f"12{NNBSP}345,67{NBSP}$US" in html
    assert '<option value="fr" lang="fr" selected>' in html


# --- Fund detail ------------------------------------------------------------------


def test_fund_detail_shows_headline_and_programme_to_everyone(client, funded):
    response = client.get(reverse("fund-detail", args=[funded.code]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "$12,345.67" in html
    assert "Meeting MEET1" in html and "Plenary 2" in html
    assert "<caption>" in html and 'scope="col"' in html


@pytest.mark.parametrize("who", ["anonymous", "donor"])
def test_fund_detail_hides_the_trial_balance(client, funded, make_user, who):
    if who == "donor":
        client.force_login(make_user("donor", Role.DONOR))
    response = client.get(reverse("fund-detail", args=[funded.code]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Trial balance" not in html
    assert "trial_balance" not in response.context
    assert reverse("fund-journal", args=[funded.code]) not in html


def test_fund_detail_shows_a_balanced_trial_balance_to_a_finance_officer(client, funded, make_user):
    client.force_login(make_user("fo", Role.FINANCE_OFFICER))
    response = client.get(reverse("fund-detail", args=[funded.code]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Trial balance" in html
    rows = response.context["trial_balance"]
    assert len(rows) == funded.accounts.count()  # every account, moved or not
    totals = response.context["totals"]
    assert totals["debit"] == totals["credit"] == Decimal("12345.67")
    assert totals["balanced"]
    assert 'data-total="debits">$12,345.67<' in html
    assert 'data-total="credits">$12,345.67<' in html
    assert "Debits equal credits" in html
    assert "Bank cash" in html and "Contribution revenue" in html


def test_trial_balance_as_of_a_date_and_a_bad_date(client, funded, make_user):
    client.force_login(make_user("aud", Role.AUDITOR))
    url = reverse("fund-detail", args=[funded.code])
    before = client.get(url, {"as_of": "2019-03-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert before.status_code == 200
    assert before.context["balances_as_of"] == datetime.date(2019, 3, 1)
    assert before.context["totals"]["debit"] == Decimal(0)

    bad = client.get(url, {"as_of": "2019-13-45"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 200
    assert "Enter the date as YYYY-MM-DD" in bad.content.decode()
    assert bad.context["balances_as_of"] == timezone.localdate()


def test_fund_detail_query_count_is_fixed(client, fund, make_user, admin_user):
    client.force_login(make_user("fo", Role.FINANCE_OFFICER))
    url = reverse("fund-detail", args=[fund.code])
    add_event(fund, "EV1", sessions=1)
    receive(fund, "10", admin_user)
    few = count_queries(client, url)
    for n in range(2, 6):
        add_event(fund, f"EV{n}", sessions=3)
        receive(fund, "10", admin_user)
    assert count_queries(client, url) == few


def test_unknown_fund_is_a_friendly_404(client, db):
    response = client.get("/funds/NOPE/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# --- Journal -----------------------------------------------------------------------


def test_journal_is_for_book_readers_only(client, funded, make_user):
    url = reverse("fund-journal", args=[funded.code])
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))

    client.force_login(make_user("donor", Role.DONOR))
    forbidden = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert forbidden.status_code == 403
    assert "You cannot see this page" in forbidden.content.decode()

    client.force_login(make_user("aud", Role.AUDITOR))
    assert client.get(url).status_code == 200


def test_journal_shows_entries_legs_and_reversals(client, fund, make_user, admin_user, rates):
    client.force_login(make_user("aud", Role.AUDITOR))
    first = receive(fund, "100", admin_user, memo="Pledge paid by Norway")
    eur = post_entry(
        fund,
        datetime.date(2019, 3, 15),
        "Contribution in euros",
        [
            debit(AccountKey.BANK, Money("88", "EUR")),
            credit(AccountKey.CONTRIBUTIONS, Money("88", "EUR")),
        ],
        by=admin_user,
    )
    reversal = reverse_entry(first, admin_user, "Recorded twice")
    html = client.get(
        reverse("fund-journal", args=[fund.code]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Pledge paid by Norway" in html
    assert f"Reversed by #{reversal.pk}" in html
    assert f"Reverses #{first.pk}" in html
    assert "fund-admin" in html  # who posted
    assert "€88.00" in html and "$100.00" in html  # original amount and base
    assert "0.88" in html  # the rate used
    assert f'id="entry-{eur.pk}"' in html


def test_journal_query_count_is_constant(client, fund, make_user, admin_user):
    client.force_login(make_user("fo", Role.FINANCE_OFFICER))
    url = reverse("fund-journal", args=[fund.code])
    entries = [receive(fund, "10", admin_user) for _ in range(3)]
    reverse_entry(entries[0], admin_user, "error")
    three = count_queries(client, url)
    for _ in range(27):
        receive(fund, "10", admin_user)
    assert count_queries(client, url) == three


def test_journal_is_paginated(client, fund, make_user, admin_user):
    client.force_login(make_user("fo", Role.FINANCE_OFFICER))
    for _ in range(51):
        receive(fund, "1", admin_user)
    url = reverse("fund-journal", args=[fund.code])
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert len(first.context["page"].object_list) == 50
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 1


# --- Exchange rates -------------------------------------------------------------------


def test_rates_page_filters_and_marks_illustrative_rates(client, rates, make_user):
    ExchangeRate.objects.create(
        currency="CHF",
        effective_date=datetime.date(2019, 3, 1),
        units_per_usd=Decimal("0.99"),
        illustrative=True,
    )
    url = reverse("exchange-rates")
    assert client.get(url).status_code == 302

    client.force_login(make_user("donor", Role.DONOR))
    assert client.get(url).status_code == 403

    client.force_login(make_user("fo", Role.FINANCE_OFFICER))
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "illustrative" in html
    assert "JPY" in html and "CHF" in html

    eur = client.get(url, {"currency": "EUR"}, HTTP_ACCEPT_LANGUAGE="en")
    assert {rate.currency for rate in eur.context["page"]} == {"EUR"}
    assert "0.89" in eur.content.decode()

    bad = client.get(url, {"currency": "<b>"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 200
    assert "<b>" not in bad.content.decode().split("</header>")[1]


def test_rates_query_count_is_constant(client, rates, make_user):
    client.force_login(make_user("fo", Role.FINANCE_OFFICER))
    few = count_queries(client, reverse("exchange-rates"))
    for month in range(1, 13):
        ExchangeRate.objects.create(
            currency="GBP",
            effective_date=datetime.date(2020, month, 1),
            units_per_usd=Decimal("0.78"),
        )
    assert count_queries(client, reverse("exchange-rates")) == few


# --- Audit trail ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.AUDITOR, 200),
        (Role.ADMINISTRATOR, 200),
        (Role.FINANCE_OFFICER, 403),
        (Role.FUND_OFFICER, 403),
        (Role.DONOR, 403),
    ],
)
def test_audit_trail_is_for_auditors_and_administrators(client, fund, make_user, role, status):
    client.force_login(make_user("someone", role))
    response = client.get(reverse("audit-trail"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "fund:opened" in html and "fund-admin" in html


def test_audit_trail_redirects_anonymous_to_login(client, db):
    response = client.get(reverse("audit-trail"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_audit_trail_query_count_is_constant(client, fund, make_user, admin_user):
    client.force_login(make_user("aud", Role.AUDITOR))
    few = count_queries(client, reverse("audit-trail"))
    for n in range(20):
        log_action(fund, "fund:noted", admin_user if n % 2 else "stripe-webhook", f"note {n}")
    assert count_queries(client, reverse("audit-trail")) == few


# --- Login ----------------------------------------------------------------------------


def test_login_page_has_labelled_fields_and_shows_errors(client, make_user):
    make_user("fo", Role.FINANCE_OFFICER)
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<label for="id_username">' in page and '<label for="id_password">' in page
    failed = client.post(
        reverse("login"), {"username": "fo", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert failed.status_code == 200
    assert "Please enter a correct username and password" in failed.content.decode()
    ok = client.post(reverse("login"), {"username": "fo", "password": "pw-for-tests-only"})
    assert ok.status_code == 302
