"""Importing UN operational rates of exchange from CSV or XLSX.

The whole file is checked first; one bad row and nothing is saved. A row
restating a rate already recorded for its currency and date with another
figure (or another illustrative mark) replaces it if no posted entry was
converted at it, audited like any replacement (fundmgr.services.rate_corrections);
if entries were converted at it, the row is refused by line: such a rate is
revised from a date, on the exchange-rates page, with a reason. Importing the
same file again changes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fundmgr import sentences
from fundmgr.models import ExchangeRate
from fundmgr.rate_queries import entries_using
from fundmgr.sentences import Sentence
from fundmgr.services.audit import Actor, log_action
from fundmgr.services.rate_corrections import rate_problem, record_replacement
from fundmgr.services.rates import ANCHOR
from fundmgr.tabular import (
    FileRejected,
    RowError,
    max_length,
    parse_currency,
    parse_date,
    parse_decimal,
    read_rows,
)

COLUMNS = ["currency", "effective_date", "units_per_usd"]
OPTIONAL = ["illustrative", "source"]
_MAX_SOURCE = max_length(ExchangeRate, "source")


@dataclass(frozen=True)
class RateImportResult:
    created: int
    unchanged: int
    #: USD rows at 1: the anchor restated, accepted and not stored.
    skipped: int = 0
    #: Rates no posted entry used, given the file's figure.
    replaced: int = 0


def rates_imported(name: str, result: RateImportResult) -> str:
    """What the import page and the API tell of a file imported."""
    return _("%(name)s: %(created)d rates added, %(unchanged)d already recorded.") % {
        "name": name,
        "created": result.created,
        "unchanged": result.unchanged,
    }


def anchor_rows_skipped(count: int) -> str:
    """What to tell the importer about the USD rows at 1 left out."""
    return ngettext(
        "%(count)d USD row at 1 skipped: the US dollar is the anchor currency.",
        "%(count)d USD rows at 1 skipped: the US dollar is the anchor currency.",
        count,
    ) % {"count": count}


def rates_replaced(count: int) -> str:
    """What to tell the importer about the unused rates the file replaced."""
    return ngettext(
        "%(count)d rate no posted entry used was replaced with the file's figure "
        "(the old figure is in the audit trail).",
        "%(count)d rates no posted entry used were replaced with the file's figures "
        "(the old figures are in the audit trail).",
        count,
    ) % {"count": count}


def _truthy(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "y", "x"}


def import_exchange_rates(
    source: str | Path | IO[bytes],
    by: Actor,
    *,
    name: str | None = None,
    illustrative: bool = False,
) -> RateImportResult:
    name = name or str(getattr(source, "name", source))
    errors: list[RowError] = []
    wanted: dict[tuple[str, datetime.date], tuple[int, Decimal, bool, str]] = {}
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
            problem = rate_problem(rate)
            if problem:
                raise ValueError(problem)
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

    with transaction.atomic():
        # Locked, so no correction or other import changes them meanwhile.
        existing = {
            (r.currency, r.effective_date): r
            for r in ExchangeRate.objects.current()
            .select_for_update()
            .filter(currency__in={c for c, _d in wanted})
        }
        replaced = []
        for key, (line, rate, flag, src) in wanted.items():
            current = existing.get(key)
            if current is None or (current.units_per_usd, current.illustrative) == (rate, flag):
                continue
            if entries_using(current).exists():
                errors.append(RowError(line, _used_rate_restated(current, rate, flag)))
            else:
                replaced.append((current, rate, flag, src))
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
        ExchangeRate.objects.bulk_create(new)
        # Kept by code in the audit record: read in each reader's language.
        why = Sentence(sentences.RATES_REPLACED_BY_FILE, {"name": Path(name).name})
        for current, rate, flag, src in replaced:
            record_replacement(current, rate, flag, (src or Path(name).name)[:_MAX_SOURCE], why, by)
        unchanged = len(wanted) - len(new) - len(replaced)
        if new or replaced:
            log_action(
                None,
                "rates:imported",
                by,
                Path(name).name,
                {
                    "created": len(new),
                    "replaced": len(replaced),
                    "unchanged": unchanged,
                    "skipped": skipped,
                },
            )
    return RateImportResult(
        created=len(new), unchanged=unchanged, skipped=skipped, replaced=len(replaced)
    )


def _used_rate_restated(row: ExchangeRate, rate: Decimal, illustrative: bool) -> str:
    if row.units_per_usd != rate:
        what = _("at %(old)s") % {"old": row.units_per_usd}
    elif row.illustrative:
        what = _("as illustrative")
    else:
        what = _("as official")
    return _(
        "%(currency)s on %(day)s is already recorded %(what)s and posted entries were converted "
        "at it, so a file cannot replace it: revise it from a date on the exchange-rates page"
    ) % {"currency": row.currency, "day": row.effective_date, "what": what}
