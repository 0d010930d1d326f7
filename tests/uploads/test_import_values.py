"""Numbers and currencies no import may take: refused by line, with a
message, and nothing saved. 1e30 used to raise decimal.InvalidOperation (a
500); gold, test and "no currency" codes used to be recorded as money."""

# ruff: noqa: F811 - fixtures imported from the grants tests are parameters here

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from donors.services.bank_statements import COLUMNS as STATEMENT_COLUMNS
from donors.services.pledge_register import COLUMNS as REGISTER_COLUMNS
from fundmgr.money import NOT_MONEY, NotMoney, minor_units
from fundmgr.roles import Role
from grants.services.nomination_import import COLUMNS, QUOTE_COLUMNS
from tests.grants.conftest import PDF, event, officer  # noqa: F401 - fixtures

from .files import csv_bytes, xlsx, zip_of
from .test_import_refusals import (
    NOMINATION_ROW,
    RATE_COLUMNS,
    RATE_ROW,
    REGISTER_ROW,
    STATEMENT_ROW,
    fund_officer,  # noqa: F401 - a fixture
    post_nominations,
    saved,
)

TOO_LARGE = "is too large: at most 13 digits before the decimal point"
NOT_A_NUMBER = "is not a number"
NUMBERS = {
    "1e30": ("1e30", TOO_LARGE),
    "-1e30": ("-1e30", TOO_LARGE),
    "1e999999999": ("1e999999999", TOO_LARGE),
    "forty nines": ("9" * 40, TOO_LARGE),
    "fifty digits": ("1" + "0" * 49, "too long to be a number"),
    "NaN": ("NaN", NOT_A_NUMBER),
    "sNaN": ("sNaN", NOT_A_NUMBER),
    "Infinity": ("Infinity", NOT_A_NUMBER),
    "-inf": ("-inf", NOT_A_NUMBER),
    "two decimal points": ("1,000.00.00", "commas only separate thousands"),
    "text": ("twelve", NOT_A_NUMBER),
}
CURRENCIES = ["XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR", "XBA", "XBD", "XSU", "XUA", "CLF"]


@pytest.fixture
def finance(client, make_user):
    client.force_login(make_user("values-finance", Role.FINANCE_OFFICER))
    return client


def with_value(header, row, column, value):
    changed = list(row)
    changed[header.index(column)] = value
    return changed


def refused(response, message, before):
    assert response.status_code == 200
    body = response.content.decode()
    assert "nothing was saved" in body and "line 2:" in body
    assert message in body, body[body.find("nothing was saved") :][:800]
    assert saved() == before


@pytest.mark.parametrize("value,message", NUMBERS.values(), ids=NUMBERS.keys())
def test_the_rates_page_refuses_a_rate_that_is_not_a_sane_number(finance, value, message):
    before = saved()
    row = with_value(RATE_COLUMNS, RATE_ROW, "units_per_usd", value)
    response = finance.post(
        reverse("import-rates"),
        {"file": SimpleUploadedFile("rates.csv", csv_bytes(RATE_COLUMNS, row))},
    )
    refused(response, message, before)


@pytest.mark.parametrize("value", ["1e-30", "0.0000001", "0.0005", "1000000000", "5e12"])
def test_the_rates_page_refuses_a_rate_outside_the_bounds_of_real_currencies(finance, value):
    before = saved()
    row = with_value(RATE_COLUMNS, RATE_ROW, "units_per_usd", value)
    response = finance.post(
        reverse("import-rates"),
        {"file": SimpleUploadedFile("rates.csv", csv_bytes(RATE_COLUMNS, row))},
    )
    refused(response, "units per US dollar", before)


def test_a_float_of_1e30_in_an_xlsx_cell_is_refused_like_the_text(finance):
    before = saved()
    content = xlsx(RATE_COLUMNS, ["EUR", "2019-05-01", 1e30])
    response = finance.post(
        reverse("import-rates"), {"file": SimpleUploadedFile("rates.xlsx", content)}
    )
    refused(response, TOO_LARGE, before)


@pytest.mark.parametrize("value,message", NUMBERS.values(), ids=NUMBERS.keys())
def test_the_register_page_refuses_an_amount_that_is_not_a_sane_number(
    finance, fund, rates, value, message
):
    before = saved()
    row = with_value(REGISTER_COLUMNS, REGISTER_ROW, "amount", value)
    response = finance.post(
        reverse("finance-import-register", args=[fund.code]),
        {"file": SimpleUploadedFile("register.csv", csv_bytes(REGISTER_COLUMNS, row))},
    )
    refused(response, message, before)


@pytest.mark.parametrize("value,message", NUMBERS.values(), ids=NUMBERS.keys())
def test_the_statement_page_refuses_an_amount_that_is_not_a_sane_number(
    finance, fund, rates, value, message
):
    before = saved()
    row = with_value(STATEMENT_COLUMNS, STATEMENT_ROW, "amount", value)
    response = finance.post(
        reverse("finance-import-statement", args=[fund.code]),
        {"file": SimpleUploadedFile("statement.csv", csv_bytes(STATEMENT_COLUMNS, row))},
    )
    refused(response, message, before)


@pytest.mark.parametrize("value,message", NUMBERS.values(), ids=NUMBERS.keys())
def test_the_nominations_page_refuses_a_fare_that_is_not_a_sane_number(
    fund_officer, value, message
):
    before = saved()
    header = [*COLUMNS, *QUOTE_COLUMNS]
    row = [*NOMINATION_ROW, "KTM-EZE-KTM", value, "USD", "30", "2019-02-01"]
    response = post_nominations(
        fund_officer, "nominations.csv", csv_bytes(header, row), zip_of({"np.pdf": PDF})
    )
    refused(response, message, before)


def test_every_refused_code_is_one_iso_4217_knows():
    from moneyed import get_currency

    assert all(get_currency(code) for code in NOT_MONEY)


@pytest.mark.parametrize("code", sorted(NOT_MONEY))
def test_a_code_that_is_not_money_has_no_minor_unit(code):
    with pytest.raises(NotMoney, match=code):
        minor_units(code.lower())


@pytest.mark.parametrize("code", ["XAF", "XOF", "XCD", "XPF", "USD", "EUR", "JPY"])
def test_real_money_codes_starting_with_x_or_not_are_still_money(code):
    assert minor_units(code) in (0, 2)


@pytest.mark.parametrize("code", CURRENCIES)
def test_the_rates_page_refuses_a_currency_that_is_not_money(finance, code):
    before = saved()
    row = with_value(RATE_COLUMNS, RATE_ROW, "currency", code)
    response = finance.post(
        reverse("import-rates"),
        {"file": SimpleUploadedFile("rates.csv", csv_bytes(RATE_COLUMNS, row))},
    )
    refused(response, f"{code} is not a currency the fund can receive", before)


@pytest.mark.parametrize("code", CURRENCIES)
def test_the_register_page_refuses_a_pledge_in_a_currency_that_is_not_money(
    finance, fund, rates, code
):
    before = saved()
    row = with_value(REGISTER_COLUMNS, REGISTER_ROW, "currency", code)
    response = finance.post(
        reverse("finance-import-register", args=[fund.code]),
        {"file": SimpleUploadedFile("register.csv", csv_bytes(REGISTER_COLUMNS, row))},
    )
    refused(response, f"{code} is not a currency the fund can receive", before)


@pytest.mark.parametrize("code", CURRENCIES)
def test_the_statement_page_refuses_a_line_in_a_currency_that_is_not_money(
    finance, fund, rates, code
):
    before = saved()
    row = with_value(STATEMENT_COLUMNS, STATEMENT_ROW, "currency", code)
    response = finance.post(
        reverse("finance-import-statement", args=[fund.code]),
        {"file": SimpleUploadedFile("statement.csv", csv_bytes(STATEMENT_COLUMNS, row))},
    )
    refused(response, f"{code} is not a currency the fund can receive", before)


def test_the_nominations_page_refuses_a_fare_in_gold(fund_officer):
    before = saved()
    header = [*COLUMNS, *QUOTE_COLUMNS]
    row = [*NOMINATION_ROW, "KTM-EZE-KTM", "1200", "XAU", "30", "2019-02-01"]
    response = post_nominations(
        fund_officer, "nominations.csv", csv_bytes(header, row), zip_of({"np.pdf": PDF})
    )
    refused(response, "XAU is not a currency the fund can receive", before)


@pytest.mark.parametrize(
    "column,value,message",
    [
        ("donor", "D" * 201, "name is longer than 200 characters"),
        ("email", "a" * 60 + "@" + ("b" * 60 + ".") * 4 + "org", "longer than 254 characters"),
    ],
    ids=["a donor name of 201 characters", "an e-mail of 309 characters"],
)
def test_the_register_page_refuses_text_longer_than_its_column(
    finance, fund, rates, column, value, message
):
    """PostgreSQL would refuse the row with a DataError (a 500); SQLite would store it."""
    before = saved()
    row = with_value(REGISTER_COLUMNS, REGISTER_ROW, column, value)
    response = finance.post(
        reverse("finance-import-register", args=[fund.code]),
        {"file": SimpleUploadedFile("register.csv", csv_bytes(REGISTER_COLUMNS, row))},
    )
    refused(response, message, before)


def test_the_nominations_page_refuses_an_email_longer_than_its_column(fund_officer):
    """PostgreSQL would refuse the row with a DataError (a 500); SQLite would store it."""
    before = saved()
    row = list(NOMINATION_ROW)
    row[COLUMNS.index("email")] = "a" * 60 + "@" + ("b" * 60 + ".") * 4 + "org"
    response = post_nominations(
        fund_officer, "nominations.csv", csv_bytes(COLUMNS, row), zip_of({"np.pdf": PDF})
    )
    refused(response, "longer than 254 characters", before)


@pytest.mark.parametrize(
    "url,header,row,column",
    [
        ("finance-import-register", REGISTER_COLUMNS, REGISTER_ROW, "donor"),
        ("finance-import-statement", STATEMENT_COLUMNS, STATEMENT_ROW, "counterparty"),
    ],
    ids=["register", "statement"],
)
def test_a_nul_character_in_a_cell_is_refused_by_line(
    finance, fund, rates, url, header, row, column
):
    """PostgreSQL refuses NUL in any text column (a DataError, a 500); found by the fuzz test."""
    before = saved()
    row = with_value(header, row, column, "Mission\x00of Kuwait")
    response = finance.post(
        reverse(url, args=[fund.code]),
        {"file": SimpleUploadedFile("file.csv", csv_bytes(header, row))},
    )
    refused(response, "the line holds a NUL character", before)


def test_a_nul_character_in_a_nomination_is_refused_by_line(fund_officer):
    before = saved()
    row = list(NOMINATION_ROW)
    row[COLUMNS.index("title")] = "Minister\x00"
    response = post_nominations(
        fund_officer, "nominations.csv", csv_bytes(COLUMNS, row), zip_of({"np.pdf": PDF})
    )
    refused(response, "the line holds a NUL character", before)
