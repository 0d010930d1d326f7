"""Countries (ISO 3166), their UN M49 region and their effective-dated LDC status."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    """The five regions of the UN M49 standard (unstats.un.org/unsd/methodology/m49)."""

    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ASIA = "asia", _("Asia")
    EUROPE = "europe", _("Europe")
    OCEANIA = "oceania", _("Oceania")


class CountryQuerySet(models.QuerySet):
    def ldc_on(self, day: datetime.date) -> CountryQuerySet:
        """Countries that were least developed countries on ``day``."""
        return self.filter(ldc_statuses__in=LdcStatus.objects.in_force_on(day)).distinct()


class Country(models.Model):
    iso2 = models.CharField(_("ISO code"), max_length=2, primary_key=True)
    iso3 = models.CharField(_("ISO alpha-3 code"), max_length=3, unique=True)
    numeric = models.CharField(_("ISO numeric code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # Blank only for Antarctica, which M49 places in no region.
    region = models.CharField(
        _("region (UN M49)"), max_length=10, choices=Region.choices, blank=True, db_index=True
    )

    objects = CountryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name

    def ldc_status_on(self, day: datetime.date) -> LdcStatus | None:
        """The LDC listing in force on ``day``, or None if the country was not an LDC."""
        return self.ldc_statuses.in_force_on(day).first()

    def was_ldc_on(self, day: datetime.date) -> bool:
        return self.ldc_statuses.in_force_on(day).exists()


class LdcStatusQuerySet(models.QuerySet):
    def in_force_on(self, day: datetime.date) -> LdcStatusQuerySet:
        # A listing holds from its inclusion (unknown = before the reference
        # data begins) until the day before graduation.
        return self.filter(
            Q(included_on__isnull=True) | Q(included_on__lte=day),
            Q(graduated_on__isnull=True) | Q(graduated_on__gt=day),
        )


class LdcStatus(models.Model):
    """One period on the UN list of least developed countries."""

    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="ldc_statuses", verbose_name=_("country")
    )
    included_on = models.DateField(
        _("included on"),
        null=True,
        blank=True,
        help_text=_("Empty when the inclusion predates the reference data."),
    )
    graduated_on = models.DateField(_("graduated on"), null=True, blank=True)
    graduation_confirmed = models.BooleanField(
        _("graduation date confirmed"),
        default=True,
        help_text=_("False for a scheduled graduation or a day not yet confirmed."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    objects = LdcStatusQuerySet.as_manager()

    class Meta:
        ordering = ["country__name", "included_on"]
        verbose_name = _("LDC status")
        verbose_name_plural = _("LDC statuses")
        constraints = [
            models.CheckConstraint(
                condition=Q(included_on__isnull=True)
                | Q(graduated_on__isnull=True)
                | Q(graduated_on__gt=models.F("included_on")),
                name="ldc_graduation_after_inclusion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} LDC {self.included_on or '…'}–{self.graduated_on or ''}"
