from __future__ import annotations

from rest_framework import serializers

from api.serializers.money import MoneySerializer


class FundPositionSerializer(serializers.Serializer):
    """A fund and its headline position (fundmgr.services.funds.FundPosition)."""

    code = serializers.CharField(source="fund.code")
    name = serializers.CharField(source="fund.name")
    base_currency = serializers.CharField(source="fund.base_currency")
    as_of = serializers.DateField()
    cash = MoneySerializer()
    pledges_receivable = MoneySerializer()
    contributions = MoneySerializer()
    expenditure = MoneySerializer()
    open_commitments = MoneySerializer()
    psc_on_commitments = MoneySerializer()
    operating_reserve = MoneySerializer()
    available_to_commit = MoneySerializer()
    travel_advances = MoneySerializer()
    psc_on_advances = MoneySerializer()
