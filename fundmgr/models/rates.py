"""UN operational rates of exchange (UNORE): units of a currency per US dollar."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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

    class Meta:
        ordering = ["currency", "-effective_date"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "effective_date"], name="one_rate_per_currency_and_date"
            ),
            models.CheckConstraint(condition=Q(units_per_usd__gt=0), name="rate_positive"),
            models.CheckConstraint(
                condition=~Q(currency="USD"), name="usd_is_the_anchor_not_a_rate"
            ),
        ]
        indexes = [models.Index(fields=["currency", "effective_date"])]

    def __str__(self) -> str:
        return f"{self.currency} {self.units_per_usd}/USD from {self.effective_date}"
