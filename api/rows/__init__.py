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
tests/api/test_rows.py checks every list against its serializer."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from api.serializers.money import money_json
from fundmgr.translated import i18n_name, in_language

#: Writes one field of an answer's row from the row read by ``.values()``.
Write = Callable[[dict[str, Any]], Any]


def _as_is(value: Any) -> Any:
    return value


class _InTimeZone:
    """DateTimeField.to_representation of an aware datetime, in ISO 8601,
    with the time zone read once a page rather than once a value (reading
    the active time zone was a fifth of a row's time)."""


IN_TIME_ZONE = _InTimeZone()


def datetime_text(value: datetime.datetime, zone) -> str:
    """An aware datetime as DateTimeField writes it (ISO 8601, UTC as Z) in ``zone``."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


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
    for a field named in ``written``, by the function given."""

    def __init__(
        self,
        serializer_class: type[serializers.Serializer],
        *,
        written: dict[str, Write] | None = None,
        reads: Iterable[str] = (),
    ) -> None:
        self.serializer_class = serializer_class
        self.written = written or {}
        #: Columns the ``written`` functions read besides the flat fields'.
        self.reads = list(reads)

    @cached_property
    def _steps(self) -> list[tuple[str, str | None, Any]]:
        steps: list[tuple[str, str | None, Any]] = []
        for name, field in self.serializer_class().fields.items():
            if field.write_only:
                continue
            if name in self.written:
                steps.append((name, None, self.written[name]))
                continue
            if field.source == "*" or isinstance(
                field, serializers.BaseSerializer | serializers.SerializerMethodField
            ):
                raise ImproperlyConfigured(
                    f"{self.serializer_class.__name__}.{name} is not a column: write it."
                )
            steps.append((name, field.source.replace(".", "__"), _writer(field)))
        return steps

    @cached_property
    def columns(self) -> list[str]:
        """What to ask ``.values()`` for."""
        flat = [column for _name, column, _write in self._steps if column is not None]
        return list(dict.fromkeys([*flat, *self.reads]))

    def row(self, values: dict[str, Any], zone=None) -> dict[str, Any]:
        """One row; ``zone``: the active time zone, if the caller read it."""
        answer: dict[str, Any] = {}
        for name, column, write in self._steps:
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

    def __call__(self, page: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        zone = timezone.get_current_timezone()
        return [self.row(values, zone) for values in page]


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


def money(amount_column: str, currency_column: str) -> Write:
    """Money from two columns (MoneySerializer's or MoneyOfField's answer);
    None when the amount is."""

    def write(values: dict[str, Any]) -> dict[str, str] | None:
        amount = values[amount_column]
        return None if amount is None else money_json(amount, values[currency_column])

    return write
