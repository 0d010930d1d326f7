"""The money rules: minor units, explicit half-up rounding, exact amounts only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fundmgr.money import (
    CurrencyMismatch,
    Money,
    UnknownCurrency,
    minor_units,
    money,
    quantum,
    round_money,
    sum_money,
    to_decimal,
)


@pytest.mark.parametrize(
    ("currency", "places"),
    [("JPY", 0), ("USD", 2), ("EUR", 2), ("KWD", 3), ("BHD", 3), ("usd", 2)],
)
def test_minor_units_are_the_currencys_own_decimals(currency, places):
    assert minor_units(currency) == places
    assert quantum(currency) == Decimal(1).scaleb(-places)


def test_minor_units_of_an_unknown_currency_is_an_error_naming_it():
    with pytest.raises(UnknownCurrency, match="XXZ"):
        minor_units("XXZ")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1.005", "USD", "1.01"),
        ("1.004", "USD", "1.00"),
        ("-1.005", "USD", "-1.01"),
        ("2.5", "JPY", "3"),
        ("3.5", "JPY", "4"),
        ("2.49", "JPY", "2"),
        ("-2.5", "JPY", "-3"),
        ("1.0005", "KWD", "1.001"),
        ("1.0004", "KWD", "1.000"),
        ("0.125", "EUR", "0.13"),
    ],
)
def test_round_money_rounds_half_away_from_zero_to_the_currencys_minor_unit(
    amount, currency, expected
):
    rounded = round_money(Money(Decimal(amount), currency))
    assert rounded.currency.code == currency
    assert rounded.amount == Decimal(expected)
    # The exponent is the currency's: KWD keeps 3 decimals, JPY none.
    assert rounded.amount.as_tuple().exponent == -minor_units(currency)


def test_round_money_half_up_is_not_bankers_rounding():
    # Banker's rounding would give 0.12 and 2 here.
    assert round_money(Money(Decimal("0.125"), "USD")).amount == Decimal("0.13")
    assert round_money(Money(Decimal("2.5"), "JPY")).amount == Decimal("3")


@pytest.mark.parametrize(
    ("value", "currency"),
    [("1.001", "USD"), ("1.5", "JPY"), ("0.0001", "KWD"), (Decimal("10.005"), "EUR")],
)
def test_money_refuses_more_decimals_than_the_currency_allows(value, currency):
    with pytest.raises(ValueError, match=currency):
        money(value, currency)


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [("1.50", "USD", "1.5"), ("1000", "JPY", "1000"), ("0.125", "KWD", "0.125"), (7, "USD", "7")],
)
def test_money_accepts_exact_amounts_within_the_minor_unit(value, currency, expected):
    result = money(value, currency)
    assert result == Money(Decimal(expected), currency)
    assert isinstance(result.amount, Decimal)


@pytest.mark.parametrize("value", [1.5, 0.1, 1.0, True])
def test_money_refuses_floats_and_booleans(value):
    with pytest.raises(TypeError, match="float"):
        money(value, "USD")


def test_to_decimal_refuses_floats_but_takes_strings_with_thousands_separators():
    with pytest.raises(TypeError):
        to_decimal(0.1)
    assert to_decimal("1,234.50") == Decimal("1234.50")


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", ""])
def test_to_decimal_refuses_what_is_not_a_finite_amount(value):
    with pytest.raises(ValueError):
        to_decimal(value)


def test_money_refuses_an_unknown_currency():
    with pytest.raises(UnknownCurrency):
        money("1", "ABC")


def test_sum_money_adds_amounts_of_one_currency():
    total = sum_money([money("1.10", "USD"), money("2.25", "USD"), money("0.65", "USD")], "USD")
    assert total == Money(Decimal("4.00"), "USD")


def test_sum_money_of_nothing_is_zero_in_the_currency():
    assert sum_money([], "kwd") == Money(Decimal(0), "KWD")


def test_sum_money_refuses_mixed_currencies_with_a_message_naming_both():
    with pytest.raises(CurrencyMismatch) as refused:
        sum_money([money("1", "USD"), money("2", "EUR")], "USD")
    message = str(refused.value)
    assert "EUR" in message
    assert "USD" in message


def test_currency_mismatch_is_a_type_error():
    with pytest.raises(TypeError):
        sum_money([money("5", "JPY")], "USD")


currencies = st.sampled_from(["JPY", "USD", "EUR", "KWD"])
amounts = st.decimals(
    min_value=Decimal("-1000000000"),
    max_value=Decimal("1000000000"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)


@given(amount=amounts, currency=currencies)
def test_round_money_is_idempotent_and_within_half_a_minor_unit(amount, currency):
    once = round_money(Money(amount, currency))
    twice = round_money(once)
    assert twice == once
    assert twice.amount == once.amount
    assert abs(once.amount - amount) <= quantum(currency) / 2
    # The result is a whole number of minor units.
    assert once.amount == once.amount.quantize(quantum(currency))
    # A rounded amount is exactly representable by money().
    assert money(once.amount, currency) == once


def test_a_decimal_comma_is_refused_while_thousands_commas_are_read():
    from fundmgr.money import money

    assert money("42,000.50", "USD").amount == Decimal("42000.50")
    with pytest.raises(ValueError, match="use a point for decimals"):
        money("1,5", "USD")
    with pytest.raises(ValueError, match="use a point for decimals"):
        money("0,893", "EUR")
