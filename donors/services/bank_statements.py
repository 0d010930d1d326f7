"""Importing bank statements: a job whose lines end in explicit match states.

The file is a CSV or XLSX with the COLUMNS below, or a bank's own CAMT.053
or MT940 statement, recognised by its content (``statement_formats``), whose
transactions are read into the same rows. The file is checked whole first
(columns, dates, amounts, currencies); any problem and nothing is saved.
Then, in one transaction:

- every line gets a *dedupe key*: the bank's own reference, or, for a line
  without one, its content plus its occurrence number in the file. A key
  already imported for the fund makes the line ``already_imported`` (nothing
  recorded); a unique constraint on (fund, dedupe_key) makes this hold when
  two imports of the same file race. Two identical genuine lines with
  different bank references are both kept.
- a zero amount is ``discarded``; a negative one (money leaving) is
  ``unmatched``: it is not a receipt.
- the pledge references quoted in the line's reference or counterparty are
  compared in their forgiving form (``references.normalise``) with every
  pledge's payment reference and register reference, read in one query.
  One pledge found in the line's currency: a receipt, the line ``matched``
  (``record_receipt`` handles part payments and overpayments). Several
  pledges of one donor: paid in order of due date until the money is used,
  one receipt each, any excess going with the last. Otherwise the line is
  ``unmatched`` with a message saying why, waiting for a person
  (``resolve_line``).
- a receipt that cannot be recorded (no exchange rate for the value date)
  leaves the line in ``error``, in the same queue.

Lookups are made in batches, never per line; only the receipts themselves
cost queries per matched line.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, NamedTuple, cast

from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from donors import sentences as donor_sentences
from donors.models import BankLine, BankStatement, Donor, Pledge, Receipt
from donors.queries import donors_open_pledges, open_pledges
from donors.services.notifications import acknowledge_receipts
from donors.services.receipts import ReceiptError, outstanding, record_receipt
from donors.services.references import normalise
from donors.services.statement_formats.detect import read_statement
from fundmgr import sentences
from fundmgr.models import Fund, JournalEntry
from fundmgr.money import Money, quantum
from fundmgr.sentences import Said, Sentence, at, joined, kept, said_by
from fundmgr.services.audit import Actor, actor_fields, log_action
from fundmgr.services.ledger import accounts_cached
from fundmgr.tabular import (
    FileRejected,
    RowError,
    parse_currency,
    parse_date,
    parse_decimal,
)

COLUMNS = ["value_date", "amount", "currency", "reference", "counterparty", "bank_ref"]
State = BankLine.State
#: Normalised references shorter than this are never matched automatically:
#: "7" or "12" would match any amount or date quoted in a line's text.
MIN_REFERENCE = 3
#: Lookups by key are made this many keys at a time.
BATCH = 500
#: Lines are saved this many at a time.
INSERT_BATCH = 2000
#: ``progress(done, total)`` is called every this many lines, and at each
#: phase's end: checking (total 0, not known yet), then saving (total: the lines).
PROGRESS_EVERY = 500

_COUNT_FIELD: dict[str, str] = {
    State.MATCHED: "matched_count",
    State.ALREADY_IMPORTED: "already_imported_count",
    State.UNMATCHED: "unmatched_count",
    State.DISCARDED: "discarded_count",
    State.ERROR: "error_count",
}
_WORDS = re.compile(r"[\s,;/]+")  # as references.references_in splits
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")  # as references.normalise removes


class BankLineError(ValueError):
    """A queue action that cannot be done; the message says why."""


@dataclass(frozen=True)
class StatementImportResult:
    statement: BankStatement
    counts: dict[str, int]
    #: Entries of the file not imported, each said by line: a CAMT.053
    #: entry not booked yet (pending), for instance.
    skipped: tuple[str, ...] = field(default=())
    #: csv, xlsx, camt053 or mt940.
    format: str = "csv"

    def __getitem__(self, state: str) -> int:
        return self.counts.get(state, 0)

    @property
    def matched(self) -> int:
        return self[State.MATCHED]

    @property
    def already_imported(self) -> int:
        return self[State.ALREADY_IMPORTED]

    @property
    def unmatched(self) -> int:
        return self[State.UNMATCHED]

    @property
    def discarded(self) -> int:
        return self[State.DISCARDED]

    @property
    def errors(self) -> int:
        return self[State.ERROR]


@dataclass(slots=True)
class _Line:
    """A checked line of the file, before it is saved: kept compact (no
    ``Money``, no model instance), as a statement may hold 100,000 lines."""

    line: int
    value_date: datetime.date
    amount: Decimal  # rounded to the currency's minor unit
    currency: str
    reference: str
    counterparty: str
    bank_ref: str
    #: What a bank's own format says beyond the columns (BankLine.detail_parts).
    detail: tuple[Said, ...] = ()
    dedupe_key: str = ""
    state: str = ""
    #: What became of the line (kept by code, ``BankLine.message_sentence``).
    message: Sentence | None = None
    duplicate_of: int | None = None  # the earlier line's id
    pledges: tuple[Pledge, ...] = ()

    def content(self) -> tuple:
        return (self.value_date, self.amount, self.currency, self.reference, self.counterparty)

    def money(self) -> Money:
        return Money(self.amount, self.currency)


class _Earlier(NamedTuple):
    """What is compared of a line already imported with the same key."""

    pk: int
    line_number: int
    file_name: str
    value_date: datetime.date
    amount: Decimal
    currency: str
    reference: str
    counterparty: str

    def content(self) -> tuple:
        return (self.value_date, self.amount, self.currency, self.reference, self.counterparty)


# Reading and checking the file ---------------------------------------------


def _read(source, name: str, progress=None) -> tuple[list[_Line], list[str], str]:
    """The file's checked lines, what it skipped, and its format."""
    errors: list[RowError] = []
    skipped: list[str] = []
    with ExitStack() as stack:
        kind, records = read_statement(source, COLUMNS, name, errors, skipped, stack)
        lines = _check(records, errors, progress)
    if errors:
        raise FileRejected(errors, name)
    return lines, skipped, kind


def _check(records, errors: list[RowError], progress=None) -> list[_Line]:
    """The same checks for every format's rows; problems go to ``errors``."""
    checked = 0
    lines: list[_Line] = []
    dates: dict[str, datetime.date | Said] = {}  # a date or why it is not one
    currencies: dict[str, tuple[str, Decimal] | Said] = {}  # code and quantum, or why not
    for number, (
        date_text,
        amount_text,
        currency_text,
        reference,
        counterparty,
        bank_ref,
    ), detail, where in records:
        checked += 1
        if progress is not None and not checked % PROGRESS_EVERY:
            progress(checked, 0)
        problems: list[Said] = []
        value_date = dates.get(date_text)
        if value_date is None:
            try:
                value_date = parse_date(date_text)
            except ValueError as bad:
                value_date = said_by(bad)
            if len(dates) < 10_000:
                dates[date_text] = value_date
        if not isinstance(value_date, datetime.date):
            problems.append(value_date)
        known = currencies.get(currency_text)
        if known is None:
            try:
                code = parse_currency(currency_text)
            except ValueError as bad:
                known = said_by(bad)
            else:
                known = (code, quantum(code))
            if len(currencies) < 10_000:
                currencies[currency_text] = known
        if not isinstance(known, tuple):
            problems.append(known)
            currency, step = "", None
        else:
            currency, step = known
        try:
            amount = parse_decimal(amount_text)
        except ValueError as bad:
            problems.append(said_by(bad))
        else:
            if currency and step is not None:
                rounded = amount.quantize(step)
                if amount != rounded:
                    problems.append(
                        Sentence(
                            sentences.TOO_MANY_DECIMALS,
                            {"amount": amount_text, "currency": currency},
                        )
                    )
        for column, text, limit in (
            ("reference", reference, 500),
            ("counterparty", counterparty, 300),
            ("bank_ref", bank_ref, 100),
        ):
            if len(text) > limit:
                problems.append(
                    Sentence(sentences.COLUMN_TOO_LONG, {"column": column, "max": limit})
                )
        if problems:
            # Kept by code (a background job's problems are read in each
            # reader's language); the place in a CAMT or MT940 file as said.
            errors.append(RowError(number, at(where, joined(problems))))
            continue
        assert isinstance(value_date, datetime.date)  # else it is among the problems
        lines.append(
            _Line(number, value_date, rounded, currency, reference, counterparty, bank_ref, detail)
        )
    if progress is not None:
        progress(checked, 0)
    return lines


def _assign_dedupe_keys(lines: Sequence[_Line], name: str) -> None:
    """The bank's reference, or the line's content and its occurrence in the file.

    The same bank reference twice in one file is a repeat of one transfer
    (the later line is ``already_imported``) if the content is the same, and
    a file error if it is not."""
    occurrences: Counter[tuple] = Counter()
    first_with_ref: dict[str, _Line] = {}
    errors: list[RowError] = []
    for line in lines:
        line.state, line.message, line.duplicate_of, line.pledges = "", None, None, ()
        if line.bank_ref:
            line.dedupe_key = f"ref:{line.bank_ref}"
            earlier = first_with_ref.setdefault(line.bank_ref, line)
            if earlier is not line:
                if earlier.content() != line.content():
                    errors.append(
                        RowError(
                            line.line,
                            Sentence(
                                donor_sentences.BANK_REF_TWICE,
                                {"ref": line.bank_ref, "other": earlier.line},
                            ),
                        )
                    )
                line.dedupe_key = ""  # the key belongs to the earlier line
                line.state = State.ALREADY_IMPORTED
                line.message = Sentence(
                    donor_sentences.SAME_TRANSFER_IN_FILE, {"other": earlier.line}
                )
            continue
        content = (
            line.value_date.isoformat(),
            str(line.amount),
            line.currency,
            line.reference,
            line.counterparty,
        )
        occurrences[content] += 1
        digest = hashlib.sha256(
            "\x1f".join([*content, str(occurrences[content])]).encode()
        ).hexdigest()
        line.dedupe_key = f"sum:{digest}"
    if errors:
        raise FileRejected(errors, name)


def _existing_lines(fund: Fund, keys: Iterable[str]) -> dict[str, _Earlier]:
    """The lines already holding these keys, fetched BATCH keys per query."""
    keys = sorted(set(keys))
    found: dict[str, _Earlier] = {}
    for start in range(0, len(keys), BATCH):
        rows = (
            BankLine.objects.filter(fund=fund, dedupe_key__in=keys[start : start + BATCH])
            .order_by()
            .values_list(
                "dedupe_key",
                "pk",
                "line_number",
                "statement__file_name",
                "value_date",
                "amount",
                "amount_currency",
                "reference",
                "counterparty",
            )
        )
        for row in rows:
            found[cast(str, row[0])] = _Earlier(*row[1:])  # the keys asked for: never null
    return found


# Matching ------------------------------------------------------------------


def _pledge_index(fund: Fund) -> dict[str, list[Pledge]]:
    """Every pledge of the fund by the forgiving form of both its references (one query)."""
    index: dict[str, list[Pledge]] = {}
    pledges = (
        Pledge.objects.filter(fund=fund)
        .select_related("donor")
        .annotate(first_due=Min("instalments__due_date"))
    )
    for pledge in pledges:
        for reference in {normalise(pledge.reference), normalise(pledge.source_reference)}:
            if len(reference) >= MIN_REFERENCE:
                index.setdefault(reference, []).append(pledge)
    return index


def _candidates(text: str) -> set[str]:
    """What a line's text may quote as a reference: each word, the whole
    text, and runs of two or three words read together ("abc 123").

    Each word is put in its forgiving form once: the form of a run of words
    (or of the whole text) is their forms joined, leading zeros stripped, the
    same as ``references.normalise`` of the run (separators are neither
    letters nor digits, and upper case is taken letter by letter)."""
    if not text:
        return set()
    cores = [_NOT_ALNUM.sub("", word.upper()) for word in _WORDS.split(text) if word]
    found = {core.lstrip("0") for core in cores}
    found.add("".join(cores).lstrip("0"))
    count = len(cores)
    for start in range(count - 1):
        pair = cores[start] + cores[start + 1]
        found.add(pair.lstrip("0"))
        if start + 2 < count:
            found.add((pair + cores[start + 2]).lstrip("0"))
    found.discard("")
    return found


def _pledges_quoted(
    line: _Line, index: dict[str, list[Pledge]]
) -> tuple[tuple[Pledge, ...], Sentence | None]:
    """The pledges a line quotes, or nothing and why none can be used."""
    quoted: dict[int, Pledge] = {}
    ambiguous = []
    for candidate in _candidates(line.reference) | _candidates(line.counterparty):
        pledges = index.get(candidate)
        if not pledges:
            continue
        if len({pledge.pk for pledge in pledges}) > 1:
            ambiguous.append(candidate)
            continue
        for pledge in pledges:
            quoted[pledge.pk] = pledge
    if ambiguous:
        return (), Sentence(
            donor_sentences.FITS_SEVERAL_PLEDGES, {"refs": ", ".join(sorted(ambiguous))}
        )
    if not quoted:
        return (), Sentence(donor_sentences.NO_PLEDGE_REFERENCE)
    pledges = sorted(
        quoted.values(),
        key=lambda p: (p.first_due or p.pledge_date, p.pledge_date, p.pk),  # type: ignore[attr-defined]
    )
    refs = ", ".join(pledge.reference for pledge in pledges)
    cancelled = [p.reference for p in pledges if p.status == Pledge.Status.CANCELLED]
    if cancelled:
        return (), Sentence(donor_sentences.PLEDGE_CANCELLED, {"refs": ", ".join(cancelled)})
    if len({pledge.donor_id for pledge in pledges}) > 1:
        return (), Sentence(donor_sentences.PLEDGES_OF_DIFFERENT_DONORS, {"refs": refs})
    other = sorted({p.amount.currency.code for p in pledges} - {line.currency})
    if other:
        return (), Sentence(
            donor_sentences.OTHER_CURRENCY,
            {"received": line.currency, "refs": refs, "pledged": ", ".join(other)},
        )
    return tuple(pledges), None


def _decide(line: _Line, existing: dict[str, _Earlier], index: dict[str, list[Pledge]]) -> None:
    """Set the state a line starts in (``matched`` means "to be recorded")."""
    if line.state:  # a repeat within the file
        return
    earlier = existing.get(line.dedupe_key)
    if earlier is not None:
        line.duplicate_of = earlier.pk
        where = {"line": earlier.line_number, "statement": earlier.file_name}
        if line.bank_ref and earlier.content() != line.content():
            line.state = State.ERROR
            line.message = Sentence(donor_sentences.REF_IMPORTED_OTHER_CONTENT, where)
        else:
            line.state = State.ALREADY_IMPORTED
            line.message = Sentence(donor_sentences.IMPORTED_BEFORE, where)
        line.dedupe_key = ""
        return
    if line.amount == 0:
        line.state, line.message = State.DISCARDED, Sentence(donor_sentences.ZERO_AMOUNT)
        return
    if line.amount < 0:
        line.state = State.UNMATCHED
        line.message = Sentence(donor_sentences.NEGATIVE_AMOUNT)
        return
    line.pledges, why = _pledges_quoted(line, index)
    line.state = State.MATCHED if line.pledges else State.UNMATCHED
    line.message = why


def _split(amount: Decimal, owed: Iterable[tuple[Pledge, Decimal]]) -> tuple[list[list], Decimal]:
    """Pay pledges in the order given, each at most what it still owes: the
    ``[pledge, amount]`` parts and what is left. ``owed`` is read lazily, so
    what later pledges owe is not asked once the money is used up."""
    remaining = amount
    parts: list[list] = []
    for pledge, due in owed:
        if due <= 0:
            continue
        take = min(remaining, due)
        parts.append([pledge, take])
        remaining -= take
        if remaining == 0:
            break
    return parts, remaining


def _shares(line: _Line) -> list[tuple[Pledge, Money]]:
    """How a line's money goes to the pledges it quotes, in order of due date."""
    currency = line.currency
    if len(line.pledges) == 1:
        return [(line.pledges[0], line.money())]
    parts, remaining = _split(
        line.amount, ((pledge, max(outstanding(pledge), Decimal(0))) for pledge in line.pledges)
    )
    if remaining > 0:  # more than all of them still owe: the excess goes with the last
        if parts:
            parts[-1][1] += remaining
        else:
            parts.append([line.pledges[-1], remaining])
    return [(pledge, Money(amount, currency)) for pledge, amount in parts]


def _idempotency_key(fund: Fund, line: BankLine, suffix: str = "") -> str:
    return _key(fund, line.dedupe_key, line.pk, suffix)


def _key(fund: Fund, dedupe_key: str | None, pk: int, suffix: str = "") -> str:
    own = dedupe_key or f"line:{pk}"
    return f"bank:{fund.code}:{own}{suffix}"


def _record(line: _Line, pk: int, fund: Fund, by: Actor, key_is_new: bool) -> list[Receipt]:
    """The receipts of a matched line, all or none (a savepoint: for one
    receipt, ``record_receipt``'s own)."""
    shares = _shares(line)
    if len(shares) == 1:
        return [_record_share(line, pk, fund, by, *shares[0], "", key_is_new)]
    receipts = []
    with transaction.atomic():
        for pledge, amount in shares:
            suffix = f":{pledge.reference}"
            receipts.append(_record_share(line, pk, fund, by, pledge, amount, suffix, key_is_new))
    return receipts


def _record_share(
    line: _Line,
    pk: int,
    fund: Fund,
    by: Actor,
    pledge: Pledge,
    amount: Money,
    suffix: str,
    key_is_new: bool,
) -> Receipt:
    return record_receipt(
        fund=fund,
        donor=pledge.donor,
        pledge=pledge,
        amount=amount,
        value_date=line.value_date,
        by=by,
        method=Receipt.Method.BANK,
        external_reference=line.bank_ref,
        idempotency_key=_key(fund, line.dedupe_key, pk, suffix),
        key_is_new=key_is_new,
        # The line is saved (``pk``); only its id is needed, not a query for it.
        source=BankLine(pk=pk),
        notify=False,  # the import thanks for all its receipts at once
    )


def _possible_keys(fund: Fund, line: _Line, pk: int) -> list[str]:
    """Every idempotency key the receipts of a matched line may be posted under."""
    if len(line.pledges) == 1:
        return [_key(fund, line.dedupe_key, pk)]
    return [
        _key(fund, line.dedupe_key, pk),
        *(_key(fund, line.dedupe_key, pk, f":{pledge.reference}") for pledge in line.pledges),
    ]


def _keys_in_ledger(fund: Fund, keys: Iterable[str]) -> set[str]:
    """Those of the keys already on an entry of the fund, BATCH keys per query.

    A key found nowhere is new for the rest of the import: it belongs to a
    line this import has just saved, whose unique dedupe key keeps any other
    import or person from posting under it meanwhile."""
    keys = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(keys), BATCH):
        found.update(
            cast(
                "QuerySet[JournalEntry, str]",  # the keys asked for: never null
                JournalEntry.objects.filter(
                    fund=fund, idempotency_key__in=keys[start : start + BATCH]
                ).values_list("idempotency_key", flat=True),
            )
        )
    return found


# The import ----------------------------------------------------------------


def import_bank_statement(
    source: str | Path | IO[bytes],
    fund: Fund,
    by: Actor,
    *,
    name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> StatementImportResult:
    """Check the whole file, then import every line in one transaction.

    ``progress(done, total)``, if given, hears how far it is (PROGRESS_EVERY)."""
    name = name or str(getattr(source, "name", source))
    lines, skipped, kind = _read(source, name, progress)
    _assign_dedupe_keys(lines, name)
    for attempt in range(2):
        try:
            return _import(lines, fund, by, name, progress, skipped=skipped, kind=kind)
        except IntegrityError:
            # Another import of the same lines committed first: look again,
            # and those lines are now already imported.
            if attempt:
                raise
            _assign_dedupe_keys(lines, name)
    raise AssertionError("unreachable")  # pragma: no cover


#: The columns of a line that come from the file and its matching; every
#: other column of BankLine is the same for all the lines of one import.
_PER_LINE = (
    "line_number",
    "value_date",
    "amount",
    "amount_currency",
    "reference",
    "counterparty",
    "bank_ref",
    "detail_parts",
    "dedupe_key",
    "duplicate_of_id",
    "state",
    "message_sentence",
    "pledge_id",
    "donor_id",
)


def _insert(lines: Sequence[_Line], statement: BankStatement, fund: Fund) -> dict[int, int]:
    """Save the lines; the ids of the matched ones, by line number.

    The rows are those ``bulk_create`` would write, each value prepared by
    the model's own field, but without a model instance and a compiled query
    per line: on PostgreSQL one COPY, elsewhere multi-row INSERTs of
    INSERT_BATCH lines (fewer if the database limits a query's parameters)."""
    connection = connections[router.db_for_write(BankLine)]
    fields = {f.attname: f for f in BankLine._meta.concrete_fields if not f.primary_key}
    fixed = {name: field.get_default() for name, field in fields.items() if name not in _PER_LINE}
    fixed.update(statement_id=statement.pk, fund_id=fund.pk)
    columns = [*fixed, *_PER_LINE]
    fixed_values = tuple(
        fields[name].get_db_prep_save(value, connection) for name, value in fixed.items()
    )
    date, amount = fields["value_date"], fields["amount"]
    said_field = fields["message_sentence"]
    # Most lines say one of a few sentences ("no pledge reference found"):
    # each is prepared once, not once a line.
    prepared: dict[tuple, object] = {}

    def said(message: Sentence | None):
        if message is None:
            return None
        try:
            key = (message.code, *message.params.items())
            found = prepared.get(key)
        except TypeError:  # a value that is no key (a sentence within)
            return said_field.get_db_prep_save(message.data(), connection)
        if found is None:
            found = said_field.get_db_prep_save(message.data(), connection)
            if len(prepared) < 10_000:
                prepared[key] = found
        return found

    parts_field = fields["detail_parts"]

    def parts(detail: tuple[Said, ...]):
        if not detail:
            return None
        return parts_field.get_db_prep_save([kept(part) for part in detail], connection)

    def row(line: _Line) -> tuple:
        pledges = line.pledges
        return (
            *fixed_values,
            line.line,
            date.get_db_prep_save(line.value_date, connection),
            amount.get_db_prep_save(line.amount, connection),
            line.currency,
            line.reference,
            line.counterparty,
            line.bank_ref,
            parts(line.detail),
            line.dedupe_key or None,
            line.duplicate_of,
            line.state,
            said(line.message),
            pledges[0].pk if len(pledges) == 1 else None,
            pledges[0].donor_id if pledges else None,
        )

    quote = connection.ops.quote_name
    # Only the model's own table and column names are written into the SQL;
    # every value is a parameter (or COPY data).
    table = quote(BankLine._meta.db_table)
    names = ", ".join(quote(cast(str, fields[name].column)) for name in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with (
                connection.wrap_database_errors,
                cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for line in lines:
                    copy.write_row(row(line))
        else:
            rows_per_query = INSERT_BATCH
            if connection.features.max_query_params:
                rows_per_query = min(
                    rows_per_query, connection.features.max_query_params // len(columns)
                )
            one_row = f"({', '.join(['%s'] * len(columns))})"
            head = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608
            for start in range(0, len(lines), rows_per_query):
                batch = lines[start : start + rows_per_query]
                params = [value for line in batch for value in row(line)]
                cursor.execute(head + ", ".join([one_row] * len(batch)), params)
    return dict(
        BankLine.objects.filter(statement=statement, state=State.MATCHED).values_list(
            "line_number", "pk"
        )
    )


@transaction.atomic
def _import(
    lines: list[_Line],
    fund: Fund,
    by: Actor,
    name: str,
    progress=None,
    *,
    skipped: Sequence[str] = (),
    kind: str = "csv",
) -> StatementImportResult:
    existing = _existing_lines(fund, (line.dedupe_key for line in lines if not line.state))
    index = _pledge_index(fund)
    for line in lines:
        _decide(line, existing, index)
    del existing, index

    actor = actor_fields(by)
    statement = BankStatement.objects.create(
        fund=fund,
        file_name=Path(name).name[:255],
        imported_by=actor["actor"],
        system_actor=actor["system_actor"],
    )
    ids = _insert(lines, statement, fund)
    matched = [(line, ids[line.line]) for line in lines if line.state == State.MATCHED]
    del ids
    # Saved so far: every line but the matched ones, whose receipts come next.
    saved = len(lines) - len(matched)
    if progress is not None:
        progress(saved, len(lines))
    used = _keys_in_ledger(
        fund, (key for line, pk in matched for key in _possible_keys(fund, line, pk))
    )

    links = []
    changed = []
    recorded_receipts: list[Receipt] = []
    with accounts_cached():
        for recorded, (line, pk) in enumerate(matched, 1):
            if progress is not None and not recorded % PROGRESS_EVERY:
                progress(saved + recorded, len(lines))
            key_is_new = used.isdisjoint(_possible_keys(fund, line, pk))
            try:
                receipts = _record(line, pk, fund, by, key_is_new)
            except (ReceiptError, LookupError, ValueError) as failed:
                line.state = State.ERROR
                line.message = Sentence(
                    donor_sentences.RECEIPT_NOT_RECORDED, {"why": kept(said_by(failed))}
                )
                changed.append(
                    BankLine(
                        pk=pk,
                        state=line.state,
                        message_sentence=line.message.data(),
                        pledge=None,
                        donor=None,
                    )
                )
                continue
            recorded_receipts += receipts
            links += [
                BankLine.receipts.through(bankline_id=pk, receipt_id=receipt.pk)
                for receipt in receipts
            ]
    del matched
    if changed:
        BankLine.objects.bulk_update(changed, ["state", "message_sentence", "pledge", "donor"])
    BankLine.receipts.through.objects.bulk_create(links, batch_size=BATCH)
    acknowledge_receipts(recorded_receipts)
    del recorded_receipts

    if progress is not None:
        progress(len(lines), len(lines))
    counts = Counter(line.state for line in lines)
    for state, column in _COUNT_FIELD.items():
        setattr(statement, column, counts.get(state, 0))
    statement.line_count = len(lines)
    statement.save(update_fields=["line_count", *_COUNT_FIELD.values()])
    log_action(
        statement,
        "bank-statement:imported",
        by,
        statement.file_name,
        {
            "fund": fund.code,
            "format": kind,
            "lines": len(lines),
            **{str(s): counts.get(s, 0) for s in State},
            "skipped": len(skipped),
            "skipped_first": list(skipped[:20]),
        },
    )
    return StatementImportResult(
        statement, {str(s): counts.get(s, 0) for s in State}, tuple(skipped), kind
    )


# The human queue -----------------------------------------------------------


@transaction.atomic
def resolve_line(
    line: BankLine,
    by: Actor,
    *,
    pledge: Pledge | None = None,
    donor: Donor | None = None,
    discard_reason: str = "",
    note: str = "",
    without_pledge: bool = False,
) -> BankLine:
    """A person settles a waiting line: assigns it to a pledge (a receipt for
    the pledge), to a donor, or discards it with a reason. Only a line
    waiting in the queue can be settled.

    Money assigned to a donor pays their open pledges in its currency, oldest
    due first, each at most what it still owes; what is left is a
    contribution without a pledge (``_donor_shares``). ``without_pledge``
    makes it all a contribution. One receipt per share, all or none."""
    actor = actor_fields(by)
    line = BankLine.objects.select_for_update().select_related("fund").get(pk=line.pk)
    if line.state not in BankLine.WAITING:
        raise BankLineError(
            _(
                "Line %(line)d of statement %(statement)s is “%(state)s”, not waiting for a "
                "person; nothing was changed."
            )
            % {
                "line": line.line_number,
                "statement": line.statement_id,
                "state": line.get_state_display(),
            }
        )
    discard_reason = discard_reason.strip()
    chosen = sum(bool(x) for x in (pledge is not None or donor is not None, discard_reason))
    if chosen != 1:
        raise BankLineError(
            _("Assign the line to a pledge or a donor, or discard it with a reason: one of them.")
        )
    was = line.state
    if discard_reason:
        line.state = BankLine.State.DISCARDED
        line.resolution_note = discard_reason
        action, data = "bank-line:discarded", {}
    else:
        if pledge is not None:
            if donor is not None and donor.pk != pledge.donor_id:
                raise BankLineError(
                    _(
                        "Pledge %(reference)s is not this donor's pledge: give the pledge "
                        "alone, or the donor alone."
                    )
                    % {"reference": pledge.reference}
                )
            if pledge.fund_id != line.fund_id:
                raise BankLineError(
                    _(
                        "Pledge %(reference)s belongs to another fund: assign the money to the "
                        "donor without a pledge, or to a pledge of this fund."
                    )
                    % {"reference": pledge.reference}
                )
            if pledge.status == Pledge.Status.CANCELLED:
                raise BankLineError(
                    _(
                        "Pledge %(reference)s is cancelled: assign the money to its donor "
                        "without a pledge."
                    )
                    % {"reference": pledge.reference}
                )
            donor = pledge.donor
        if line.amount.amount <= 0:
            raise BankLineError(
                _(
                    "Only money received can be assigned: discard this line with a reason, or "
                    "leave it unreconciled on the bank reconciliation page (where a bank "
                    "charge is booked)."
                )
            )
        assert donor is not None  # the one given, or the pledge's
        if pledge is not None:
            shares = [(pledge, line.amount)]
        elif without_pledge:
            shares = [(None, line.amount)]
        else:
            shares = _donor_shares(line, donor)
        receipts = []
        for share_pledge, amount in shares:
            suffix = ""
            if len(shares) > 1:
                suffix = f":{share_pledge.reference}" if share_pledge else ":no-pledge"
            try:
                receipts.append(
                    record_receipt(
                        fund=line.fund,
                        donor=donor,
                        pledge=share_pledge,
                        amount=amount,
                        value_date=line.value_date,
                        by=by,
                        method=Receipt.Method.BANK,
                        external_reference=line.bank_ref,
                        idempotency_key=_idempotency_key(line.fund, line, suffix),
                        source=line,
                    )
                )
            except (ReceiptError, LookupError) as refused:
                raise BankLineError(str(refused)) from refused
        line.receipts.add(*receipts)
        paid = [p for p, _amount in shares if p is not None]
        line.state = BankLine.State.MATCHED
        line.pledge, line.donor = (paid[0] if len(paid) == 1 else None), donor
        line.resolution_note = note.strip()
        action = "bank-line:assigned"
        data = {
            "receipt": receipts[0].number,
            "receipts": [receipt.number for receipt in receipts],
            "pledge": paid[0].reference if len(paid) == 1 else None,
            "pledges": [p.reference for p in paid],
            "donor": donor.pk,
        }
    line.resolved_by = actor["actor"]
    line.resolved_by_system = actor["system_actor"]
    line.resolved_at = timezone.now()
    line.save(
        update_fields=[
            "state",
            "pledge",
            "donor",
            "resolution_note",
            "resolved_by",
            "resolved_by_system",
            "resolved_at",
        ]
    )
    BankStatement.objects.filter(pk=line.statement_id).update(
        **{
            _COUNT_FIELD[was]: F(_COUNT_FIELD[was]) - 1,
            _COUNT_FIELD[line.state]: F(_COUNT_FIELD[line.state]) + 1,
        }
    )
    log_action(
        line,
        action,
        by,
        line.resolution_note,
        {"was": was, "amount": str(line.amount), "bank_ref": line.bank_ref, **data},
    )
    return line


def _donor_shares(line: BankLine, donor: Donor) -> list[tuple[Pledge | None, Money]]:
    """How money assigned to a donor goes: to their own open pledges in its
    currency made by its value date, oldest due first (next unpaid
    instalment, then pledge date), each at most what it owes; the rest a
    contribution without a pledge. The pledges are locked first, so two
    lines assigned at once cannot both fill the same instalment.

    An open pledge made after the money arrived cannot take it
    (``record_receipt``); if money would be left over while one exists, the
    officer decides: move its date back, or take the money without a pledge."""
    currency = line.amount.currency.code
    mine = donors_open_pledges(line.fund, donor.pk, currency)
    locked = list(mine.select_for_update().order_by("pk").values_list("pk", flat=True))
    items = open_pledges(Pledge.objects.filter(pk__in=locked))
    usable = [item for item in items if item.pledge.pledge_date <= line.value_date]
    parts, remaining = _split(line.amount.amount, ((i.pledge, i.owed) for i in usable))
    later = [item.pledge for item in items if item.pledge.pledge_date > line.value_date]
    if remaining > 0 and later:
        raise BankLineError(
            _(
                "%(donor)s's pledge %(refs)s was made after this money arrived on %(date)s. "
                "Move the pledge's date back to %(date)s (“Move the pledge date” on this "
                "line), or assign the money to the donor without a pledge."
            )
            % {
                "donor": donor.name,
                "refs": ", ".join(p.reference for p in later),
                "date": line.value_date,
            }
        )
    shares: list[tuple[Pledge | None, Money]] = [
        (pledge, Money(amount, currency)) for pledge, amount in parts
    ]
    if remaining > 0:
        shares.append((None, Money(remaining, currency)))
    return shares
