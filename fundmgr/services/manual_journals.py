"""Manual journals: prepared by one finance officer, approved by another.

Nothing reaches the ledger until the second person approves; approving posts
the entry (or the reversal) once, whatever the number of clicks, because the
proposal is locked and its entry carries the proposal's idempotency key.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fundmgr.models import Account, EntryKind, Fund, JournalEntry
from fundmgr.models.manual_journals import ManualJournal, ManualJournalLine
from fundmgr.money import Money, round_amount
from fundmgr.roles import Role, require_role
from fundmgr.services.audit import Actor, log_action, person
from fundmgr.services.duties import sign
from fundmgr.services.ledger import LedgerError, LegSpec, post_entry, reverse_entry

PREPARED = "prepared"
APPROVED = "approved"
MAX_LINES = 20

#: Entries no other record holds: a manual journal may reverse them. Every
#: other kind belongs to a record (a pledge, a receipt, a grant, a payout) that
#: would still show what the reversal took out of the ledger.
REVERSIBLE_KINDS = frozenset({EntryKind.MANUAL, EntryKind.OPENING, EntryKind.REVERSAL})


class ManualJournalError(ValueError):
    """A proposal or decision refused; nothing was saved."""


@dataclass(frozen=True)
class LineSpec:
    account: Account
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)


def _check_date(day: datetime.date, *, not_before: datetime.date | None = None) -> None:
    if day > timezone.localdate():
        raise ManualJournalError(_("A journal cannot be dated in the future."))
    if not_before is not None and day < not_before:
        raise ManualJournalError(
            _("A reversal cannot be dated before the entry it reverses (%(date)s).")
            % {"date": not_before}
        )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ManualJournalError(_("Say why this journal is needed."))
    return reason[:500]


def _checked_lines(fund: Fund, lines: Sequence[LineSpec]) -> list[LineSpec]:
    currency = fund.base_currency
    lines = [line for line in lines if line.debit or line.credit]
    if len(lines) < 2:
        raise ManualJournalError(_("A journal needs at least two lines."))
    if len(lines) > MAX_LINES:
        raise ManualJournalError(_("A journal has at most %(count)d lines.") % {"count": MAX_LINES})
    for number, line in enumerate(lines, start=1):
        if line.account.fund_id != fund.pk:
            raise ManualJournalError(
                _("Line %(line)d: account %(account)s belongs to another fund.")
                % {"line": number, "account": line.account}
            )
        if (line.debit > 0) == (line.credit > 0) or line.debit < 0 or line.credit < 0:
            raise ManualJournalError(
                _("Line %(line)d: give a positive debit or a positive credit, not both.")
                % {"line": number}
            )
        amount = line.debit or line.credit
        if round_amount(amount, currency) != amount:
            raise ManualJournalError(
                _("Line %(line)d: %(amount)s has more decimals than %(currency)s has.")
                % {"line": number, "amount": amount, "currency": currency}
            )
    debits = sum((line.debit for line in lines), Decimal(0))
    credits = sum((line.credit for line in lines), Decimal(0))
    if debits != credits:
        raise ManualJournalError(
            _("The journal does not balance: debits %(debits)s, credits %(credits)s %(currency)s.")
            % {"debits": debits, "credits": credits, "currency": currency}
        )
    if len({line.account.segregated for line in lines}) > 1:
        raise ManualJournalError(
            _("Host-country accounts cannot share a journal with trust-fund accounts.")
        )
    return lines


@transaction.atomic
def propose_journal(
    fund: Fund, day: datetime.date, reason: str, lines: Sequence[LineSpec], by: Actor
) -> ManualJournal:
    """A finance officer prepares a correcting entry; nothing is posted yet."""
    require_role(by, Role.FINANCE_OFFICER)
    _check_date(day)
    reason = _reason(reason)
    lines = _checked_lines(fund, lines)
    journal = ManualJournal.objects.create(
        fund=fund, action=ManualJournal.Action.POST, date=day, reason=reason, prepared_by=person(by)
    )
    ManualJournalLine.objects.bulk_create(
        ManualJournalLine(
            journal=journal, account=line.account, debit=line.debit, credit=line.credit
        )
        for line in lines
    )
    sign(journal, by, PREPARED, role=Role.FINANCE_OFFICER, why=reason)
    log_action(journal, "manual-journal:proposed", by, reason, {"fund": fund.code, "date": day})
    return journal


def reversal_refusal(entry: JournalEntry) -> str | None:
    """Why ``entry`` cannot be reversed by a manual journal, or None if it can."""
    if entry.status != JournalEntry.Status.POSTED:
        return _("Only a posted entry can be reversed.")
    made_for = (entry.reverses if entry.kind == EntryKind.REVERSAL else None) or entry
    if entry.kind not in REVERSIBLE_KINDS or (made_for and made_for.kind not in REVERSIBLE_KINDS):
        return _(
            "Entry #%(id)s (%(kind)s) belongs to the record it was posted for, which would "
            "still show what a reversal took out. Undo it where it was made, or prepare a "
            "correcting entry that says why."
        ) % {"id": entry.pk, "kind": made_for.get_kind_display()}
    if JournalEntry.objects.filter(reverses=entry).exists():
        return _("Entry #%(id)s has already been reversed.") % {"id": entry.pk}
    return None


@transaction.atomic
def propose_reversal(
    entry: JournalEntry, day: datetime.date, reason: str, by: Actor
) -> ManualJournal:
    """A finance officer proposes reversing a posted entry."""
    require_role(by, Role.FINANCE_OFFICER)
    entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    refusal = reversal_refusal(entry)
    if refusal:
        raise ManualJournalError(refusal)
    _check_date(day, not_before=entry.date)
    reason = _reason(reason)
    if ManualJournal.objects.filter(reverses=entry, status=ManualJournal.Status.PROPOSED).exists():
        raise ManualJournalError(
            _("A reversal of entry #%(id)s is already waiting for approval.") % {"id": entry.pk}
        )
    journal = ManualJournal.objects.create(
        fund=entry.fund,
        action=ManualJournal.Action.REVERSE,
        date=day,
        reason=reason,
        reverses=entry,
        prepared_by=person(by),
    )
    sign(journal, by, PREPARED, role=Role.FINANCE_OFFICER, why=reason)
    log_action(journal, "manual-journal:proposed", by, reason, {"reverses": entry.pk, "date": day})
    return journal


def _locked_open(journal: ManualJournal) -> ManualJournal:
    journal = ManualJournal.objects.select_for_update().select_related("fund").get(pk=journal.pk)
    if journal.status != ManualJournal.Status.PROPOSED:
        raise ManualJournalError(
            _("%(journal)s is already “%(status)s”; nothing was changed.")
            % {"journal": journal.number, "status": journal.get_status_display()}
        )
    return journal


def _post(journal: ManualJournal, by: Actor) -> JournalEntry:
    memo = f"{journal.number}: {journal.reason}"
    if journal.action == ManualJournal.Action.REVERSE:
        assert journal.reverses is not None  # a reversing journal names its entry
        refusal = reversal_refusal(journal.reverses)
        if refusal:
            raise ManualJournalError(refusal)
        return reverse_entry(journal.reverses, by, memo, journal.date)
    currency = journal.fund.base_currency
    legs = [
        LegSpec(
            line.account,
            "debit" if line.debit else "credit",
            Money(line.debit or line.credit, currency),
        )
        for line in journal.lines.select_related("account")
    ]
    return post_entry(
        journal.fund,
        journal.date,
        memo,
        legs,
        by,
        kind=EntryKind.MANUAL,
        source=journal,
        idempotency_key=f"manual-journal:{journal.pk}",
    )


@transaction.atomic
def approve_journal(journal: ManualJournal, by: Actor, note: str = "") -> ManualJournal:
    """A second finance officer approves: the entry is posted now."""
    require_role(by, Role.FINANCE_OFFICER)
    journal = _locked_open(journal)
    sign(journal, by, APPROVED, role=Role.FINANCE_OFFICER, why=note)
    try:
        entry = _post(journal, by)
    except LedgerError as refused:
        raise ManualJournalError(str(refused)) from refused
    journal.status = ManualJournal.Status.POSTED
    journal.entry = entry
    journal.decided_by = person(by)
    journal.decided_at = timezone.now()
    journal.decision_note = note.strip()[:500]
    journal.save(update_fields=["status", "entry", "decided_by", "decided_at", "decision_note"])
    log_action(journal, "manual-journal:approved", by, note, {"entry": entry.pk})
    return journal


@transaction.atomic
def reject_journal(journal: ManualJournal, by: Actor, note: str) -> ManualJournal:
    """Another finance officer refuses the proposal, saying why."""
    require_role(by, Role.FINANCE_OFFICER)
    journal = _locked_open(journal)
    if journal.prepared_by_id == person(by).pk:
        raise ManualJournalError(
            _("You prepared this journal: withdraw it instead; another officer rejects it.")
        )
    note = (note or "").strip()
    if not note:
        raise ManualJournalError(_("Say why the journal is rejected."))
    journal.status = ManualJournal.Status.REJECTED
    journal.decided_by = person(by)
    journal.decided_at = timezone.now()
    journal.decision_note = note[:500]
    journal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    log_action(journal, "manual-journal:rejected", by, note)
    return journal


@transaction.atomic
def withdraw_journal(journal: ManualJournal, by: Actor) -> ManualJournal:
    """The person who prepared a waiting journal takes it back."""
    journal = _locked_open(journal)
    if journal.prepared_by_id != person(by).pk:
        raise ManualJournalError(_("Only the person who prepared a journal can withdraw it."))
    journal.status = ManualJournal.Status.WITHDRAWN
    journal.save(update_fields=["status"])
    log_action(journal, "manual-journal:withdrawn", by)
    return journal
