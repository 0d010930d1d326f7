"""Money as the API shows it: the amount as a string, to the currency's minor
unit, with its currency; never a float."""

from __future__ import annotations

from operator import attrgetter

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
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


@extend_schema_field(MoneySerializer)
class MoneyOfField(serializers.Field):
    """A decimal column shown as money in a currency another attribute names
    (a base amount in its fund's currency): the same object as MoneySerializer."""

    def __init__(self, amount: str, currency: str, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)
        self.amount_of, self.currency_of = attrgetter(amount), attrgetter(currency)

    def to_representation(self, value):
        # What MoneySerializer writes, without a Money and a serializer made
        # for each value: two of each per leg made a journal page of 200
        # entries spend a third of its time here.
        code = str(self.currency_of(value))
        return {"amount": format(round_amount(self.amount_of(value), code), "f"), "currency": code}
