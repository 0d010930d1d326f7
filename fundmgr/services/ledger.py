"""Posting to the ledger: balanced entries, reversals, balances.

Each leg keeps its original currency and amount; its debit or credit is in
the fund's currency, converted at the rate in force on the entry's date
unless the caller gives the base amount (as when a receivable is cleared at
the rate it was booked at, the difference going to exchange gain or loss).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fundmgr.chart import DEBIT_NORMAL, AccountKey
from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import Account, DayTotal, EntryKind, Fund, JournalEntry, Leg
from fundmgr.models.ledger import DAY_TOTAL_SCALE
from fundmgr.money import Money, round_money
from fundmgr.sentences import REVERSAL_OF, Said, Sentence, kept
from fundmgr.services.audit import Actor, actor_fields, log_action
from fundmgr.services.rates import convert


class UnbalancedEntry(ValueError):
    pass


class LedgerError(ValueError):
    pass


@dataclass(frozen=True)
class LegSpec:
    """One intended line: ``side`` is "debit" or "credit"; ``base`` is the
    amount in the fund's currency, computed at the entry date's rate if None."""

    account: Account | AccountKey | str
    side: str
    amount: Money
    base: Money | None = None


def debit(account, amount: Money, base: Money | None = None) -> LegSpec:
    return LegSpec(account, "debit", amount, base)


def credit(account, amount: Money, base: Money | None = None) -> LegSpec:
    return LegSpec(account, "credit", amount, base)


def _resolve_account(fund: Fund, account, accounts: dict[str, Account]) -> Account:
    if isinstance(account, Account):
        if account.fund_id != fund.pk:
            raise LedgerError(
                _("Account %(account)s belongs to another fund.") % {"account": account}
            )
        return account
    try:
        return accounts[str(account)]
    except KeyError as missing:
        raise LedgerError(
            _("Fund %(fund)s has no account “%(key)s”.") % {"fund": fund.code, "key": account}
        ) from missing


#: Each fund's accounts by key, while ``accounts_cached`` is in force.
_cached_accounts: ContextVar[dict[int, dict[str, Account]] | None] = ContextVar(
    "ledger_cached_accounts", default=None
)


@contextmanager
def accounts_cached() -> Iterator[None]:
    """Within the block, each fund's accounts are read once, not once per
    entry: for a job posting many entries (an import) that opens or changes
    no account meanwhile."""
    token = _cached_accounts.set({})
    try:
        yield
    finally:
        _cached_accounts.reset(token)


def _accounts(fund: Fund) -> dict[str, Account]:
    cache = _cached_accounts.get()
    if cache is None:
        return {a.key: a for a in fund.accounts.all()}
    accounts = cache.get(fund.pk)
    if accounts is None:
        accounts = cache[fund.pk] = {a.key: a for a in fund.accounts.all()}
    return accounts


def _build_legs(fund: Fund, day: datetime.date, specs: Sequence[LegSpec]) -> list[Leg]:
    accounts = _accounts(fund)
    legs = []
    for spec in specs:
        if spec.side not in ("debit", "credit"):
            raise LedgerError(f"a leg's side is debit or credit, not {spec.side!r}")
        original = round_money(spec.amount)
        if original.amount <= 0:
            raise LedgerError(_("Every leg's amount must be positive."))
        if spec.base is not None:
            if spec.base.currency.code != fund.base_currency:
                raise LedgerError(
                    _("A base amount must be in the fund's currency %(currency)s.")
                    % {"currency": fund.base_currency}
                )
            base = round_money(spec.base)
            rate_date = None
        else:
            conversion = convert(original, fund.base_currency, day)
            base, rate, rate_date = conversion.result, conversion.rate, conversion.rate_date
        if base.amount <= 0:
            raise LedgerError(
                _("%(amount)s is worth nothing in %(currency)s once rounded.")
                % {"amount": original, "currency": fund.base_currency}
            )
        if spec.base is not None:  # checked above: never a division by zero
            rate = (original.amount / base.amount).quantize(Decimal("0.000001"))
        legs.append(
            Leg(
                account=_resolve_account(fund, spec.account, accounts),
                debit=base.amount if spec.side == "debit" else Decimal(0),
                credit=base.amount if spec.side == "credit" else Decimal(0),
                original=original,
                rate=rate.quantize(Decimal("0.000001")),
                rate_date=rate_date,
            )
        )
    return legs


def _check_balanced(fund: Fund, legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise UnbalancedEntry(_("A journal entry needs at least two legs."))
    debits = sum((leg.debit for leg in legs), Decimal(0))
    credits = sum((leg.credit for leg in legs), Decimal(0))
    if debits != credits:
        raise UnbalancedEntry(
            _("Debits %(debits)s and credits %(credits)s %(currency)s do not balance.")
            % {"debits": debits, "credits": credits, "currency": fund.base_currency}
        )
    if len({leg.account.segregated for leg in legs}) > 1:
        raise LedgerError(
            _("Host-country accounts cannot share an entry with trust-fund accounts.")
        )


@dataclass(frozen=True)
class _SourceColumns:
    """A source as its two columns: how a reversal takes its entry's without
    loading the record."""

    type_id: int | None
    id: int | None


def _source_columns(source: models.Model | _SourceColumns | None) -> dict:
    if isinstance(source, _SourceColumns):
        return {"source_type_id": source.type_id, "source_id": source.id}
    if source is None:
        return {"source_type": None, "source_id": None}
    if source.pk is None:
        raise LedgerError("an entry's source must be saved before the entry is posted")
    return {"source_type": ContentType.objects.get_for_model(source), "source_id": source.pk}


def post_entry(
    fund: Fund,
    date: datetime.date,
    memo: str | Sentence,
    legs: Iterable[LegSpec],
    by: Actor,
    *,
    kind: EntryKind = EntryKind.MANUAL,
    source: models.Model | _SourceColumns | None = None,
    source_ref: str = "",
    idempotency_key: str | None = None,
    reverses: JournalEntry | None = None,
    key_is_new: bool = False,
) -> JournalEntry:
    """Post one balanced entry, or return the one already posted under
    ``idempotency_key``: ``post_or_find_entry`` without saying which."""
    entry, _posted = post_or_find_entry(
        fund,
        date,
        memo,
        legs,
        by,
        kind=kind,
        source=source,
        source_ref=source_ref,
        idempotency_key=idempotency_key,
        reverses=reverses,
        key_is_new=key_is_new,
    )
    return entry


def post_or_find_entry(
    fund: Fund,
    date: datetime.date,
    memo: str | Sentence,
    legs: Iterable[LegSpec],
    by: Actor,
    *,
    kind: EntryKind = EntryKind.MANUAL,
    source: models.Model | _SourceColumns | None = None,
    source_ref: str = "",
    idempotency_key: str | None = None,
    reverses: JournalEntry | None = None,
    key_is_new: bool = False,
) -> tuple[JournalEntry, bool]:
    """Post one balanced entry, or find the one already posted under
    ``idempotency_key`` (nothing is ever recorded twice); with whether this
    call posted it, so that a caller need not look for what it made.

    ``kind`` says what the entry is (an ``EntryKind``; "manual" is an entry
    made by hand); ``source`` is the saved record it is posted for, and
    ``source_ref`` the id of an outside object (a Stripe refund or payout)
    that has no row here. Readers find an entry by these, never by its key.

    ``key_is_new``: the caller knows no entry holds ``idempotency_key`` yet,
    so it is not looked for first; the unique key still catches a
    simultaneous post, whose entry is then returned."""
    # The product's own memo is a sentence: kept by code (read in the reader's
    # language) and written out in English into ``memo``, the record; a
    # person's typed memo is text, kept as typed.
    sentence: Sentence | None = None
    if isinstance(memo, Sentence):
        sentence, memo = memo, memo.in_english()
    memo_sentence = sentence.data() if sentence else None
    if not memo or not memo.strip():
        raise LedgerError(_("Every journal entry must say why it was made."))
    if kind not in EntryKind.values:
        raise LedgerError(f"{kind!r} is not a kind of journal entry (fundmgr EntryKind)")
    source_columns = _source_columns(source)
    if idempotency_key and not key_is_new:
        existing = (
            JournalEntry.objects.posted().filter(fund=fund, idempotency_key=idempotency_key).first()
        )
        if existing is not None:
            return existing, False
    built = _build_legs(fund, date, list(legs))
    _check_balanced(fund, built)
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                fund=fund,
                date=date,
                memo=memo.strip()[:500],
                memo_sentence=memo_sentence,
                kind=kind,
                **source_columns,
                source_ref=source_ref,
                idempotency_key=idempotency_key or None,
                reverses=reverses,
                **{("created_by" if k == "actor" else k): v for k, v in actor_fields(by).items()},
            )
            for leg in built:
                leg.entry = entry
            Leg.objects.bulk_create(built)
            # Posting is the moment the database checks the whole entry.
            JournalEntry.objects.filter(pk=entry.pk).update(status=JournalEntry.Status.POSTED)
            entry.status = JournalEntry.Status.POSTED
            _add_to_day_totals(date, built)
            total = sum((leg.debit for leg in built), Decimal(0))
            log_action(
                entry,
                "ledger:posted",
                by,
                sentence or memo,  # the trail reads the product's memo in its reader's language
                {"fund": fund.code, "date": date, "kind": kind, "total": str(total)},
            )
    except IntegrityError:
        if idempotency_key:
            existing = (
                JournalEntry.objects.posted()
                .filter(fund=fund, idempotency_key=idempotency_key)
                .first()
            )
            if existing is not None:
                return existing, False
        raise
    return entry, True


# --- day totals: the ledger's running totals by account and day ---------------------

#: One statement per posting: the entry's legs added to its day's totals, the
#: row made if it is the account's first leg that day (SQLite and PostgreSQL).
_ADD_TO_DAY = (
    "INSERT INTO fundmgr_daytotal (account_id, date, debits, credits) VALUES {rows} "
    "ON CONFLICT (account_id, date) DO UPDATE SET "
    "debits = fundmgr_daytotal.debits + excluded.debits, "
    "credits = fundmgr_daytotal.credits + excluded.credits"
)

#: The day totals of posted legs, from the legs (as migration 0015 fills them).
_DAY_TOTALS_FROM_LEGS = """
SELECT l.account_id, e.date,
       SUM(CAST(ROUND(l.debit * 1000) AS BIGINT)),
       SUM(CAST(ROUND(l.credit * 1000) AS BIGINT))
FROM fundmgr_leg l
JOIN fundmgr_journalentry e ON e.id = l.entry_id
JOIN fundmgr_account a ON a.id = l.account_id
WHERE e.status = 'posted' AND a.fund_id = %s
GROUP BY l.account_id, e.date
"""


def thousandths(amount: Decimal) -> int:
    """``amount`` (at most three decimals, as a leg keeps) in thousandths."""
    scaled = amount * DAY_TOTAL_SCALE
    if scaled != scaled.to_integral_value():
        raise LedgerError(f"{amount} has more decimals than the ledger keeps")
    return int(scaled)


def from_thousandths(total: int | None) -> Decimal:
    return Decimal(total or 0).scaleb(-3)


def _add_to_day_totals(day: datetime.date, legs: Sequence[Leg]) -> None:
    """Add a posted entry's legs to its day's totals, in the posting's
    transaction (legs are never changed nor deleted: totals only grow)."""
    by_account: dict[int, list[int]] = {}
    for leg in legs:
        sums = by_account.setdefault(leg.account_id, [0, 0])
        sums[0] += thousandths(leg.debit)
        sums[1] += thousandths(leg.credit)
    params: list = []
    for account_id, (debits, credits) in sorted(by_account.items()):
        params += [account_id, day, debits, credits]
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(by_account))
    with connection.cursor() as cursor:
        cursor.execute(_ADD_TO_DAY.format(rows=rows), params)


def rebuild_day_totals(fund: Fund) -> int:
    """Recompute ``fund``'s day totals from its posted legs (after a bulk load
    that posted entries without ``post_entry``, such as a benchmark's).
    Returns the number of rows."""
    with transaction.atomic(), connection.cursor() as cursor:
        DayTotal.objects.filter(account__fund=fund).delete()
        cursor.execute(
            "INSERT INTO fundmgr_daytotal (account_id, date, debits, credits) "
            + _DAY_TOTALS_FROM_LEGS,
            [fund.pk],
        )
        return cursor.rowcount


def day_totals_drift(fund: Fund) -> list[tuple[int, datetime.date, int, int, int, int]]:
    """Where ``fund``'s day totals differ from its posted legs: (account id,
    day, debits and credits kept, debits and credits of the legs), in
    thousandths. Empty when they agree, as they always should."""
    with connection.cursor() as cursor:
        cursor.execute(_DAY_TOTALS_FROM_LEGS, [fund.pk])
        from_legs = {
            (account, _as_date(day)): (int(dr), int(cr)) for account, day, dr, cr in cursor
        }
    kept = {
        (row.account_id, row.date): (row.debits, row.credits)
        for row in DayTotal.objects.filter(account__fund=fund)
    }
    return sorted(
        (account, day, *kept.get((account, day), (0, 0)), *from_legs.get((account, day), (0, 0)))
        for account, day in kept.keys() | from_legs.keys()
        if kept.get((account, day), (0, 0)) != from_legs.get((account, day), (0, 0))
    )


def _as_date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def reverse_entry(
    entry: JournalEntry, by: Actor, why: Said, date: datetime.date | None = None
) -> JournalEntry:
    """Post the mirror image of ``entry``: the only way to correct the ledger.
    The reversal keeps ``entry``'s source: it belongs to the same record."""
    if entry.status != JournalEntry.Status.POSTED:
        raise LedgerError(_("Only a posted entry can be reversed."))
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise LedgerError(_("Entry #%(id)s has already been reversed.") % {"id": entry.pk})
    fund = entry.fund
    day = date or max(timezone.localdate(), entry.date)
    mirrored = [
        LegSpec(
            leg.account,
            "credit" if leg.debit else "debit",
            leg.original,
            Money(leg.debit or leg.credit, fund.base_currency),
        )
        for leg in entry.legs.select_related("account")
    ]
    try:
        return post_entry(
            fund,
            day,
            # Kept by code, read in the reader's language; ``why`` as said.
            Sentence(REVERSAL_OF, {"entry": entry.pk, "why": kept(why)}),
            mirrored,
            by,
            kind=EntryKind.REVERSAL,
            source=_SourceColumns(entry.source_type_id, entry.source_id),
            source_ref=entry.source_ref,
            reverses=entry,
        )
    except IntegrityError as clash:
        raise LedgerError(
            _("Entry #%(id)s has already been reversed.") % {"id": entry.pk}
        ) from clash


@dataclass(frozen=True)
class AccountBalance:
    key: str
    code: str
    kind: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        """Positive on the account's normal side."""
        if self.kind in DEBIT_NORMAL:
            return self.debit - self.credit
        return self.credit - self.debit


def account_balances(
    fund: Fund, as_of: datetime.date | None = None, *, segregated: bool | None = None
) -> dict[str, AccountBalance]:
    """Every account's posted totals up to ``as_of``, in one SQL query."""
    legs = Leg.objects.filter(entry__fund=fund, entry__status=JournalEntry.Status.POSTED)
    if as_of is not None:
        legs = legs.filter(entry__date__lte=as_of)
    if segregated is not None:
        legs = legs.filter(account__segregated=segregated)
    rows = legs.values("account__key", "account__code", "account__kind").annotate(
        debits=ExactSum("debit"), credits=ExactSum("credit")
    )
    return {
        row["account__key"]: AccountBalance(
            row["account__key"],
            row["account__code"],
            row["account__kind"],
            row["debits"] or Decimal(0),
            row["credits"] or Decimal(0),
        )
        for row in rows
    }


@dataclass(frozen=True)
class TrialBalanceRow:
    account: Account
    debit: Decimal
    credit: Decimal
    balance: Decimal


def trial_balance(fund: Fund, as_of: datetime.date) -> tuple[list[TrialBalanceRow], dict]:
    """Every account of the fund beside its posted totals up to ``as_of``, and
    the two columns' totals (two queries): the fund page shows it, and the
    books' fingerprint a backup is checked against renders it."""
    totals = account_balances(fund, as_of)
    rows = []
    for account in fund.accounts.all():
        row = totals.get(account.key)
        rows.append(
            TrialBalanceRow(
                account,
                row.debit if row else Decimal(0),
                row.credit if row else Decimal(0),
                row.balance if row else Decimal(0),
            )
        )
    debits = sum((row.debit for row in rows), Decimal(0))
    credits = sum((row.credit for row in rows), Decimal(0))
    return rows, {"debit": debits, "credit": credits, "balanced": debits == credits}


def balance(fund: Fund, key: str, as_of: datetime.date | None = None) -> Money:
    row = account_balances(fund, as_of).get(key)
    return Money(row.balance if row else Decimal(0), fund.base_currency)


def balances_by_fund(as_of: datetime.date | None = None) -> dict[int, dict[str, Decimal]]:
    """Normal-side balance of every account of every fund, in one SQL query,
    from the ledger's day totals (a few rows per account and day, not every
    leg: summing 240,000 legs took over a second for the API's funds list)."""
    totals = DayTotal.objects.all()
    if as_of is not None:
        totals = totals.filter(date__lte=as_of)
    rows = totals.values("account__fund_id", "account__key", "account__kind").annotate(
        debits=models.Sum("debits"), credits=models.Sum("credits")
    )
    result: dict[int, dict[str, Decimal]] = {}
    for row in rows:
        sign = 1 if row["account__kind"] in DEBIT_NORMAL else -1
        thousandths = (row["debits"] or 0) - (row["credits"] or 0)
        amount = sign * Decimal(thousandths) / DAY_TOTAL_SCALE
        result.setdefault(row["account__fund_id"], {})[row["account__key"]] = amount
    return result
