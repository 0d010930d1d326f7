"""Decimals of a list page read as the database driver gives them, and
written as the page would have written what Django reads.

A page of 200 grants has 2,200 amounts and a journal page 400 legs of four
decimals each. Django's SQLite converter makes a decimal ``Context`` for each
value it reads (django.db.backends.sqlite3.operations:
``get_decimalfield_converter``), then ``money_json`` looks the currency's
minor unit up for each amount and DRF's ``DecimalField`` copies the context
for each number: most of those pages' time. Here a column is read without
converters (``as_stored``) and each page's values are written in one pass
per column, with what depends only on the column, the currency or the page
made once: on SQLite, the decimal Django's converter would make (its 15
significant digits of a float, then a column's decimal places in the field's
context); on PostgreSQL, the driver's Decimal, which Django does not convert.
A whole number (SQLite stores whole amounts as integers) is written
directly, and a float seen before in the page is not written twice.
tests/api/test_amounts.py checks each against Django's converter with
``money_json`` and DRF's field."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import ExpressionWrapper, F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers
from rest_framework.settings import api_settings

from fundmgr.money import quantum

#: Significant digits Django keeps of a float read on SQLite (``_create_decimal``).
SQLITE_DIGITS = 15


class _AsStored(models.Field):
    """An output field with no converter, the backend's or its own."""

    def get_internal_type(self) -> str:
        return "AsStoredField"


def as_stored(column: str) -> ExpressionWrapper:
    """``column`` as the database driver reads it, without Django's converters."""
    return ExpressionWrapper(F(column), output_field=_AsStored())


def stored_name(column: str) -> str:
    """The name a page reads ``column`` as stored under."""
    return f"{column}_as_stored"


def datetime_text(value: datetime.datetime, zone) -> str:
    """An aware datetime as DateTimeField writes it (ISO 8601, UTC as Z) in ``zone``."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def write_amounts(
    page: list[dict[str, Any]],
    amounts: list[tuple[str, models.DecimalField | None]],
    currency_column: str,
) -> None:
    """Each row's amounts in the currency of ``currency_column`` (each read by
    ``as_stored``: (column, its model field, None for an annotation, which
    Django converts without the column's decimal places)) replaced by their
    text, ``money_json(amount, currency)["amount"]``."""
    columns = [(column, stored_name(column), field) for column, field in amounts]
    sqlite = connection.vendor == "sqlite"
    texts: dict[tuple[str, models.DecimalField | None], Callable[[Any], str]] = {}
    for values in page:
        code = values[currency_column]
        for column, alias, field in columns:
            raw = values.pop(alias)
            if raw is None:
                values[column] = None
                continue
            text = texts.get((code, field))
            if text is None:
                text = texts[code, field] = amount_text(code, field, sqlite=sqlite)
            values[column] = text(raw)


def write_numbers(
    page: list[dict[str, Any]],
    column: str,
    field: models.DecimalField | None,
    number: serializers.DecimalField,
) -> None:
    """Each row's decimal in ``column`` (read by ``as_stored``) replaced by
    what ``number`` (the serializer's field) writes of it."""
    alias = stored_name(column)
    text = number_text(number, field, sqlite=connection.vendor == "sqlite")
    for values in page:
        raw = values.pop(alias)
        values[column] = None if raw is None else text(raw)


def amount_text(
    code: str, field: models.DecimalField | None, *, sqlite: bool
) -> Callable[[Any], str]:
    """Stored amount -> ``money_json``'s amount in currency ``code``: the
    decimal rounded to its minor unit, half away from zero. ``sqlite``: read
    on SQLite (else the driver's Decimal)."""
    step = quantum(code)  # an unknown currency raises, as in money_json

    def write(amount: Decimal) -> str:
        return format(amount.quantize(step, rounding=ROUND_HALF_UP), "f")

    return _text(write, field, -int(step.as_tuple().exponent), None, sqlite=sqlite)


def number_text(
    number: serializers.DecimalField, field: models.DecimalField | None, *, sqlite: bool
) -> Callable[[Any], str]:
    """Stored decimal -> what DecimalField.to_representation writes of it: with
    its context copied once for the page rather than once a value."""
    places, digits = number.decimal_places, number.max_digits
    if (
        type(number) is not serializers.DecimalField
        or places is None
        or not getattr(number, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        or number.localize
        or number.normalize_output
    ):
        return _text(number.to_representation, field, None, None, sqlite=sqlite)
    context = decimal.getcontext().copy()  # DecimalField.quantize's
    if digits is not None:
        context.prec = digits
    step, rounding = Decimal(".1") ** places, number.rounding

    def write(value: Decimal) -> str:
        return format(value.quantize(step, rounding=rounding, context=context), "f")

    bound = None if digits is None else 10 ** (digits - places)
    return _text(write, field, places, bound, sqlite=sqlite)


def _text(
    write: Callable[[Decimal], str],
    field: models.DecimalField | None,
    places: int | None,
    bound: int | None,
    *,
    sqlite: bool,
) -> Callable[[Any], str]:
    """Stored value -> ``write`` of the decimal Django reads. ``places``: the
    decimals ``write`` gives any whole number within ``bound`` (None: do not
    write whole numbers directly)."""
    if not sqlite:
        return write  # the driver's Decimal is what Django reads
    read = _sqlite_decimal(field)
    if field is None:
        within = 10**SQLITE_DIGITS
    else:
        # Past the field's whole digits, Django's quantize raises: the long way.
        within = 10 ** (field.max_digits - field.decimal_places)
    if bound is not None:
        within = min(within, bound)
    whole = "" if not places else "." + "0" * places
    seen: dict[float, str] = {}

    def text(raw: Any) -> str:
        if type(raw) is float:
            found = seen.get(raw)
            if found is None:
                found = write(read(raw))
                if raw:  # a zero may be signed (-0.0 == 0.0): not kept
                    seen[raw] = found
            return found
        if places is not None and type(raw) is int and -within < raw < within:
            return f"{raw}{whole}"
        return write(read(raw))

    return text


def _sqlite_decimal(field: models.DecimalField | None) -> Callable[[Any], Decimal]:
    """What Django's SQLite converter makes of a stored int, float or text:
    of a column (``field``) quantized to its decimal places in its context; of
    an expression (None), the decimal alone."""
    context = decimal.Context(prec=SQLITE_DIGITS)

    def of(raw: Any) -> Decimal:
        if isinstance(raw, int | str):
            return Decimal(raw)
        return context.create_decimal_from_float(raw)

    if field is None:
        return of
    places, field_context = Decimal(1).scaleb(-field.decimal_places), field.context

    def read(raw: Any) -> Decimal:
        return of(raw).quantize(places, context=field_context)

    return read


def write_times(page: list[dict[str, Any]], column: str, zone) -> None:
    """Each row's time in ``column`` (read by ``as_stored``) replaced by its
    text as DateTimeField writes it in ``zone`` (``datetime_text``): on
    SQLite, of the aware time Django's converter makes of the stored one
    (``convert_datetimefield_value``: in the database's time zone)."""
    alias = stored_name(column)
    aware: Callable[[Any], datetime.datetime] | None = None
    if connection.vendor == "sqlite":
        database_zone = connection.timezone if settings.USE_TZ else None

        def aware(value: Any) -> datetime.datetime:
            if not isinstance(value, datetime.datetime):
                value = parse_datetime(value)
            if database_zone is not None and not timezone.is_aware(value):
                value = timezone.make_aware(value, database_zone)
            return value

    for values in page:
        raw = values.pop(alias)
        if raw is None:
            values[column] = None
        else:
            values[column] = datetime_text(raw if aware is None else aware(raw), zone)
