"""Conversion at the UN operational rate in force on the transaction date.

A rate is "in force" on a day if it is the latest one effective on or before
that day and, under the default ``FUNDMGR_RATE_VALIDITY = "month"``, effective
in that same calendar month: UNORE are set monthly (some revised mid-month),
so a March transaction is never converted at February's rate because March's
was not entered. A missing rate is an error naming currency and date, never 1.
Rates a same-day revision took the place of are history, never looked up
(``ExchangeRate.objects.current()``; fundmgr.services.rate_corrections).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from fundmgr.models import ExchangeRate
from fundmgr.money import Money, minor_units, round_money

ANCHOR = "USD"


class MissingExchangeRate(LookupError):
    def __init__(self, currency: str, day: datetime.date):
        self.currency, self.day = currency, day
        super().__init__(
            _("No UN operational rate of exchange for %(currency)s is in force on %(day)s.")
            % {"currency": currency, "day": day.isoformat()}
        )


@dataclass(frozen=True)
class Conversion:
    """A converted amount, with the rate (source units per target unit) and
    the effective dates of the rates used, so a reader can redo the sum."""

    source: Money
    result: Money
    rate: Decimal
    rate_date: datetime.date | None


def rate_on(currency: str, day: datetime.date) -> ExchangeRate:
    """The ExchangeRate row in force for ``currency`` on ``day``."""
    code = currency.upper()
    minor_units(code)  # an unknown code is its own, clearer error
    rates = ExchangeRate.objects.current().filter(currency=code, effective_date__lte=day)
    if settings.FUNDMGR_RATE_VALIDITY == "month":
        rates = rates.filter(effective_date__gte=day.replace(day=1))
    rate = rates.order_by("-effective_date").first()
    if rate is None:
        raise MissingExchangeRate(code, day)
    return rate


def rates_in_force(currencies, day: datetime.date) -> dict[str, Decimal]:
    """Units per US dollar in force on ``day`` for each of ``currencies``, by
    the same rule as ``rate_on`` but in one query (for pages that must run a
    fixed number of them). USD is 1; a currency without a rate in force is
    left out, for the caller to refuse by name (``MissingExchangeRate``)."""
    codes = {code.upper() for code in currencies} - {ANCHOR}
    found: dict[str, Decimal] = {ANCHOR: Decimal(1)}
    if not codes:
        return found
    rates = ExchangeRate.objects.filter(currency__in=codes, effective_date__lte=day)
    if settings.FUNDMGR_RATE_VALIDITY == "month":
        rates = rates.filter(effective_date__gte=day.replace(day=1))
    for currency, units in rates.order_by("currency", "-effective_date").values_list(
        "currency", "units_per_usd"
    ):
        found.setdefault(currency, units)
    return found


def units_per_usd(currency: str, day: datetime.date) -> tuple[Decimal, datetime.date | None]:
    if currency.upper() == ANCHOR:
        return Decimal(1), None
    rate = rate_on(currency, day)
    return rate.units_per_usd, rate.effective_date


def convert(amount: Money, to_currency: str, day: datetime.date) -> Conversion:
    """Convert ``amount`` into ``to_currency`` at the rates in force on ``day``,
    rounded to the target currency's minor unit."""
    source = amount.currency.code
    target = to_currency.upper()
    if source == target:
        return Conversion(amount, round_money(amount), Decimal(1), None)
    source_per_usd, source_date = units_per_usd(source, day)
    target_per_usd, target_date = units_per_usd(target, day)
    rate = source_per_usd / target_per_usd
    result = round_money(Money(amount.amount / source_per_usd * target_per_usd, target))
    dates = [d for d in (source_date, target_date) if d]
    return Conversion(amount, result, rate, min(dates) if dates else None)


def to_usd(amount: Money, day: datetime.date) -> Money:
    return convert(amount, ANCHOR, day).result


def currencies_with_rates(day: datetime.date | None = None) -> list[str]:
    """Currencies one may give in: USD and every currency with a UN rate (in
    force on ``day``, when given)."""
    rates = ExchangeRate.objects.current()
    if day is not None:
        rates = rates.filter(effective_date__lte=day)
        if settings.FUNDMGR_RATE_VALIDITY == "month":
            rates = rates.filter(effective_date__gte=day.replace(day=1))
    codes = set(rates.values_list("currency", flat=True).distinct())
    return sorted(codes | {ANCHOR})
