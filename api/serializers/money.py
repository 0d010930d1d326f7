"""Money as the API shows it: the amount as a string, to the currency's minor
unit, with its currency; never a float."""

from __future__ import annotations

from decimal import Decimal
from operator import attrgetter

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fundmgr.money import round_amount


def money_json(amount: Decimal, code: str) -> dict[str, str]:
    """The one way the API writes money: ``amount`` rounded to the minor unit
    of ``code`` (``fundmgr.money.round_amount``), as a string, with ``code``."""
    return {"amount": format(round_amount(amount, code), "f"), "currency": code}


class MoneySerializer(serializers.Serializer):
    amount = serializers.CharField(
        help_text=_("A decimal number as a string, to the currency's minor unit: “1234.50”.")
    )
    currency = serializers.CharField(help_text=_("ISO 4217 code: “USD”."))

    def to_representation(self, instance):
        return money_json(instance.amount, instance.currency.code)


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
        return money_json(self.amount_of(value), str(self.currency_of(value)))
