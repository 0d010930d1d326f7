"""Importing UN operational rates of exchange from CSV or XLSX.

The whole file is checked first; one bad row and nothing is saved. Rates are
history: a rate already recorded for a currency and date is never overwritten
(a revision is a new effective date), so importing the same file again
changes nothing and a conflicting one is refused by line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fundmgr.models import ExchangeRate
from fundmgr.services.audit import log_action
from fundmgr.services.rates import ANCHOR
from fundmgr.tabular import (
    FileRejected,
    RowError,
    parse_currency,
    parse_date,
    parse_decimal,
    read_rows,
)

COLUMNS = ["currency", "effective_date", "units_per_usd"]
OPTIONAL = ["illustrative", "source"]
#: Units of a currency per US dollar, within these bounds: the strongest
#: currency (KWD) is about 0.3 and the weakest in use about 10^5; beyond them a
#: rate is a typing error, and an amount converted at it could overflow the
#: ledger's columns.
MIN_RATE = Decimal("0.001")
MAX_RATE = Decimal("1000000000")
_MAX_SOURCE = ExchangeRate._meta.get_field("source").max_length


@dataclass(frozen=True)
class RateImportResult:
    created: int
    unchanged: int
    #: USD rows at 1: the anchor restated, accepted and not stored.
    skipped: int = 0


def anchor_rows_skipped(count: int) -> str:
    """What to tell the importer about the USD rows at 1 left out."""
    return ngettext(
        "%(count)d USD row at 1 skipped: the US dollar is the anchor currency.",
        "%(count)d USD rows at 1 skipped: the US dollar is the anchor currency.",
        count,
    ) % {"count": count}


def _truthy(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "y", "x"}


def import_exchange_rates(
    source: str | Path | IO[bytes], by, *, name: str | None = None, illustrative: bool = False
) -> RateImportResult:
    name = name or str(getattr(source, "name", source))
    errors: list[RowError] = []
    wanted: dict[tuple[str, object], tuple[int, Decimal, bool, str]] = {}
    skipped = 0
    for row in read_rows(source, COLUMNS, name=name):
        try:
            currency = parse_currency(row["currency"])
            day = parse_date(row["effective_date"])
            rate = parse_decimal(row["units_per_usd"])
            if currency == ANCHOR:
                # A USD row at 1 restates the anchor (UN tables list it): skip it.
                if rate == 1:
                    skipped += 1
                    continue
                raise ValueError(
                    _("USD is the anchor currency; its rate is always 1, not %(rate)s")
                    % {"rate": rate}
                )
            if rate <= 0:
                raise ValueError(_("the rate must be greater than zero"))
            if not MIN_RATE <= rate < MAX_RATE:
                raise ValueError(
                    _("the rate %(rate)s is not between %(low)s and %(high)s units per US dollar")
                    % {"rate": rate, "low": MIN_RATE, "high": f"{MAX_RATE:,}"}
                )
            if rate != rate.quantize(Decimal("0.000001")):
                raise ValueError(_("the rate has more than 6 decimals"))
            if len(row.values.get("source", "")) > _MAX_SOURCE:
                raise ValueError(
                    _("the source is longer than %(max)d characters") % {"max": _MAX_SOURCE}
                )
        except ValueError as bad:
            errors.append(RowError(row.line, str(bad)))
            continue
        key = (currency, day)
        flag = illustrative or _truthy(row.values.get("illustrative", ""))
        if key in wanted and wanted[key][1] != rate:
            errors.append(
                RowError(
                    row.line,
                    _("%(currency)s on %(day)s already appears on line %(other)d with another rate")
                    % {"currency": currency, "day": day, "other": wanted[key][0]},
                )
            )
            continue
        wanted.setdefault(key, (row.line, rate, flag, row.values.get("source", "")))

    existing = {
        (r.currency, r.effective_date): r.units_per_usd
        for r in ExchangeRate.objects.filter(currency__in={c for c, _d in wanted})
    }
    for (currency, day), (line, rate, _flag, _src) in wanted.items():
        if (currency, day) in existing and existing[(currency, day)] != rate:
            errors.append(
                RowError(
                    line,
                    _(
                        "%(currency)s on %(day)s is already recorded at %(old)s; rates are never "
                        "overwritten (a revision takes a new effective date)"
                    )
                    % {"currency": currency, "day": day, "old": existing[(currency, day)]},
                )
            )
    if errors:
        raise FileRejected(sorted(errors, key=lambda e: e.line), name)

    new = [
        ExchangeRate(
            currency=currency,
            effective_date=day,
            units_per_usd=rate,
            illustrative=flag,
            source=(src or Path(name).name)[:_MAX_SOURCE],
        )
        for (currency, day), (_line, rate, flag, src) in wanted.items()
        if (currency, day) not in existing
    ]
    with transaction.atomic():
        ExchangeRate.objects.bulk_create(new)
        if new:
            log_action(
                None,
                "rates:imported",
                by,
                Path(name).name,
                {
                    "created": len(new),
                    "unchanged": len(wanted) - len(new),
                    "skipped": skipped,
                },
            )
    return RateImportResult(created=len(new), unchanged=len(wanted) - len(new), skipped=skipped)
