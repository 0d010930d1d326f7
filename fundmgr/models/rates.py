"""UN operational rates of exchange (UNORE): units of a currency per US dollar.

A rate is corrected in one of two ways (fundmgr.services.rate_corrections):
replaced in place while no posted entry uses it, or revised from a date, which
adds a row naming the rate it ``revises`` and why. A revision dated on the
very day of the rate it corrects takes that rate's place: the earlier row is
kept for history and marked ``superseded_at``; only rows not superseded are
ever looked up, and only one per currency and date."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ExchangeRateQuerySet(models.QuerySet):
    def current(self):
        """The rates a conversion may use: every row but those a revision on
        the same day took the place of."""
        return self.filter(superseded_at__isnull=True)


class ExchangeRate(models.Model):
    currency = models.CharField(_("currency"), max_length=3)
    effective_date = models.DateField(_("effective date"))
    units_per_usd = models.DecimalField(_("units per US dollar"), max_digits=20, decimal_places=6)
    illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Demo or estimated rate, not an official UN rate."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    revises = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("revises"),
        help_text=_("The rate in force before this revision took effect."),
    )
    reason = models.TextField(_("why revised"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revised by"),
    )
    superseded_at = models.DateTimeField(
        _("superseded at"),
        null=True,
        blank=True,
        help_text=_("When a revision from the same day took this rate's place."),
    )

    objects = ExchangeRateQuerySet.as_manager()

    class Meta:
        ordering = ["currency", "-effective_date", "-imported_at"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "effective_date"],
                condition=Q(superseded_at__isnull=True),
                name="one_current_rate_per_currency_and_date",
            ),
            models.CheckConstraint(condition=Q(units_per_usd__gt=0), name="rate_positive"),
            models.CheckConstraint(
                condition=~Q(currency="USD"), name="usd_is_the_anchor_not_a_rate"
            ),
            models.CheckConstraint(
                condition=Q(revises__isnull=True) | ~Q(reason=""),
                name="rate_revision_says_why",
            ),
        ]
        indexes = [models.Index(fields=["currency", "effective_date"])]

    def __str__(self) -> str:
        return f"{self.currency} {self.units_per_usd}/USD from {self.effective_date}"
