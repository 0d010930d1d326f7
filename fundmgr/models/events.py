"""Events whose participants a fund pays for, with their programme."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fundmgr.models.countries import Country
from fundmgr.models.funds import Fund, code_validator
from fundmgr.translated import TranslatedCharField, TranslationsField


class Event(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True, validators=[code_validator])
    name = TranslatedCharField(_("name"), max_length=300)
    name_i18n = TranslationsField(_("name in other languages"), for_field="name")
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="events", verbose_name=_("fund")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("host country")
    )
    eligibility_date = models.DateField(
        _("eligibility judged on"), help_text=_("Usually the first day of the event.")
    )
    max_funded_per_country = models.PositiveSmallIntegerField(
        _("funded delegates per country"), default=2, validators=[MinValueValidator(1)]
    )
    nomination_deadline = models.DateField(_("nomination deadline"), null=True, blank=True)
    funds_other_developing = models.BooleanField(
        _("other developing countries may be funded after LDCs"), default=False
    )
    mandate = models.CharField(_("mandate"), max_length=300, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(max_funded_per_country__gte=1), name="event_cap_at_least_one"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class EventSession(models.Model):
    class Kind(models.TextChoices):
        PLENARY = "plenary", _("Plenary")
        ROUND_TABLE = "round_table", _("Round table")
        CLOSING = "closing", _("Closing plenary")
        OTHER = "other", _("Other")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("event")
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = TranslatedCharField(_("title"), max_length=200, blank=True)
    title_i18n = TranslationsField(_("title in other languages"), for_field="title")

    class Meta:
        ordering = ["event", "date", "starts_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["event", "date", "starts_at", "kind"], name="session_unique_slot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.starts_at:%H:%M}–{self.ends_at:%H:%M} {self.get_kind_display()}"
