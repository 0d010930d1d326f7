"""A list page's decimals are read as the database stores them, not through
Django's converters (api.rows.stored: a page of 200 grants has 2,200
amounts): each must be written as ``money_json`` (an amount) or the
serializer's ``DecimalField`` (a rate, a percentage) writes the decimal
Django would have read, on SQLite (an int, a float or text) as on PostgreSQL
(the driver's Decimal). tests/api/test_rows.py compares whole pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.rows.stored import amount_text, number_text
from api.serializers.grants import GrantSerializer
from api.serializers.journal import LegSerializer
from api.serializers.money import money_json
from api.serializers.rates import ExchangeRateSerializer
from donors.models import Receipt
from fundmgr.models import ExchangeRate, Leg
from fundmgr.money import UnknownCurrency
from grants.models import Grant

#: What a decimal column gives on SQLite: an int when whole, else a float
#: (NUMERIC affinity), rarely text; halves and other boundaries, and numbers
#: past a column's digits (where Django's converter raises).
STORED = st.one_of(
    st.integers(min_value=-(10**13), max_value=10**13),
    st.integers(min_value=-(10**21), max_value=10**21),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e13, max_value=1e13),
    st.decimals(places=4, min_value=-(10**9), max_value=10**9).map(float),
    st.decimals(places=7, min_value=-1000, max_value=1000).map(float),
    st.sampled_from([0.005, 0.015, 1.005, 2.675, 0.5, 1.5, 2.5, -0.5, -2.675, 1e-7, 0.0, -0.0]),
    st.decimals(places=3, min_value=-(10**6), max_value=10**6).map(str),
)
CURRENCIES = st.sampled_from(["USD", "JPY", "KWD", "EUR", "usd"])
#: Model fields of amounts and numbers: money (20, 3), a grant's (14, 2), a
#: rate (20, 6); None: an annotation (``paid``), which Django converts as an
#: expression, not a column.
FIELDS = [
    pytest.param(Receipt._meta.get_field("amount"), id="money-20-3"),
    pytest.param(Grant._meta.get_field("cost"), id="grant-14-2"),
    pytest.param(Leg._meta.get_field("rate"), id="rate-20-6"),
    pytest.param(None, id="annotation"),
]
NUMBERS = [
    pytest.param(LegSerializer().fields["rate"], Leg._meta.get_field("rate"), id="leg-rate"),
    pytest.param(
        GrantSerializer().fields["psc_pct"], Grant._meta.get_field("psc_pct"), id="psc-pct"
    ),
    pytest.param(
        ExchangeRateSerializer().fields["units_per_usd"],
        ExchangeRate._meta.get_field("units_per_usd"),
        id="units-per-usd",
    ),
]


def django_reads(raw, field):
    """The decimal Django's SQLite converter makes of ``raw`` read from a
    column of ``field`` (a Col), or from an expression when ``field`` is None."""
    # The backend's module first: its operations module alone imports it back.
    from django.db.backends.sqlite3.base import DatabaseOperations
    from django.db.models import DecimalField, Value
    from django.db.models.expressions import Col

    expression = Col("t", field) if field is not None else Value(0, output_field=DecimalField())
    converter = DatabaseOperations(connection=None).get_decimalfield_converter(expression)
    return converter(raw, expression, None)


def outcome(write, *args):
    """What ``write`` answers, or the kind of error it raises."""
    try:
        return write(*args)
    except (ArithmeticError, ValueError) as error:
        return type(error)


@pytest.mark.parametrize("field", FIELDS)
@settings(max_examples=300, deadline=None)
@given(raws=st.lists(STORED, min_size=1, max_size=4), code=CURRENCIES)
def test_an_amount_read_on_sqlite_is_written_as_money_json_writes_what_django_reads(
    field, raws, code
):
    """15 significant digits of a float, a column's decimal places, then the
    currency's minor unit half away from zero; an error where Django's errs.
    Several values through one writer: what it keeps of one is not another's."""
    text = amount_text(code, field, sqlite=True)
    for raw in raws:
        expected = outcome(lambda raw=raw: money_json(django_reads(raw, field), code)["amount"])
        assert outcome(text, raw) == expected


@pytest.mark.parametrize(("number", "field"), NUMBERS)
@settings(max_examples=300, deadline=None)
@given(raws=st.lists(STORED, min_size=1, max_size=4))
def test_a_number_read_on_sqlite_is_written_as_its_serializer_field_writes_what_django_reads(
    number, field, raws
):
    text = number_text(number, field, sqlite=True)
    for raw in raws:
        expected = outcome(lambda raw=raw: number.to_representation(django_reads(raw, field)))
        assert outcome(text, raw) == expected


DRIVER_DECIMALS = st.decimals(
    allow_nan=False, allow_infinity=False, places=6, min_value=-(10**17), max_value=10**17
)


@settings(max_examples=200, deadline=None)
@given(amount=DRIVER_DECIMALS, code=CURRENCIES)
def test_an_amount_read_on_postgresql_is_written_as_money_json_writes_it(amount, code):
    """PostgreSQL gives the Decimal Django reads (it converts none)."""
    expected = outcome(lambda: money_json(amount, code)["amount"])
    assert outcome(amount_text(code, None, sqlite=False), amount) == expected


@pytest.mark.parametrize(("number", "field"), NUMBERS)
@settings(max_examples=100, deadline=None)
@given(value=DRIVER_DECIMALS)
def test_a_number_read_on_postgresql_is_written_as_its_serializer_field_writes_it(
    number, field, value
):
    expected = outcome(number.to_representation, value)
    assert outcome(number_text(number, field, sqlite=False), value) == expected


@pytest.mark.parametrize("sqlite", [True, False])
def test_an_unknown_currency_is_refused_as_money_json_refuses_it(sqlite):
    with pytest.raises(UnknownCurrency):
        money_json(Decimal(1), "ZZZ")
    with pytest.raises(UnknownCurrency):
        amount_text("ZZZ", None, sqlite=sqlite)
