"""Every bank line of a fund ends matched or explicitly left unreconciled
(BRIEF rule 12).

A line is *matched* to receipts (the import or the human queue,
``donors.services.bank_statements``) or to a card payout
(``match_payout_line``); or a finance officer *leaves it unreconciled* with a
reason (``leave_unreconciled``): a bank charge or interest line may then book
its own entry, since bank fees and interest are their own entries. Both move a
line out of the human queue (matched, or discarded), keeping the statement's
counts in step. A line still waiting (unmatched or in error) is *open*.

Either decision can be undone with a reason, the line going back to the queue:
``unmatch_payout_line`` (the match posted nothing, so nothing is posted) and
``reopen_line`` (a booked charge or interest is reversed).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from donors.models import BankLine, BankStatement, UnreconciledReason
from donors.payments.models import CardPayout
from donors.services.bank_statements import _COUNT_FIELD
from fundmgr.chart import AccountKey
from fundmgr.models import EntryKind, Fund, JournalEntry
from fundmgr.money import Money
from fundmgr.sentences import Sentence, money_kept
from fundmgr.services.audit import Actor, log_action, person
from fundmgr.services.ledger import LedgerError, credit, debit, post_entry, reverse_entry
from reports.sentences import MEMO_BANK_CHARGE, MEMO_BANK_INTEREST

State = BankLine.State
#: Open lines shown on the page; the count says how many there are in all.
OPEN_SHOWN = 200
#: Reasons whose line may book its own entry, and the entry's legs.
BOOKABLE = (UnreconciledReason.BANK_CHARGE, UnreconciledReason.INTEREST)
#: The kind of entry each bookable reason posts.
BOOKING_KINDS: dict[str, EntryKind] = {
    UnreconciledReason.BANK_CHARGE: EntryKind.BANK_CHARGE,
    UnreconciledReason.INTEREST: EntryKind.BANK_INTEREST,
}


class BankReconciliationError(ValueError):
    """An action that cannot be done; the message says why and nothing was saved."""


def _describe(line: BankLine) -> dict:
    return {"line": line.line_number, "statement": line.statement_id}


def _move_count(line: BankLine, was: str) -> None:
    if was == line.state:
        return
    BankStatement.objects.filter(pk=line.statement_id).update(
        **{
            _COUNT_FIELD[was]: F(_COUNT_FIELD[was]) - 1,
            _COUNT_FIELD[line.state]: F(_COUNT_FIELD[line.state]) + 1,
        }
    )


@transaction.atomic
def match_payout_line(payout: CardPayout, line: BankLine, by: Actor) -> BankLine:
    """The bank line that shows ``payout`` arriving: same fund, amount and
    currency, on or after the arrival date, waiting for a person. Matching the
    same pair again changes nothing."""
    payout = CardPayout.objects.select_for_update().get(pk=payout.pk)
    line = BankLine.objects.select_for_update().get(pk=line.pk)
    if line.card_payout_id == payout.pk:
        return line  # already done: a double click
    if line.fund_id != payout.fund_id:
        raise BankReconciliationError(
            _("That bank line belongs to another fund's statements: choose a line of this fund's.")
        )
    if BankLine.objects.filter(card_payout=payout).exists():
        raise BankReconciliationError(
            _(
                "Payout %(payout)s is already matched to another bank line: “Undo the match” "
                "on that line first."
            )
            % {"payout": payout.payout_id}
        )
    if line.state not in BankLine.WAITING or line.card_payout_id:
        raise BankReconciliationError(
            _(
                "Line %(line)d of statement %(statement)s is “%(state)s”: only a line "
                "waiting for a person can be matched to a payout. A line left unreconciled "
                "goes back to waiting with “Reopen”; one matched to a payout with “Undo the "
                "match”."
            )
            % {**_describe(line), "state": line.get_state_display()}
        )
    if line.amount != payout.amount:
        raise BankReconciliationError(
            _(
                "The line is %(line)s but the payout is %(payout)s: the amounts must be equal. "
                "Choose the line of %(payout)s."
            )
            % {"line": line.amount, "payout": payout.amount}
        )
    if line.value_date < payout.arrival_date:
        raise BankReconciliationError(
            _(
                "The line is dated %(line)s, before the payout arrived on %(arrival)s: choose "
                "a line dated on or after %(arrival)s."
            )
            % {"line": line.value_date, "arrival": payout.arrival_date}
        )
    was = line.state
    line.state = State.MATCHED
    line.card_payout = payout
    line.resolved_by = person(by)
    line.resolved_at = timezone.now()
    line.save(update_fields=["state", "card_payout", "resolved_by", "resolved_at"])
    _move_count(line, was)
    log_action(
        line,
        "bank-line:payout-matched",
        by,
        "",
        {"was": was, "payout": payout.payout_id, "amount": str(line.amount)},
    )
    return line


def _reason_given(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BankReconciliationError(message)
    return reason


@transaction.atomic
def unmatch_payout_line(line: BankLine, by: Actor, reason: str) -> BankLine:
    """Undo ``match_payout_line``: the line goes back to the queue (unmatched)
    and the payout is free for another line. The match posted nothing, so
    nothing is posted. ``reason`` (required) says why."""
    reason = _reason_given(reason, _("Say why the match is undone."))
    line = BankLine.objects.select_for_update().get(pk=line.pk)
    if line.card_payout_id is None:
        raise BankReconciliationError(
            _("Line %(line)d of statement %(statement)s is not matched to a payout.")
            % _describe(line)
        )
    payout = CardPayout.objects.get(pk=line.card_payout_id)
    was = line.state
    line.state = State.UNMATCHED
    line.card_payout = None
    line.resolved_by = None
    line.resolved_at = None
    line.save(update_fields=["state", "card_payout", "resolved_by", "resolved_at"])
    _move_count(line, was)
    log_action(
        line,
        "bank-line:payout-unmatched",
        by,
        reason,
        {"was": was, "payout": payout.payout_id, "amount": str(line.amount)},
    )
    return line


@transaction.atomic
def reopen_line(line: BankLine, by: Actor, reason: str) -> BankLine:
    """Undo ``leave_unreconciled``: the line goes back to the queue
    (unmatched) and the entry it booked, if any, is reversed. ``reason``
    (required) says why. The line can then be matched, or left and booked
    again (a new entry)."""
    reason = _reason_given(reason, _("Say why the line is reopened."))
    line = (
        BankLine.objects.select_for_update(of=("self",))  # the entry is nullable: not locked
        .select_related("unreconciled_entry__fund")
        .get(pk=line.pk)
    )
    if not line.unreconciled_reason:
        raise BankReconciliationError(
            _(
                "Line %(line)d of statement %(statement)s is not left unreconciled: "
                "only a line left unreconciled can be reopened."
            )
            % _describe(line)
        )
    booked, reversal = line.unreconciled_entry, None
    if booked is not None:
        # Reversed by hand already: that reversal stands, none is posted twice.
        reversal = JournalEntry.objects.filter(reverses=booked).first()
    if booked is not None and reversal is None:
        try:
            # Dated today (reverse_entry's default, never before the entry):
            # the correction is made now; the statements already given for the
            # charge's value date keep what was known then.
            reversal = reverse_entry(booked, by, reason)
        except (LedgerError, LookupError) as refused:
            raise BankReconciliationError(str(refused)) from refused
    was, was_reason = line.state, line.unreconciled_reason
    line.state = State.UNMATCHED
    line.unreconciled_reason = ""
    line.unreconciled_note = ""
    line.unreconciled_by = None
    line.unreconciled_at = None
    line.unreconciled_entry = None
    line.save(
        update_fields=[
            "state",
            "unreconciled_reason",
            "unreconciled_note",
            "unreconciled_by",
            "unreconciled_at",
            "unreconciled_entry",
        ]
    )
    _move_count(line, was)
    log_action(
        line,
        "bank-line:reopened",
        by,
        reason,
        {
            "was": was,
            "reason": was_reason,
            "entry": booked.pk if booked else None,
            "reversal": reversal.pk if reversal else None,
            "amount": str(line.amount),
        },
    )
    return line


def _booking_key(line: BankLine) -> str:
    """``bank-line-booked:<pk>`` for a line's first booking (the key existing
    entries hold), ``bank-line-booked:<pk>:<n>`` after ``n`` earlier ones
    (each reversed by a reopen): deterministic, so a double click under the
    line's lock still books once."""
    first = f"bank-line-booked:{line.pk}"
    n = (
        JournalEntry.objects.from_source(line)
        .filter(fund_id=line.fund_id, kind__in=BOOKING_KINDS.values())
        .count()
    )
    return f"{first}:{n}" if n else first


def _said(line: BankLine, size: Money) -> dict:
    """The values of a booked line's memo (kept by code, fundmgr.sentences)."""
    return {"statement": line.statement_id, "line": line.line_number, "amount": money_kept(size)}


def _booking_legs(line: BankLine, reason: str) -> tuple[Sentence, list]:
    amount = line.amount
    size = Money(abs(amount.amount), amount.currency)
    if reason == UnreconciledReason.BANK_CHARGE:
        if amount.amount >= 0:
            raise BankReconciliationError(
                _(
                    "A bank charge is money leaving the account; this line is %(amount)s: "
                    "leave it as interest or other, or assign it in the bank queue."
                )
                % {"amount": amount}
            )
        return (
            Sentence(MEMO_BANK_CHARGE, _said(line, size)),
            [debit(AccountKey.BANK_FEES, size), credit(AccountKey.BANK, size)],
        )
    if amount.amount <= 0:
        raise BankReconciliationError(
            _(
                "Interest is money received; this line is %(amount)s: leave it as a bank "
                "charge or other."
            )
            % {"amount": amount}
        )
    return (
        Sentence(MEMO_BANK_INTEREST, _said(line, size)),
        [debit(AccountKey.BANK, size), credit(AccountKey.INTEREST, size)],
    )


@transaction.atomic
def leave_unreconciled(
    line: BankLine, by: Actor, reason: str, note: str = "", *, book: bool = False
) -> BankLine:
    """A finance officer leaves ``line`` unreconciled because of ``reason``
    (an ``UnreconciledReason``; "other" needs a note saying what). With
    ``book``, a bank charge posts Dr bank fees / Cr bank and interest
    Dr bank / Cr interest, once per decision (a line reopened and left again
    books a new entry, the first one having been reversed). Repeating the same decision changes
    nothing; a line already left for another reason, or matched, is refused."""
    note = (note or "").strip()
    if reason not in UnreconciledReason.values:
        raise BankReconciliationError(_("Say why the line is left unreconciled: choose a reason."))
    if reason == UnreconciledReason.OTHER and not note:
        raise BankReconciliationError(_("For “Other”, say what the line is."))
    if book and reason not in BOOKABLE:
        raise BankReconciliationError(
            _(
                "Only a bank charge or interest can be booked from its bank line: untick "
                "“Book it”, or choose one of them."
            )
        )
    line = BankLine.objects.select_for_update().select_related("fund").get(pk=line.pk)
    if line.unreconciled_reason and line.unreconciled_reason != reason:
        raise BankReconciliationError(
            _(
                "Line %(line)d of statement %(statement)s is already left unreconciled "
                "as “%(reason)s”: “Reopen” it first to give another reason."
            )
            % {**_describe(line), "reason": line.get_unreconciled_reason_display()}
        )
    if line.state not in (*BankLine.WAITING, State.DISCARDED) or line.card_payout_id:
        raise BankReconciliationError(
            _(
                "Line %(line)d of statement %(statement)s is “%(state)s”: only a line "
                "waiting for a person, or discarded, can be left unreconciled. A line "
                "matched to a payout goes back with “Undo the match”."
            )
            % {**_describe(line), "state": line.get_state_display()}
        )
    changed = not line.unreconciled_reason
    if changed:
        was = line.state
        line.state = State.DISCARDED
        line.unreconciled_reason = reason
        line.unreconciled_note = note
        line.unreconciled_by = person(by)
        line.unreconciled_at = timezone.now()
        line.save(
            update_fields=[
                "state",
                "unreconciled_reason",
                "unreconciled_note",
                "unreconciled_by",
                "unreconciled_at",
            ]
        )
        _move_count(line, was)
        log_action(
            line,
            "bank-line:left-unreconciled",
            by,
            note,
            {"was": was, "reason": reason, "amount": str(line.amount), "bank_ref": line.bank_ref},
        )
    if book and line.unreconciled_entry_id is None:
        memo, legs = _booking_legs(line, reason)
        try:
            entry = post_entry(
                line.fund,
                line.value_date,
                memo,
                legs,
                by,
                kind=BOOKING_KINDS[reason],
                source=line,
                idempotency_key=_booking_key(line),
            )
        except (LedgerError, LookupError) as refused:
            raise BankReconciliationError(str(refused)) from refused
        line.unreconciled_entry = entry
        line.save(update_fields=["unreconciled_entry"])
        log_action(
            line,
            "bank-line:booked",
            by,
            note,
            {
                "reason": reason,
                "entry": entry.pk,
                "key": entry.idempotency_key,
                "amount": str(line.amount),
            },
        )
    return line


@dataclass
class BankLinesSummary:
    counts: dict[str, int]
    open_lines: list[BankLine]
    open_count: int
    left_lines: list[BankLine]
    left_count: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def bank_lines_summary(fund: Fund, as_of: datetime.date | None = None) -> BankLinesSummary:
    """Counts by state, the open lines (the first ``OPEN_SHOWN``) and the lines
    left unreconciled, in four queries whatever the number of lines."""
    lines = BankLine.objects.filter(fund=fund)
    if as_of is not None:
        lines = lines.filter(value_date__lte=as_of)
    counts = dict.fromkeys(State.values, 0)
    counts.update(
        {row["state"]: row["n"] for row in lines.values("state").annotate(n=Count("id")).order_by()}
    )
    open_count = counts[State.UNMATCHED] + counts[State.ERROR]
    open_lines = list(
        lines.filter(state__in=BankLine.WAITING)
        .select_related("statement")
        .order_by("value_date", "id")[:OPEN_SHOWN]
    )
    left = lines.filter(state=State.DISCARDED)
    left_lines = list(
        left.select_related(
            "statement", "unreconciled_by", "unreconciled_entry", "resolved_by"
        ).order_by("value_date", "id")[:OPEN_SHOWN]
    )
    return BankLinesSummary(
        counts=counts,
        open_lines=open_lines,
        open_count=open_count,
        left_lines=left_lines,
        left_count=counts[State.DISCARDED],
    )
