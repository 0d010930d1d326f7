"""The API's list pages written straight from ``.values()``.

A list's serializer stays what the schema (drf-spectacular) describes and
what a detail read answers; a page of a list is written here instead, from
plain rows, because DRF's per-field machinery (a serializer and its fields
copied for every nested object, an attribute walk per field) was most of a
page's time (docs/performance.md). Each flat field is written by the very
field object of the serializer (its ``to_representation``; for a text, a
number and an aware time, its exact equivalent without the call), so dates,
times, decimals and choices come out as the serializer writes them; only what
is nested (money, a donor, a schedule) is written by hand, and
tests/api/test_rows.py checks every list against its serializer. Amounts and
decimals are read as stored and written a column at a time
(api.rows.stored: Django's SQLite converter was a page's largest cost)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from operator import itemgetter
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from api.rows.stored import (
    as_stored,
    datetime_text,
    stored_name,
    write_amounts,
    write_numbers,
    write_times,
)
from fundmgr.translated import i18n_name, in_language

#: Writes one field of an answer's row from the row read by ``.values()``.
Write = Callable[[dict[str, Any]], Any]


class Reads(Protocol):
    """What a list's page is read by (``BooksView.values_page``)."""

    def values(self, queryset: models.QuerySet) -> models.QuerySet: ...

    def values_of(self, rows: Callable[[], models.QuerySet]) -> models.QuerySet: ...


def _as_is(value: Any) -> Any:
    return value


class _InTimeZone:
    """DateTimeField.to_representation of an aware datetime, in ISO 8601,
    with the time zone read once a page rather than once a value (reading
    the active time zone was a fifth of a row's time)."""


IN_TIME_ZONE = _InTimeZone()


def _writer(field: serializers.Field) -> Any:
    """How ``field`` writes a value that is not None: its own
    ``to_representation``, but a key read from ``.values()`` is already the
    pk a primary-key field writes, a text is written as ``str``, a number as
    ``int``, and an aware time by ``datetime_text`` (IN_TIME_ZONE)."""
    if isinstance(field, serializers.PrimaryKeyRelatedField) and field.pk_field is None:
        return _as_is
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if (
        type(field) is serializers.DateTimeField
        and settings.USE_TZ
        and not hasattr(field, "timezone")
        and isinstance(output_format, str)
        and output_format.lower() == ISO_8601
    ):
        return IN_TIME_ZONE
    if type(field) is serializers.CharField:
        return str  # CharField.to_representation
    if type(field) is serializers.IntegerField:
        return int  # IntegerField.to_representation
    return field.to_representation


class Rows:
    """The rows of a serializer's answer from ``.values()``: each field the
    serializer declares, in its order, written by the field itself from the
    column its ``source`` names (``fund.code`` read as ``fund__code``), or,
    for a field named in ``written``, by the function given.

    Some columns are read as stored (api.rows.stored) and written a column
    at a time before the rows: amounts (the ``money`` writers', and
    ``amounts``: amount column -> currency column, for a writer of its own),
    the model's decimal columns a ``DecimalField`` writes, and the times named
    in ``times``. So a page is read by ``values`` and written by calling this
    (``row`` writes one row of a page without such columns). A column the
    caller or a ``written`` function reads as Django converts it is named in
    ``reads`` (never read as stored); so is a page's ordering, which the
    cursor reads."""

    def __init__(
        self,
        serializer_class: type[serializers.Serializer],
        *,
        written: dict[str, Write] | None = None,
        reads: Iterable[str] = (),
        amounts: dict[str, str] | None = None,
        times: Iterable[str] = (),
    ) -> None:
        self.serializer_class = serializer_class
        self.written = written or {}
        #: Columns the ``written`` functions read besides the flat fields'.
        self.reads = list(reads)
        self.amounts = {
            **{w.amount: w.currency for w in self.written.values() if isinstance(w, money)},
            **(amounts or {}),
        }
        self.times = list(times)
        self._made: dict[tuple[Callable[[], models.QuerySet], tuple[str, ...]], Any] = {}

    @cached_property
    def _plan(self) -> _Plan:
        plan = _Plan()
        for name, field in self.serializer_class().fields.items():
            if field.write_only:
                continue
            plan.names.append(name)
            if name in self.written:
                plan.steps.append((None, self.written[name]))
                continue
            if field.source == "*" or isinstance(
                field, serializers.BaseSerializer | serializers.SerializerMethodField
            ):
                raise ImproperlyConfigured(
                    f"{self.serializer_class.__name__}.{name} is not a column: write it."
                )
            column = field.source.replace(".", "__")
            write = _writer(field)
            model_field = self._model_field(column)
            if column in self.reads or column in self.amounts:
                pass
            elif isinstance(field, serializers.DecimalField) and isinstance(
                model_field, models.DecimalField
            ):
                plan.numbers[column] = (model_field, field)
                write = _as_is  # written by write_numbers
            elif (
                column in self.times
                and write is IN_TIME_ZONE
                and isinstance(model_field, models.DateTimeField)
            ):
                plan.times[column] = None
                write = _as_is  # written by write_times
            plan.steps.append((column, write))
        for column, currency in self.amounts.items():
            plan.amounts.setdefault(currency, []).append((column, self._model_field(column)))
        stored = [*self.amounts, *plan.numbers, *plan.times]
        plan.stored = {stored_name(column): as_stored(column) for column in stored}
        flat = [column for column, _write in plan.steps if column is not None]
        plan.columns = [
            column for column in dict.fromkeys([*flat, *self.reads]) if column not in stored
        ]
        return plan

    def _model_field(self, column: str) -> models.Field | None:
        """The model's own field of ``column``; None for an annotation or a
        related model's column."""
        model = getattr(getattr(self.serializer_class, "Meta", None), "model", None)
        if model is None or "__" in column:
            return None
        try:
            return model._meta.get_field(column)
        except FieldDoesNotExist:
            return None

    @property
    def columns(self) -> list[str]:
        """The columns ``values`` reads as Django converts them."""
        return self._plan.columns

    def values(self, queryset: models.QuerySet, *also: str) -> models.QuerySet:
        """``queryset.values()`` of what the rows read (and ``also``): the
        columns, and those read as stored."""
        plan = self._plan
        return queryset.values(*also, *plan.columns, **plan.stored)

    def values_of(self, rows: Callable[[], models.QuerySet], *also: str) -> models.QuerySet:
        """``values`` of ``rows()`` (a function of nothing: the same query for
        every call), made once a process: resolving a page's forty columns
        and their joins cost more than running the query. Each call filters
        it, which makes a new query; this one is never run."""
        key = (rows, also)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self.values(rows().prefetch_related(None), *also)
        return made

    def row(self, values: dict[str, Any], zone=None) -> dict[str, Any]:
        """One row, of a page without columns read as stored; ``zone``: the
        active time zone, if the caller read it."""
        answer: dict[str, Any] = {}
        for name, (column, write) in zip(self._plan.names, self._plan.steps, strict=True):
            if column is None:
                answer[name] = write(values)
                continue
            value = values[column]
            if value is None:  # as Serializer.to_representation
                answer[name] = None
            elif write is IN_TIME_ZONE:
                zone = zone or timezone.get_current_timezone()
                answer[name] = datetime_text(value, zone)
            else:
                answer[name] = write(value)
        return answer

    def __call__(self, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows of ``page`` (read by ``values``), written a column at a
        time: each field's values in one pass, then each row's from them."""
        plan = self._plan
        for currency, amounts in plan.amounts.items():
            write_amounts(page, amounts, currency)
        for column, (field, number) in plan.numbers.items():
            write_numbers(page, column, field, number)
        zone = timezone.get_current_timezone()
        for column in plan.times:
            write_times(page, column, zone)
        written = [_column(page, column, write, zone) for column, write in plan.steps]
        names = plan.names
        return [dict(zip(names, row, strict=True)) for row in zip(*written, strict=True)]


class _Plan:
    """How ``Rows`` reads and writes: made once from the serializer."""

    def __init__(self) -> None:
        #: The answer's names, and each one's (column or None, writer).
        self.names: list[str] = []
        self.steps: list[tuple[str | None, Any]] = []
        #: Read as stored: currency column -> [(amount column, model field)];
        #: decimal column -> (model field, serializer field); alias -> expression.
        self.amounts: dict[str, list[tuple[str, models.DecimalField | None]]] = {}
        self.numbers: dict[str, tuple[models.DecimalField, serializers.DecimalField]] = {}
        self.times: dict[str, None] = {}
        self.stored: dict[str, Any] = {}
        #: Read as Django converts them.
        self.columns: list[str] = []


def _column(page: list[dict[str, Any]], column: str | None, write: Any, zone) -> list[Any]:
    """One field's values for every row of ``page`` (None stays None)."""
    if column is None:
        return [write(values) for values in page]
    if write is _as_is:
        return list(map(itemgetter(column), page))
    if write is IN_TIME_ZONE:
        return [
            None if (value := values[column]) is None else datetime_text(value, zone)
            for values in page
        ]
    return [None if (value := values[column]) is None else write(value) for values in page]


def translated(column: str) -> Write:
    """A name staff enter per language (fundmgr.translated), in the language
    active: ``.values()`` reads the English column and its translations' beside it."""
    other = i18n_name(column)

    def write(values: dict[str, Any]) -> str:
        return in_language(values[column], values[other])

    return write


def translated_reads(*columns: str) -> list[str]:
    """The columns ``translated`` reads for each of ``columns``."""
    return [name for column in columns for name in (column, i18n_name(column))]


class money:
    """Money from two columns (MoneySerializer's or MoneyOfField's answer);
    None when the amount is. The amount is read as stored and written by
    ``write_amounts`` before the row."""

    def __init__(self, amount_column: str, currency_column: str) -> None:
        self.amount, self.currency = amount_column, currency_column

    def __call__(self, values: dict[str, Any]) -> dict[str, str] | None:
        text = values[self.amount]
        return None if text is None else {"amount": text, "currency": values[self.currency]}
