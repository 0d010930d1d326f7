"""Money as the API shows it: the amount as a string, to the currency's minor
unit, with its currency; never a float."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fundmgr.money import round_amount


class MoneySerializer(serializers.Serializer):
    amount = serializers.CharField(
        help_text=_("A decimal number as a string, to the currency's minor unit: “1234.50”.")
    )
    currency = serializers.CharField(help_text=_("ISO 4217 code: “USD”."))

    def to_representation(self, instance):
        code = instance.currency.code
        return {"amount": format(round_amount(instance.amount, code), "f"), "currency": code}
