"""Money rules every part of fundmgr uses.

Amounts are django-money ``Money`` objects backed by ``Decimal``. Rounding is
always explicit and to the currency's own minor unit (JPY 0 decimals, USD 2,
KWD 3), half away from zero as UN accounts round. Adding two currencies
without converting is an error (py-moneyed raises; ``sum_money`` says which).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _
from djmoney.money import Money
from moneyed import CurrencyDoesNotExist, get_currency

from fundmgr import sentences
from fundmgr.sentences import Sentence

__all__ = [
    "NOT_MONEY",
    "CurrencyMismatch",
    "Money",
    "NotMoney",
    "UnknownCurrency",
    "minor_units",
    "money",
    "quantum",
    "round_money",
    "sum_money",
    "to_decimal",
]


class UnknownCurrency(ValueError):
    """A currency code that ISO 4217 does not know."""


class NotMoney(UnknownCurrency):
    """An ISO 4217 code that is not money a fund can receive (gold, a test code)."""


#: ISO 4217 codes that are not money anyone can transfer to the fund: metals,
#: units of account (XDR, the IMF's special drawing right, included: the fund
#: can neither receive nor pay SDR), bond-market units, the test and "no
#: currency" codes, and the fund codes that index a currency (BOV, CLF...).
#: ``minor_units`` refuses them, so every amount, rate and currency read from
#: outside (files, forms, the card processor) is refused in this one place.
NOT_MONEY = frozenset(
    {
        # precious metals
        "XAU", "XAG", "XPT", "XPD",
        # units of account and supranational units
        "XDR", "XSU", "XUA", "XBA", "XBB", "XBC", "XBD", "XEU", "XFO", "XFU", "XRE",
        # testing, and "no currency involved"
        "XTS", "XXX",
        # fund codes (an index or a settlement variant of a currency, not money)
        "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "USS", "UYI", "UYW",
    }
)  # fmt: skip


class CurrencyMismatch(TypeError):
    """Amounts in different currencies were combined without conversion."""


def minor_units(currency: str) -> int:
    """Number of decimals of the currency's minor unit (USD 2, JPY 0, KWD 3).

    Raises UnknownCurrency for a code ISO 4217 does not know, and its kind
    NotMoney for one of ``NOT_MONEY``."""
    code = str(currency).upper()
    if code in NOT_MONEY:
        raise NotMoney(
            _(
                "%(code)s is not a currency the fund can receive (it is a metal, a unit of "
                "account, a fund code or a test code)"
            )
            % {"code": code}
        )
    try:
        sub_unit = get_currency(code).sub_unit
    except CurrencyDoesNotExist as unknown:
        raise UnknownCurrency(_("unknown currency code %(code)r") % {"code": currency}) from unknown
    places = 0
    while sub_unit > 1:
        sub_unit //= 10
        places += 1
    return places


def quantum(currency: str) -> Decimal:
    """The smallest amount of the currency, as a Decimal exponent (0.01 for USD)."""
    return _quantum(str(currency).upper())


@functools.lru_cache(maxsize=512)
def _quantum(code: str) -> Decimal:
    # Kept per code: every amount written (an API page of 200 grants rounds
    # 2,200) asked ISO 4217 afresh. A refused code raises, and is not kept.
    return Decimal(1).scaleb(-minor_units(code))


_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$")


def decimal_from_text(text: str) -> Decimal:
    """Parse a written amount. Commas are accepted only as thousands
    separators ("42,000.50"); a decimal comma ("0,893") is refused, never
    read as a thousand times more."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in cleaned:
        if not _GROUPED.match(cleaned):
            raise ValueError(Sentence(sentences.DECIMAL_COMMA, {"value": text}))
        cleaned = cleaned.replace(",", "")
    try:
        result = Decimal(cleaned)
    except InvalidOperation as bad:
        raise ValueError(Sentence(sentences.NOT_AN_AMOUNT, {"value": text})) from bad
    return result


def to_decimal(value: object) -> Decimal:
    """A Decimal from a str, int or Decimal; floats are refused."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"money amounts must not be floats or booleans: {value!r}")
    if isinstance(value, Decimal):
        result = value
    else:
        result = decimal_from_text(str(value))
    if not result.is_finite():
        raise ValueError(_("not a finite amount: %(value)r") % {"value": value})
    return result


def round_amount(value: Decimal, currency: str) -> Decimal:
    """``value`` rounded to the currency's minor unit, half away from zero: the
    one rounding rule for money in fundmgr (Decimal's own default, half to
    even, is never used for an amount)."""
    return value.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def round_money(amount: Money) -> Money:
    """Round to the currency's minor unit, half away from zero (``round_amount``)."""
    currency = amount.currency.code
    return Money(round_amount(amount.amount, currency), currency)


def money(value: object, currency: str) -> Money:
    """Build an exact Money; an amount finer than the currency's minor unit is an error."""
    amount = to_decimal(value)
    code = str(currency).upper()
    minor_units(code)  # validates the code
    if amount != amount.quantize(quantum(code), rounding=ROUND_HALF_UP):
        raise ValueError(
            _("%(amount)s has more decimals than %(currency)s allows (%(places)d)")
            % {"amount": amount, "currency": code, "places": minor_units(code)}
        )
    return Money(amount, code)


def sum_money(amounts: Iterable[Money], currency: str) -> Money:
    """Sum amounts that must all be in ``currency``; anything else is an error."""
    code = str(currency).upper()
    total = Decimal(0)
    for item in amounts:
        if item.currency.code != code:
            raise CurrencyMismatch(
                f"cannot add {item.currency.code} to a {code} total without converting it"
            )
        total += item.amount
    return Money(total, code)
