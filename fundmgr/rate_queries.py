"""Which posted entries a UN rate was used for: the reads behind "a rate no
posted entry uses may be replaced" (fundmgr.services.rate_corrections) and the
exchange-rates page's "in use" mark.

A posted entry used rate R (currency C, effective from D) when it has a leg
converted between C and its fund's currency (a leg in C in a fund kept in
another currency, or a leg in another currency in a fund kept in C), is dated
on or after D (in D's month, under monthly validity), and when it was posted
R had been recorded and no other rate of C effective after D and on or
before the entry's date was in force. Posting times are compared, not only
dates, because a leg given its base amount (a receivable cleared at its
booked rate, a receipt's cash) carries no rate date, and a revision may be
dated before entries posted earlier.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db.models import DateField, DateTimeField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import TruncMonth

from fundmgr.models import ExchangeRate, JournalEntry, Leg


def _legs_converted_at(rate: Callable[[str], object], outer: Callable[[str], object]) -> QuerySet:
    """Posted legs converted at the rate whose fields ``rate(name)`` gives
    (values, or OuterRef for a subquery); ``outer`` gives the same fields one
    level further out, for the "no later rate in force" check."""
    currency = rate("currency")
    later_in_force = ExchangeRate.objects.filter(
        currency=outer("currency"),
        effective_date__gt=outer("effective_date"),
        effective_date__lte=OuterRef("entry__date"),
        imported_at__lte=OuterRef("entry__created_at"),
    ).filter(Q(superseded_at__isnull=True) | Q(superseded_at__gt=OuterRef("entry__created_at")))
    legs = Leg.objects.filter(
        entry__status=JournalEntry.Status.POSTED,
        entry__date__gte=rate("effective_date"),
        entry__created_at__gte=rate("imported_at"),
    ).filter(
        (Q(original_currency=currency) & ~Q(entry__fund__base_currency=currency))
        | (~Q(original_currency=currency) & Q(entry__fund__base_currency=currency))
    )
    if settings.FUNDMGR_RATE_VALIDITY == "month":
        legs = legs.annotate(entry_month=TruncMonth("entry__date")).filter(
            entry_month=rate("month")
        )
    return legs.filter(~Exists(later_in_force))


def entries_using(rate: ExchangeRate) -> QuerySet[JournalEntry]:
    """The posted entries converted at ``rate``."""
    fields = {
        "currency": Value(rate.currency),
        "effective_date": Value(rate.effective_date, output_field=DateField()),
        "month": Value(rate.effective_date.replace(day=1), output_field=DateField()),
        "imported_at": Value(rate.imported_at, output_field=DateTimeField()),
    }
    legs = _legs_converted_at(fields.__getitem__, fields.__getitem__)
    return JournalEntry.objects.filter(pk__in=legs.values("entry_id"))


def with_use(rates: QuerySet[ExchangeRate]) -> QuerySet[ExchangeRate]:
    """``rates`` annotated ``in_use``: one subquery in the same query."""
    return rates.annotate(month=TruncMonth("effective_date")).annotate(
        in_use=Exists(_legs_converted_at(OuterRef, lambda name: OuterRef(OuterRef(name))))
    )
