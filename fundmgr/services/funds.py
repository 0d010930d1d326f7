"""Opening funds with their chart of accounts, and their headline position."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from fundmgr.chart import STANDARD_CHART, AccountKey
from fundmgr.models import Account, Fund, PscRate
from fundmgr.money import Money, UnknownCurrency, minor_units, round_amount, round_money
from fundmgr.services.audit import Actor, log_action
from fundmgr.services.ledger import balances_by_fund


def ensure_chart(fund: Fund) -> int:
    """Create whatever accounts of the standard chart the fund lacks; returns how many."""
    existing = set(fund.accounts.values_list("key", flat=True))
    missing = [
        Account(fund=fund, code=spec.code, key=spec.key, kind=spec.kind, segregated=spec.segregated)
        for spec in STANDARD_CHART
        if spec.key not in existing
    ]
    Account.objects.bulk_create(missing)
    return len(missing)


@transaction.atomic
def open_fund(
    *,
    code: str,
    name: str,
    by: Actor,
    base_currency: str = "USD",
    psc_rate_pct: Decimal,
    psc_from: datetime.date,
    psc_note: str = "",
    operating_reserve_pct: Decimal = Decimal(0),
    description: str = "",
    bank_instructions: str = "",
    translations: dict[str, dict[str, str] | None] | None = None,
) -> Fund:
    """Open a fund (or return it unchanged if it exists) with its chart of
    accounts and its first PSC rate: the one way a fund comes to exist (the
    admin and ``manage.py open_fund`` call it), so no fund lacks an account.

    Raises ValidationError, naming the field, for a bad code, currency, name,
    reserve or PSC rate; nothing is saved then. ``translations``: the other
    languages' texts by field, ``{"name_i18n": {"fr": "..."}}`` (fundmgr.translated)."""
    fund = Fund.objects.filter(code=code).first()
    if fund is not None:
        ensure_chart(fund)
        return fund
    fund = Fund(
        code=code,
        name=name,
        base_currency=base_currency.upper(),
        operating_reserve_pct=operating_reserve_pct,
        description=description,
        bank_instructions=bank_instructions,
        **{
            field: texts
            for field, texts in (translations or {}).items()
            if field in ("name_i18n", "description_i18n", "bank_instructions_i18n")
        },
    )
    rate = PscRate(fund=fund, rate_pct=psc_rate_pct, effective_from=psc_from, note=psc_note)
    # Everything is checked before anything is saved, every problem at once:
    # a rate out of bounds is a message, not a database constraint's crash.
    problems: dict[str, list[str]] = {}
    try:
        minor_units(base_currency)
    except UnknownCurrency as unknown:
        problems["base_currency"] = [str(unknown)]
    cleaning: tuple[tuple[Fund | PscRate, dict[str, Any]], ...] = (
        (fund, {}),
        (rate, {"exclude": ["fund"], "validate_unique": False}),
    )
    for record, options in cleaning:
        try:
            record.full_clean(**options)
        except ValidationError as invalid:
            for field, messages in invalid.message_dict.items():
                problems.setdefault(field, []).extend(messages)
    if problems:
        raise ValidationError(problems)
    fund.save()
    rate.fund = fund
    rate.save()
    log_action(fund, "fund:opened", by, description or name)
    ensure_chart(fund)
    return fund


@dataclass(frozen=True)
class FundPosition:
    """The figures a fund's front page shows, all in the fund's currency."""

    fund: Fund
    as_of: datetime.date
    cash: Money
    pledges_receivable: Money
    contributions: Money
    expenditure: Money
    open_commitments: Money
    psc_on_commitments: Money
    operating_reserve: Money
    available_to_commit: Money
    #: Travel advances paid and not yet settled: the commitment they liquidated
    #: is closed, but the PSC on them is charged only at settlement.
    travel_advances: Money
    psc_on_advances: Money


def position_from_balances(
    fund: Fund, balances: dict[str, Decimal], as_of: datetime.date, psc_fraction: Decimal
) -> FundPosition:
    """Available to commit = cash - open commitments - PSC on them - operating
    reserve; and the PSC on travel advances awaiting settlement, which an
    advance's liquidation of its commitment does not make free."""
    currency = fund.base_currency

    def amount(*keys: str) -> Decimal:
        return sum((balances.get(key, Decimal(0)) for key in keys), Decimal(0))

    def m(value: Decimal) -> Money:
        return round_money(Money(value, currency))

    cash = amount(AccountKey.BANK, AccountKey.CARD_CLEARING)
    commitments = amount(AccountKey.COMMITMENTS)
    psc = round_amount(commitments * psc_fraction, currency)
    advances = amount(AccountKey.TRAVEL_ADVANCES)
    psc_advances = round_amount(advances * psc_fraction, currency)
    reserve = round_amount(cash * fund.operating_reserve_pct / 100, currency)
    return FundPosition(
        fund=fund,
        as_of=as_of,
        cash=m(cash),
        pledges_receivable=m(amount(AccountKey.PLEDGES_RECEIVABLE)),
        contributions=m(amount(AccountKey.CONTRIBUTIONS) - amount(AccountKey.DONOR_REFUNDS)),
        expenditure=m(amount(AccountKey.TRAVEL_EXPENDITURE)),
        open_commitments=m(commitments),
        psc_on_commitments=m(psc),
        operating_reserve=m(reserve),
        available_to_commit=m(cash - commitments - psc - psc_advances - reserve),
        travel_advances=m(advances),
        psc_on_advances=m(psc_advances),
    )


def positions(funds: list[Fund], as_of: datetime.date) -> list[FundPosition]:
    """Every fund's position: one balances query and one PSC-rate query in all."""
    by_fund = balances_by_fund(as_of)
    rates: dict[int, Decimal] = {}
    for rate in PscRate.objects.filter(fund__in=funds, effective_from__lte=as_of).order_by(
        "fund_id", "-effective_from"
    ):
        rates.setdefault(rate.fund_id, rate.fraction)
    return [
        position_from_balances(
            fund, by_fund.get(fund.pk, {}), as_of, rates.get(fund.pk, Decimal(0))
        )
        for fund in funds
    ]
