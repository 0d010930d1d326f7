"""Importing bank statements: a job whose lines end in explicit match states.

The file is checked whole first (columns, dates, amounts, currencies); any
problem and nothing is saved. Then, in one transaction:

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.db import IntegrityError, transaction
from django.db.models import F, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from donors.models import BankLine, BankStatement, Donor, Pledge, Receipt
from donors.services.receipts import ReceiptError, outstanding, record_receipt
from donors.services.references import normalise, references_in
from fundmgr.models import Fund
from fundmgr.money import Money, UnknownCurrency, minor_units, quantum
from fundmgr.services.audit import actor_fields, log_action
from fundmgr.tabular import FileRejected, RowError, parse_date, parse_decimal, read_rows

COLUMNS = ["value_date", "amount", "currency", "reference", "counterparty", "bank_ref"]
State = BankLine.State
#: Normalised references shorter than this are never matched automatically:
#: "7" or "12" would match any amount or date quoted in a line's text.
MIN_REFERENCE = 3
#: Lookups by key are made this many keys at a time.
BATCH = 500

_COUNT_FIELD = {
    State.MATCHED: "matched_count",
    State.ALREADY_IMPORTED: "already_imported_count",
    State.UNMATCHED: "unmatched_count",
    State.DISCARDED: "discarded_count",
    State.ERROR: "error_count",
}
_WORDS = re.compile(r"[\s,;/]+")


class BankLineError(ValueError):
    """A queue action that cannot be done; the message says why."""


@dataclass(frozen=True)
class StatementImportResult:
    statement: BankStatement
    counts: dict[str, int]

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


@dataclass
class _Line:
    """A checked line of the file, before it is saved."""

    line: int
    value_date: datetime.date
    amount: Money
    reference: str
    counterparty: str
    bank_ref: str
    dedupe_key: str = ""
    state: str = ""
    message: str = ""
    duplicate_of: BankLine | None = None
    pledges: list[Pledge] = field(default_factory=list)
    model: BankLine | None = None

    def content(self) -> tuple:
        return (self.value_date, self.amount, self.reference, self.counterparty)


# Reading and checking the file ---------------------------------------------


def _read(source, name: str) -> list[_Line]:
    errors: list[RowError] = []
    lines: list[_Line] = []
    for row in read_rows(source, COLUMNS, name=name):
        problems = []
        try:
            value_date = parse_date(row["value_date"])
        except ValueError as bad:
            problems.append(str(bad))
        currency = row["currency"].strip().upper()
        try:
            minor_units(currency)
        except UnknownCurrency:
            problems.append(_("unknown currency “%(code)s”") % {"code": row["currency"]})
            currency = ""
        try:
            amount = parse_decimal(row["amount"])
        except ValueError as bad:
            problems.append(str(bad))
        else:
            if currency and amount != amount.quantize(quantum(currency)):
                problems.append(
                    _("%(amount)s has more decimals than %(currency)s allows")
                    % {"amount": row["amount"], "currency": currency}
                )
        for column, limit in (("reference", 500), ("counterparty", 300), ("bank_ref", 100)):
            if len(row[column].strip()) > limit:
                problems.append(
                    _("%(column)s is longer than %(max)d characters")
                    % {"column": column, "max": limit}
                )
        if problems:
            errors.append(RowError(row.line, "; ".join(problems)))
            continue
        lines.append(
            _Line(
                line=row.line,
                value_date=value_date,
                amount=Money(amount.quantize(quantum(currency)), currency),
                reference=row["reference"].strip(),
                counterparty=row["counterparty"].strip(),
                bank_ref=row["bank_ref"].strip(),
            )
        )
    if errors:
        raise FileRejected(errors, name)
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
        line.state, line.message, line.duplicate_of, line.pledges = "", "", None, []
        if line.bank_ref:
            line.dedupe_key = f"ref:{line.bank_ref}"
            earlier = first_with_ref.setdefault(line.bank_ref, line)
            if earlier is not line:
                if earlier.content() != line.content():
                    errors.append(
                        RowError(
                            line.line,
                            _(
                                "bank reference “%(ref)s” is also on line %(other)d, for another "
                                "transfer"
                            )
                            % {"ref": line.bank_ref, "other": earlier.line},
                        )
                    )
                line.dedupe_key = ""  # the key belongs to the earlier line
                line.state = State.ALREADY_IMPORTED
                line.message = _("the same transfer as line %(other)d of this file") % {
                    "other": earlier.line
                }
            continue
        content = (
            line.value_date.isoformat(),
            str(line.amount.amount),
            line.amount.currency.code,
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


def _existing_lines(fund: Fund, keys: Iterable[str]) -> dict[str, BankLine]:
    """The lines already holding these keys, fetched BATCH keys per query."""
    keys = sorted(set(keys))
    found: dict[str, BankLine] = {}
    for start in range(0, len(keys), BATCH):
        for line in BankLine.objects.filter(
            fund=fund, dedupe_key__in=keys[start : start + BATCH]
        ).select_related("statement"):
            found[line.dedupe_key] = line
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
    text, and runs of two or three words read together ("abc 123")."""
    found = references_in(text)
    words = [word for word in _WORDS.split(text) if word]
    for size in (2, 3):
        for start in range(len(words) - size + 1):
            found.add(normalise("".join(words[start : start + size])))
    found.discard("")
    return found


def _pledges_quoted(line: _Line, index: dict[str, list[Pledge]]) -> tuple[list[Pledge], str]:
    """The pledges a line quotes, or an empty list and why none can be used."""
    quoted: dict[int, Pledge] = {}
    ambiguous = []
    for candidate in _candidates(line.reference) | _candidates(line.counterparty):
        pledges = index.get(candidate, [])
        if len({pledge.pk for pledge in pledges}) > 1:
            ambiguous.append(candidate)
            continue
        for pledge in pledges:
            quoted[pledge.pk] = pledge
    if ambiguous:
        return [], _("reference %(refs)s fits several pledges: a person must decide") % {
            "refs": ", ".join(sorted(ambiguous))
        }
    if not quoted:
        return [], _("no pledge reference found in the line")
    pledges = sorted(
        quoted.values(), key=lambda p: (p.first_due or p.pledge_date, p.pledge_date, p.pk)
    )
    refs = ", ".join(pledge.reference for pledge in pledges)
    cancelled = [p.reference for p in pledges if p.status == Pledge.Status.CANCELLED]
    if cancelled:
        return [], _("pledge %(refs)s is cancelled: a person must decide") % {
            "refs": ", ".join(cancelled)
        }
    if len({pledge.donor_id for pledge in pledges}) > 1:
        return [], _("pledges %(refs)s are of different donors: a person must decide") % {
            "refs": refs
        }
    other = sorted({p.amount.currency.code for p in pledges} - {line.amount.currency.code})
    if other:
        return [], _(
            "received in %(received)s but pledge %(refs)s is in %(pledged)s: a person must decide"
        ) % {"received": line.amount.currency, "refs": refs, "pledged": ", ".join(other)}
    return pledges, ""


def _decide(line: _Line, existing: dict[str, BankLine], index: dict[str, list[Pledge]]) -> None:
    """Set the state a line starts in (``matched`` means "to be recorded")."""
    if line.state:  # a repeat within the file
        return
    earlier = existing.get(line.dedupe_key)
    if earlier is not None:
        line.duplicate_of = earlier
        where = {"line": earlier.line_number, "statement": earlier.statement.file_name}
        if (
            line.bank_ref
            and (
                earlier.value_date,
                earlier.amount,
                earlier.reference,
                earlier.counterparty,
            )
            != line.content()
        ):
            line.state = State.ERROR
            line.message = (
                _(
                    "bank reference already imported with other content (line %(line)d of "
                    "%(statement)s): a person must check"
                )
                % where
            )
        else:
            line.state = State.ALREADY_IMPORTED
            line.message = _("imported before: line %(line)d of %(statement)s") % where
        line.dedupe_key = ""
        return
    if line.amount.amount == 0:
        line.state, line.message = State.DISCARDED, _("zero amount")
        return
    if line.amount.amount < 0:
        line.state = State.UNMATCHED
        line.message = _("negative amount: money leaving the account is not a receipt")
        return
    line.pledges, why = _pledges_quoted(line, index)
    line.state = State.MATCHED if line.pledges else State.UNMATCHED
    line.message = why


def _shares(line: _Line) -> list[tuple[Pledge, Money]]:
    """How a line's money goes to the pledges it quotes, in order of due date."""
    currency = line.amount.currency.code
    if len(line.pledges) == 1:
        return [(line.pledges[0], line.amount)]
    remaining = line.amount.amount
    parts: list[list] = []
    for pledge in line.pledges:
        owed = max(outstanding(pledge), Decimal(0))
        if owed <= 0:
            continue
        take = min(remaining, owed)
        parts.append([pledge, take])
        remaining -= take
        if remaining == 0:
            break
    if remaining > 0:  # more than all of them still owe: the excess goes with the last
        if parts:
            parts[-1][1] += remaining
        else:
            parts.append([line.pledges[-1], remaining])
    return [(pledge, Money(amount, currency)) for pledge, amount in parts]


def _idempotency_key(fund: Fund, line: BankLine, suffix: str = "") -> str:
    own = line.dedupe_key or f"line:{line.pk}"
    return f"bank:{fund.code}:{own}{suffix}"


def _record(line: _Line, fund: Fund, by) -> list[Receipt]:
    """The receipts of a matched line, all or none (a savepoint)."""
    shares = _shares(line)
    receipts = []
    with transaction.atomic():
        for pledge, amount in shares:
            suffix = f":{pledge.reference}" if len(shares) > 1 else ""
            receipts.append(
                record_receipt(
                    fund=fund,
                    donor=pledge.donor,
                    pledge=pledge,
                    amount=amount,
                    value_date=line.value_date,
                    by=by,
                    method=Receipt.Method.BANK,
                    external_reference=line.bank_ref,
                    idempotency_key=_idempotency_key(fund, line.model, suffix),
                )
            )
    return receipts


# The import ----------------------------------------------------------------


def import_bank_statement(
    source: str | Path | IO[bytes], fund: Fund, by, *, name: str | None = None
) -> StatementImportResult:
    """Check the whole file, then import every line in one transaction."""
    name = name or str(getattr(source, "name", source))
    lines = _read(source, name)
    _assign_dedupe_keys(lines, name)
    for attempt in range(2):
        try:
            return _import(lines, fund, by, name)
        except IntegrityError:
            # Another import of the same lines committed first: look again,
            # and those lines are now already imported.
            if attempt:
                raise
            _assign_dedupe_keys(lines, name)
    raise AssertionError("unreachable")  # pragma: no cover


@transaction.atomic
def _import(lines: list[_Line], fund: Fund, by, name: str) -> StatementImportResult:
    existing = _existing_lines(fund, (line.dedupe_key for line in lines if not line.state))
    index = _pledge_index(fund)
    for line in lines:
        _decide(line, existing, index)

    actor = actor_fields(by)
    statement = BankStatement.objects.create(
        fund=fund,
        file_name=Path(name).name[:255],
        imported_by=actor["actor"],
        system_actor=actor["system_actor"],
    )
    models = [
        BankLine(
            statement=statement,
            fund=fund,
            line_number=line.line,
            value_date=line.value_date,
            amount=line.amount,
            reference=line.reference,
            counterparty=line.counterparty,
            bank_ref=line.bank_ref,
            dedupe_key=line.dedupe_key or None,
            duplicate_of=line.duplicate_of,
            state=line.state,
            message=line.message,
            pledge=line.pledges[0] if len(line.pledges) == 1 else None,
            donor=line.pledges[0].donor if line.pledges else None,
        )
        for line in lines
    ]
    BankLine.objects.bulk_create(models, batch_size=BATCH)
    if any(model.pk is None for model in models):  # pragma: no cover - old SQLite
        models = list(statement.lines.order_by("line_number"))
    for line, model in zip(lines, models, strict=True):
        line.model = model

    links = []
    changed = []
    for line in lines:
        if line.state != State.MATCHED:
            continue
        try:
            receipts = _record(line, fund, by)
        except (ReceiptError, LookupError, ValueError) as failed:
            line.state = line.model.state = State.ERROR
            line.message = line.model.message = _("the receipt could not be recorded: %(why)s") % {
                "why": failed
            }
            line.model.pledge = None
            line.model.donor = None
            changed.append(line.model)
            continue
        links += [
            BankLine.receipts.through(bankline_id=line.model.pk, receipt_id=receipt.pk)
            for receipt in receipts
        ]
    if changed:
        BankLine.objects.bulk_update(changed, ["state", "message", "pledge", "donor"])
    BankLine.receipts.through.objects.bulk_create(links, batch_size=BATCH)

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
        {"fund": fund.code, "lines": len(lines), **{str(s): counts.get(s, 0) for s in State}},
    )
    return StatementImportResult(statement, {str(s): counts.get(s, 0) for s in State})


# The human queue -----------------------------------------------------------


@transaction.atomic
def resolve_line(
    line: BankLine,
    by,
    *,
    pledge: Pledge | None = None,
    donor: Donor | None = None,
    discard_reason: str = "",
    note: str = "",
) -> BankLine:
    """A person settles a waiting line: assigns it to a pledge (a receipt for
    the pledge), to a donor without a pledge (a contribution), or discards it
    with a reason. Only a line waiting in the queue can be settled."""
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
                raise BankLineError(_("That pledge is not this donor's pledge."))
            if pledge.fund_id != line.fund_id:
                raise BankLineError(_("That pledge belongs to another fund."))
            if pledge.status == Pledge.Status.CANCELLED:
                raise BankLineError(
                    _("That pledge is cancelled; assign the money to its donor instead.")
                )
            donor = pledge.donor
        if line.amount.amount <= 0:
            raise BankLineError(
                _("Only money received can be assigned; this line can only be discarded.")
            )
        try:
            receipt = record_receipt(
                fund=line.fund,
                donor=donor,
                pledge=pledge,
                amount=line.amount,
                value_date=line.value_date,
                by=by,
                method=Receipt.Method.BANK,
                external_reference=line.bank_ref,
                idempotency_key=_idempotency_key(line.fund, line),
            )
        except (ReceiptError, LookupError) as refused:
            raise BankLineError(str(refused)) from refused
        line.receipts.add(receipt)
        line.state = BankLine.State.MATCHED
        line.pledge, line.donor = pledge, donor
        line.resolution_note = note.strip()
        action = "bank-line:assigned"
        data = {
            "receipt": receipt.number,
            "pledge": pledge.reference if pledge else None,
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
