"""Rows of the books' lists: donors, pledges with their schedules, receipts,
exchange rates, events with their sessions, journal entries with their legs
(what api.serializers.donors, .rates, .events and .journal answer)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from api.rows import Rows, money, translated, translated_reads
from api.serializers.donors import (
    CONTACT_COLUMNS,
    DonorSerializer,
    InstalmentSerializer,
    PledgeSerializer,
    ReceiptSerializer,
    contact_of,
)
from api.serializers.events import EventSerializer, EventSessionSerializer
from api.serializers.journal import JournalEntrySerializer, LegSerializer
from api.serializers.rates import ExchangeRateSerializer
from donors.models import Instalment
from fundmgr.models import EventSession, Leg
from fundmgr.models.ledger import memo_shown


def _donor(values: dict[str, Any]) -> dict[str, Any] | None:
    """DonorRefSerializer's answer."""
    pk = values["donor_id"]
    return None if pk is None else {"id": pk, "name": values["donor__name"]}


donors = Rows(DonorSerializer)
rates = Rows(ExchangeRateSerializer)

receipts = Rows(
    ReceiptSerializer,
    written={
        "donor": _donor,
        "amount": money("amount", "amount_currency"),
        "base_amount": money("base_amount", "fund__base_currency"),
    },
    reads=["donor_id", "donor__name", "amount_currency", "fund__base_currency"],
    times=["created_at"],
)

_instalments = Rows(
    InstalmentSerializer,
    written={"amount": money("amount", "amount_currency")},
    reads=["amount_currency"],
)


def _children(values: dict[str, Any]) -> list[dict[str, Any]]:
    return values["_children"]


_pledges = Rows(
    PledgeSerializer,
    written={
        "donor": _donor,
        "amount": money("amount", "amount_currency"),
        "base_amount": money("base_amount", "fund__base_currency"),
        "received": money("paid", "amount_currency"),
        "instalments": _children,
        "contact": contact_of,
    },
    reads=[
        "id",
        "donor_id",
        "donor__name",
        "amount_currency",
        "fund__base_currency",
        *CONTACT_COLUMNS.values(),
    ],
    times=["created_at"],
)


def _attach(page: list[dict[str, Any]], children: dict[Any, list]) -> list[dict[str, Any]]:
    for values in page:
        values["_children"] = children.get(values["id"], [])
    return page


class Pledges:
    """Pledges with their instalments: the page, then its instalments in one query."""

    values = _pledges.values
    values_of = _pledges.values_of

    def __call__(self, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        schedule: dict[Any, list] = defaultdict(list)
        rows = Instalment.objects.filter(pledge_id__in=[values["id"] for values in page])
        # The order of the pledge's ``instalments`` (Instalment.Meta.ordering).
        instalments = list(_instalments.values(rows, "pledge_id"))
        for values, answer in zip(instalments, _instalments(instalments), strict=True):
            schedule[values["pledge_id"]].append(answer)
        return _pledges(_attach(page, schedule))


pledges = Pledges()

_sessions = Rows(
    EventSessionSerializer,
    written={"title": translated("title")},
    reads=translated_reads("title"),
)
_events = Rows(
    EventSerializer,
    written={"sessions": _children, "name": translated("name")},
    reads=["id", *translated_reads("name")],
)


class Events:
    """Events with their sessions (by day and hour): the page, then its sessions."""

    values = _events.values
    values_of = _events.values_of

    def __call__(self, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        sessions: dict[Any, list] = defaultdict(list)
        rows = EventSession.objects.filter(event_id__in=[values["id"] for values in page])
        for values in _sessions.values(rows.order_by("date", "starts_at"), "event_id"):
            sessions[values["event_id"]].append(_sessions.row(values))
        return _events(_attach(page, sessions))


events = Events()


def _source(values: dict[str, Any]) -> dict[str, Any] | None:
    """EntrySourceSerializer's answer: the kind and id of the record, or None."""
    if values["source_type_id"] is None:
        return None
    source_id = values["source_id"]
    return {
        "type": f"{values['source_type__app_label']}.{values['source_type__model']}",
        "id": None if source_id is None else int(source_id),
    }


def _posted_by(values: dict[str, Any]) -> str:
    """JournalEntry.actor: the user's name (User.__str__), or the system's."""
    if values["created_by_id"] is not None:
        return values["created_by__username"]
    return values["system_actor"]


def _memo(values: dict[str, Any]) -> str:
    """JournalEntry.memo_shown: by its code in the reader's language, else as written."""
    return memo_shown(values["memo"], values["memo_sentence"])


def _reversed_by(values: dict[str, Any]) -> int | None:
    return values["reversed_by__id"]


_entries = Rows(
    JournalEntrySerializer,
    written={
        "source": _source,
        "reversed_by": _reversed_by,
        "posted_by": _posted_by,
        "memo": _memo,
        "legs": _children,
    },
    reads=[
        "id",
        "memo",
        "memo_sentence",
        "source_type_id",
        "source_type__app_label",
        "source_type__model",
        "source_id",
        "reversed_by__id",
        "created_by_id",
        "created_by__username",
        "system_actor",
    ],
    times=["created_at"],
)


def _account(column: str):
    def write(values: dict[str, Any]) -> str:
        return values[column]

    return write


_legs = Rows(
    LegSerializer,
    written={
        "account": _account("account__code"),
        "account_purpose": _account("account__key"),
        "debit": money("debit", "_currency"),
        "credit": money("credit", "_currency"),
        "original": money("original", "original_currency"),
    },
    reads=["account__code", "account__key", "original_currency"],
)


class Entries:
    """Entries with their legs: the page, then its legs with their accounts
    (joined: a round trip cost more than reading a fund's few accounts'
    codes beside each leg)."""

    def values(self, queryset):
        return _entries.values(queryset, "fund__base_currency")

    def values_of(self, rows):
        return _entries.values_of(rows, "fund__base_currency")

    def __call__(self, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        currency = {values["id"]: values["fund__base_currency"] for values in page}
        legs = list(
            _legs.values(
                Leg.objects.filter(entry_id__in=list(currency)).order_by("entry_id", "id"),
                "entry_id",
            )
        )
        for leg in legs:
            leg["_currency"] = currency[leg["entry_id"]]
        by_entry: dict[Any, list] = defaultdict(list)
        for leg, answer in zip(legs, _legs(legs), strict=True):
            by_entry[leg["entry_id"]].append(answer)
        return _entries(_attach(page, by_entry))


entries = Entries()
