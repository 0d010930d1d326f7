"""Funds, their programme support cost rates and their accounts."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fundmgr.chart import DEBIT_NORMAL, AccountKey, AccountKind
from fundmgr.translated import TranslatedCharField, TranslatedTextField, TranslationsField

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]*$", _("Use capital letters, digits, dashes and underscores.")
)


class Fund(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True, validators=[code_validator])
    name = TranslatedCharField(_("name"), max_length=200)
    name_i18n = TranslationsField(_("name in other languages"), for_field="name")
    base_currency = models.CharField(_("base currency"), max_length=3, default="USD")
    operating_reserve_pct = models.DecimalField(
        # xgettext:no-python-format
        _("operating reserve (% of cash held)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    description = TranslatedTextField(_("description"), blank=True)
    description_i18n = TranslationsField(
        _("description in other languages"), for_field="description", multiline=True
    )
    bank_instructions = TranslatedTextField(
        _("bank instructions for donors"),
        blank=True,
        help_text=_("Account name, bank, IBAN or account number, SWIFT/BIC."),
    )
    bank_instructions_i18n = TranslationsField(
        _("bank instructions in other languages"), for_field="bank_instructions", multiline=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        constraints = [
            models.CheckConstraint(
                condition=Q(operating_reserve_pct__gte=0, operating_reserve_pct__lte=100),
                name="reserve_pct_between_0_and_100",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def psc_rate_on(self, day: datetime.date) -> PscRate:
        rate = self.psc_rates.filter(effective_from__lte=day).order_by("-effective_from").first()
        if rate is None:
            raise PscRate.DoesNotExist(f"fund {self.code} has no PSC rate in force on {day}")
        return rate

    def account(self, key: AccountKey | str) -> Account:
        return self.accounts.get(key=key)


class PscRate(models.Model):
    """Programme support cost charged on expenditure, from a date on."""

    fund = models.ForeignKey(
        Fund, on_delete=models.CASCADE, related_name="psc_rates", verbose_name=_("fund")
    )
    rate_pct = models.DecimalField(
        _("rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["fund", "-effective_from"]
        verbose_name = _("PSC rate")
        verbose_name_plural = _("PSC rates")
        constraints = [
            models.UniqueConstraint(fields=["fund", "effective_from"], name="one_psc_rate_per_day"),
            models.CheckConstraint(
                condition=Q(rate_pct__gte=0, rate_pct__lte=100), name="psc_pct_between_0_and_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rate_pct}% from {self.effective_from}"

    @property
    def fraction(self) -> Decimal:
        return self.rate_pct / Decimal(100)


class Account(models.Model):
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("fund")
    )
    code = models.CharField(_("code"), max_length=10)
    key = models.CharField(_("purpose"), max_length=40, choices=AccountKey.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    segregated = models.BooleanField(
        _("kept apart from the trust fund"),
        default=False,
        help_text=_("Host-country accounts: never in a trust-fund entry or statement."),
    )

    class Meta:
        ordering = ["fund", "code"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(fields=["fund", "code"], name="account_code_unique_in_fund"),
            models.UniqueConstraint(fields=["fund", "key"], name="account_key_unique_in_fund"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.get_key_display()}"

    @property
    def debit_normal(self) -> bool:
        return self.kind in DEBIT_NORMAL
