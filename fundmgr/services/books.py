"""The books' fingerprint: a backup is checked against it (docs/deploy.md, "Backup and restore").

The books are rendered into a canonical text, one line per row, in sections:
the whole audit trail (every record, every column, in order), then per fund
(by code) its journal (every entry and leg, every column), its trial balance
and what the apps add (``fundmgr.extensions.add_books_section``: the reports
app's financial statement), all as of one date. Each section's lines are
hashed (SHA-256) and counted as they are made, so a large audit trail is
never held in memory. Two databases hold the same books when every section's
hash is the same; a section that differs names where to look.

The rendering is exact: amounts as ``Decimal`` text, dates and times in ISO
form, JSON with sorted keys; labels in English whatever the language active.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.utils import translation
from django.utils.functional import Promise

from fundmgr import extensions
from fundmgr.models import AuditRecord, Fund, JournalEntry, Leg
from fundmgr.money import Money
from fundmgr.services.ledger import trial_balance

AUDIT_TRAIL = "audit trail"

#: The journal entry's columns added since the fingerprint was first defined
#: (see ``table_rows``): ``memo_sentence``, fundmgr 0023.
ENTRY_COLUMNS_ADDED = ("memo_sentence",)


@dataclasses.dataclass(frozen=True)
class SectionDigest:
    sha256: str
    rows: int


@dataclasses.dataclass(frozen=True)
class BooksFingerprint:
    as_of: datetime.date
    sections: dict[str, SectionDigest]

    @property
    def sha256(self) -> str:
        """One hash over every section's name and hash."""
        whole = hashlib.sha256()
        for name, digest in sorted(self.sections.items()):
            whole.update(f"{name}\t{digest.sha256}\t{digest.rows}\n".encode())
        return whole.hexdigest()

    def rows(self, name: str) -> int:
        digest = self.sections.get(name)
        return digest.rows if digest else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "sha256": self.sha256,
            "sections": {
                name: {"sha256": digest.sha256, "rows": digest.rows}
                for name, digest in sorted(self.sections.items())
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BooksFingerprint:
        """Refuses (ValueError) anything but what ``as_json`` writes."""
        try:
            return cls(
                as_of=datetime.date.fromisoformat(data["as_of"]),
                sections={
                    str(name): SectionDigest(str(digest["sha256"]), int(digest["rows"]))
                    for name, digest in data["sections"].items()
                },
            )
        except (KeyError, TypeError, AttributeError) as wrong:
            raise ValueError(f"the books fingerprint is malformed ({wrong})") from wrong


def canonical(value: Any) -> Any:
    """``value`` as plain JSON data, the same on every run and every machine;
    TypeError for anything it does not know, rather than a ``repr`` that
    could differ (an object's address)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Money):
        return f"{value.amount} {value.currency}"
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, float):  # only ever inside JSON data, never an amount
        return repr(value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, models.Model):
        return f"{value._meta.label}#{value.pk}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: canonical(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, dict):
        return {str(key): canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    raise TypeError(f"no canonical form for {type(value).__name__}")


def line(value: Any) -> str:
    return json.dumps(canonical(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def table_rows(queryset: models.QuerySet, *, added: Iterable[str] = ()) -> Iterator[list[Any]]:
    """Every concrete column of the rows of ``queryset``, in primary key order.

    ``added``: nullable columns added after books were fingerprinted, left out
    of a row while NULL and otherwise written after its other columns as
    ``{name: value}``: a row without them renders as it did before they
    existed, so the fingerprint of books kept before does not change."""
    added = list(added)
    names = [
        field.attname
        for field in queryset.model._meta.concrete_fields
        if field.attname not in added
    ]
    for row in queryset.order_by("pk").values_list(*names, *added).iterator(chunk_size=2000):
        values = list(row[: len(names)])
        extra = {
            name: value
            for name, value in zip(added, row[len(names) :], strict=True)
            if value is not None
        }
        yield [*values, extra] if extra else values


class _Section:
    def __init__(self, name: str, sink: Callable[[str, str], None] | None):
        self.name = name
        self.hash = hashlib.sha256()
        self.rows = 0
        self.sink = sink

    def add(self, value: Any) -> None:
        text = line(value)
        self.hash.update(text.encode() + b"\n")
        self.rows += 1
        if self.sink:
            self.sink(self.name, text)

    def digest(self) -> SectionDigest:
        return SectionDigest(self.hash.hexdigest(), self.rows)


#: The ledger's precision: a sum's text then does not depend on how the
#: database happened to carry its scale.
THOUSANDTH = Decimal("0.001")


def _trial_balance_rows(fund: Fund, as_of: datetime.date) -> Iterable[Any]:
    rows, totals = trial_balance(fund, as_of)
    for row in rows:
        account = row.account
        amounts = [row.debit, row.credit, row.balance]
        yield [account.code, account.key, account.kind, account.segregated] + [
            amount.quantize(THOUSANDTH) for amount in amounts
        ]
    yield [totals["debit"].quantize(THOUSANDTH), totals["credit"].quantize(THOUSANDTH)]


def books_fingerprint(
    as_of: datetime.date, *, sink: Callable[[str, str], None] | None = None
) -> BooksFingerprint:
    """The fingerprint of the books as of ``as_of``; ``sink(section, line)``,
    if given, receives every line of the canonical text as it is made."""
    sections: dict[str, SectionDigest] = {}
    with translation.override("en"):
        audit = _Section(AUDIT_TRAIL, sink)
        for row in table_rows(AuditRecord.objects.all()):
            audit.add(row)
        sections[audit.name] = audit.digest()

        for fund in Fund.objects.order_by("code"):
            journal = _Section(f"{fund.code} journal", sink)
            # An entry's memo by code (issue 15) counts only where it is kept.
            entries = JournalEntry.objects.filter(fund=fund)
            for row in table_rows(entries, added=ENTRY_COLUMNS_ADDED):
                journal.add(["entry", *row])
            for row in table_rows(Leg.objects.filter(entry__fund=fund)):
                journal.add(["leg", *row])
            sections[journal.name] = journal.digest()

            balance = _Section(f"{fund.code} trial balance", sink)
            for row in _trial_balance_rows(fund, as_of):
                balance.add(row)
            sections[balance.name] = balance.digest()

            for name, rows in extensions.books_sections().items():
                section = _Section(f"{fund.code} {name}", sink)
                for row in rows(fund, as_of):
                    section.add(row)
                sections[section.name] = section.digest()
    return BooksFingerprint(as_of, sections)


def table_counts() -> dict[str, int]:
    """The number of rows of every table of the database (Django's and
    every app's, whether or not a model names it)."""
    counts = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - a table name
            counts[table] = cursor.fetchone()[0]
    return counts
