"""Money, numbers, dates and countries written the way the reader's language writes
them (Babel's CLDR data; never a float): one module that services (letters,
messages, exports) and templates (``fundmgr_tags``' filters) both use."""

from __future__ import annotations

import datetime

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from django.utils import timezone
from django.utils.translation import get_language
from moneyed import Money as BaseMoney
from moneyed.l10n import format_money

from fundmgr.collation import sorted_names
from fundmgr.money import Money, round_money, to_decimal

#: Django language code -> the Babel locale whose conventions we print in.
BABEL_LOCALES = {
    "en": "en_US",
    "fr": "fr_FR",
    "es": "es_ES",
    "ar": "ar_001",
    "ru": "ru_RU",
    "zh": "zh_Hans_CN",
}
DEFAULT_LOCALE = "en_US"


def babel_locale(language: str | None = None) -> str:
    """The Babel locale for a Django language code (``fr``, ``fr-ca``, ``es``...)."""
    code = (language or get_language() or "").lower().replace("_", "-")
    return BABEL_LOCALES.get(code.split("-")[0], DEFAULT_LOCALE)


#: Dates follow the UN's editorial style in English, day before month
#: ("6 December 2026"), where en_US would put the month first.
DATE_LOCALES = {**BABEL_LOCALES, "en": "en_GB"}


def _date_locale(language: str | None) -> str:
    code = (language or get_language() or "").lower().replace("_", "-")
    return DATE_LOCALES.get(code.split("-")[0], DATE_LOCALES["en"])


def long_date(value, language: str | None = None) -> str:
    """A date as people read it, one style per language, month named so no
    reader can take the day for the month: 6 December 2026, 6 décembre 2026,
    6 de diciembre de 2026, 6 декабря 2026 г., 2026年12月6日, 6 ديسمبر 2026.

    ``{{ pledge.pledge_date|long_date }}``. A datetime is shown as its day in
    the current time zone. Data (CSV and spreadsheet cells, the API, IATI,
    ``<input type=date>``, ``<time datetime>``) stays ISO 8601.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return format_date(value, "long", locale=_date_locale(language))


def long_datetime(value, language: str | None = None) -> str:
    """A moment as its long date and the hour and minute in the current time
    zone, joined as the language joins them: 6 December 2026, 23:05."""
    if value is None or value == "":
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    locale = Locale.parse(_date_locale(language))
    day = format_date(value.date(), "long", locale=locale)
    time = format_time(value.time(), "short", locale=locale)
    return locale.datetime_formats["medium"].replace("{1}", day).replace("{0}", time)


def money(value, currency: str | None = None) -> str:
    """Format a Money, or a Decimal/str amount in ``currency``, per the active language.

    ``{{ position.cash|money }}``, ``{{ leg.debit|money:fund.base_currency }}``.
    Amounts are rounded half away from zero to the currency's minor unit, as
    the ledger rounds. Floats are refused: they have no place near money.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, BaseMoney):
        amount = Money(to_decimal(value.amount), value.currency.code)
    else:
        if not currency:
            raise ValueError("the money filter needs a currency for a bare amount")
        amount = Money(to_decimal(value), str(currency).upper())
    return format_money(round_money(amount), locale=babel_locale())


def number(value, places: int = 6) -> str:
    """A decimal number (an exchange rate) in the reader's notation, up to
    ``places`` decimals, trailing zeros dropped: 0.89, 0,89, 111."""
    if value is None or value == "":
        return ""
    amount = to_decimal(value)
    pattern = "#,##0" + ("." + "#" * int(places) if int(places) > 0 else "")
    return format_decimal(amount, format=pattern, locale=babel_locale())


def country_name(value, fallback: str = "") -> str:
    """A country's name in the reader's language, from a Country or an ISO alpha-2 code."""
    if value is None or value == "":
        return fallback
    iso2 = getattr(value, "iso2", value)
    default = fallback or getattr(value, "name", "") or str(iso2)
    territories = Locale.parse(babel_locale()).territories
    return territories.get(str(iso2).upper(), default)


def country_choices(countries) -> list[tuple[str, str]]:
    """``(iso2, name)`` pairs (names as stored, in English) named in the
    reader's language and sorted as that language sorts (fundmgr.collation):
    the locale looked up once for all."""
    territories = Locale.parse(babel_locale()).territories
    return sorted_names(
        (iso2, territories.get(iso2.upper(), name or iso2)) for iso2, name in countries
    )
