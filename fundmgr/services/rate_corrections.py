"""Correcting UN operational rates of exchange, without touching the books.

Two ways, both audited, both for a finance officer (or the administrator, who
may import rates too):

- ``replace_rate``: a rate no posted entry was converted at (an illustrative
  figure, a typing error caught in time) is corrected in place. Nothing was
  converted at it, so nothing in the books disagrees with the new figure; the
  audit record keeps the old one.
- ``revise_rate``: a rate entries were converted at is revised *from a date*:
  a new row, naming the rate it revises and why, in force from that date until
  the next rate. Days before keep the earlier rate. Dated on the very day of
  the rate it corrects, it takes that rate's place for the whole period (the
  earlier row kept, marked superseded). Posted entries keep the rate they were
  converted at: a correction of the books is a reversing entry, a person's
  decision, never a side effect of a new rate.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fundmgr.models import ExchangeRate
from fundmgr.rate_queries import entries_using
from fundmgr.roles import Role, has_role
from fundmgr.sentences import RATE_KEEPERS_ONLY, Sentence
from fundmgr.services.audit import Actor, log_action, person
from fundmgr.services.rates import ANCHOR, MissingExchangeRate, rate_on
from fundmgr.tabular import parse_currency

#: Who may correct rates: those who may import them.
RATE_KEEPERS = (Role.FINANCE_OFFICER, Role.ADMINISTRATOR)
#: Units of a currency per US dollar, within these bounds: the strongest
#: currency (KWD) is about 0.3 and the weakest in use about 10^5; beyond them a
#: rate is a typing error, and an amount converted at it could overflow the
#: ledger's columns.
MIN_RATE = Decimal("0.001")
MAX_RATE = Decimal("1000000000")
_MAX_SOURCE = ExchangeRate._meta.get_field("source").max_length


class RateCorrectionRefused(ValueError):
    """A correction that cannot be made; the message says why."""


@dataclass(frozen=True)
class Revision:
    rate: ExchangeRate
    revised: ExchangeRate
    #: Posted entries dated from the revision's date that keep the earlier rate.
    entries_kept: int


def rate_problem(rate: Decimal) -> str | None:
    """What is wrong with ``rate`` as units per US dollar, or None: the rule
    the import and the corrections share."""
    if rate <= 0:
        return _("the rate must be greater than zero")
    if not MIN_RATE <= rate < MAX_RATE:
        return _("the rate %(rate)s is not between %(low)s and %(high)s units per US dollar") % {
            "rate": rate,
            "low": MIN_RATE,
            "high": f"{MAX_RATE:,}",
        }
    if rate != rate.quantize(Decimal("0.000001")):
        return _("the rate has more than 6 decimals")
    return None


def _check_keeper(by: Actor) -> None:
    if isinstance(by, str) or not has_role(by, *RATE_KEEPERS):
        raise PermissionDenied(Sentence(RATE_KEEPERS_ONLY))


def _check_rate(currency: str, rate: Decimal) -> str:
    try:
        code = parse_currency(currency)
    except ValueError as unknown:
        raise RateCorrectionRefused(str(unknown)) from unknown
    if code == ANCHOR:
        raise RateCorrectionRefused(
            _("USD is the anchor currency; its rate is always 1 and is never corrected.")
        )
    problem = rate_problem(rate)
    if problem:
        raise RateCorrectionRefused(problem[:1].upper() + problem[1:] + ".")
    return code


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RateCorrectionRefused(_("Say why the rate is corrected."))
    return reason


def record_replacement(
    rate: ExchangeRate,
    new_rate: Decimal,
    illustrative: bool,
    source: str,
    reason: str | Sentence,
    by: Actor,
) -> None:
    """Write the new figure over an unused ``rate`` (locked by the caller) and
    audit the old one: for ``replace_rate`` and the rates import alike."""
    old = {"units_per_usd": rate.units_per_usd, "illustrative": rate.illustrative}
    rate.units_per_usd, rate.illustrative, rate.source = new_rate, illustrative, source
    rate.save(update_fields=["units_per_usd", "illustrative", "source"])
    log_action(
        rate,
        "rates:replaced",
        by,
        reason,
        {
            "currency": rate.currency,
            "effective_date": rate.effective_date,
            "old": old,
            "new": {"units_per_usd": new_rate, "illustrative": illustrative},
        },
    )


@transaction.atomic
def replace_rate(
    rate: ExchangeRate,
    new_rate: Decimal,
    reason: str,
    by: Actor,
    *,
    illustrative: bool | None = None,
    source: str | None = None,
) -> ExchangeRate:
    """Correct ``rate`` in place; refused once any posted entry used it."""
    _check_keeper(by)
    _check_rate(rate.currency, new_rate)
    reason = _check_reason(reason)
    # Lock, then re-check: two officers correcting the same rate at once.
    rate = ExchangeRate.objects.select_for_update().get(pk=rate.pk)
    if rate.superseded_at is not None:
        raise RateCorrectionRefused(
            _("This %(currency)s rate of %(day)s was revised on the same day and is history.")
            % {"currency": rate.currency, "day": rate.effective_date.isoformat()}
        )
    used = entries_using(rate).count()
    if used:
        raise RateCorrectionRefused(
            ngettext(
                "%(count)d posted entry was converted at %(currency)s %(rate)s of %(day)s, so "
                "it cannot be replaced: revise it from a date instead.",
                "%(count)d posted entries were converted at %(currency)s %(rate)s of %(day)s, "
                "so it cannot be replaced: revise it from a date instead.",
                used,
            )
            % {
                "count": used,
                "currency": rate.currency,
                "rate": rate.units_per_usd,
                "day": rate.effective_date.isoformat(),
            }
        )
    illustrative = rate.illustrative if illustrative is None else illustrative
    source = rate.source if source is None else source.strip()[:_MAX_SOURCE]
    if (rate.units_per_usd, rate.illustrative, rate.source) == (new_rate, illustrative, source):
        raise RateCorrectionRefused(_("That is the rate already recorded: nothing to replace."))
    record_replacement(rate, new_rate, illustrative, source, reason, by)
    return rate


@transaction.atomic
def revise_rate(
    currency: str,
    effective_from: datetime.date,
    new_rate: Decimal,
    reason: str,
    by: Actor,
    *,
    illustrative: bool = False,
    source: str = "",
) -> Revision:
    """Record ``new_rate`` for ``currency`` from ``effective_from``."""
    _check_keeper(by)
    code = _check_rate(currency, new_rate)
    reason = _check_reason(reason)
    if effective_from > timezone.localdate():
        raise RateCorrectionRefused(
            _(
                "A revision takes effect on or before today, not on %(day)s: import a rate "
                "published for a later date."
            )
            % {"day": effective_from.isoformat()}
        )
    try:
        revised = rate_on(code, effective_from)
    except MissingExchangeRate as missing:
        raise RateCorrectionRefused(
            _("%(missing)s There is nothing to revise: import the rate instead.")
            % {"missing": missing}
        ) from missing
    # Lock, then re-check: the rate in force may have been revised meanwhile.
    revised = ExchangeRate.objects.select_for_update().get(pk=revised.pk)
    if revised.superseded_at is not None or rate_on(code, effective_from).pk != revised.pk:
        raise RateCorrectionRefused(
            _("The %(currency)s rate was corrected meanwhile: look at it again.")
            % {"currency": code}
        )
    if (revised.units_per_usd, revised.illustrative) == (new_rate, illustrative):
        raise RateCorrectionRefused(
            _("%(currency)s is already at %(rate)s on %(day)s: nothing to revise.")
            % {"currency": code, "rate": revised.units_per_usd, "day": effective_from.isoformat()}
        )
    kept = entries_using(revised).filter(date__gte=effective_from).count()
    if revised.effective_date == effective_from:
        revised.superseded_at = timezone.now()
        revised.save(update_fields=["superseded_at"])
    try:
        with transaction.atomic():
            rate = ExchangeRate.objects.create(
                currency=code,
                effective_date=effective_from,
                units_per_usd=new_rate,
                illustrative=illustrative,
                source=source.strip()[:_MAX_SOURCE],
                revises=revised,
                reason=reason,
                recorded_by=person(by),
            )
    except IntegrityError as taken:  # a simultaneous revision of the same day
        raise RateCorrectionRefused(
            _("The %(currency)s rate was corrected meanwhile: look at it again.")
            % {"currency": code}
        ) from taken
    log_action(
        rate,
        "rates:revised",
        by,
        reason,
        {
            "currency": code,
            "effective_date": effective_from,
            "old": {"units_per_usd": revised.units_per_usd, "since": revised.effective_date},
            "new": {"units_per_usd": rate.units_per_usd, "illustrative": illustrative},
            "posted_entries_keep_old_rate": kept,
        },
    )
    return Revision(rate=rate, revised=revised, entries_kept=kept)
