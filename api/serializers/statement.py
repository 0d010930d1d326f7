from __future__ import annotations

from rest_framework import serializers

from api.serializers.funds import FundPositionSerializer
from api.serializers.money import MoneySerializer


class DonorContributionSerializer(serializers.Serializer):
    donor_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    kind = serializers.CharField()
    amount = MoneySerializer()
    originals = MoneySerializer(many=True)


class AgeingBandSerializer(serializers.Serializer):
    label = serializers.CharField()
    amount = MoneySerializer()


class StatementSerializer(serializers.Serializer):
    """The fund's financial statement (reports.services.statement.FundStatement)."""

    fund = serializers.CharField(source="fund.code")
    currency = serializers.CharField()
    period_start = serializers.DateField()
    as_of = serializers.DateField()
    opening = MoneySerializer()
    contributions = MoneySerializer()
    contributions_by_donor = DonorContributionSerializer(many=True)
    interest = MoneySerializer()
    fx_gains = MoneySerializer()
    other_income = MoneySerializer()
    total_income = MoneySerializer()
    fx_losses = MoneySerializer()
    expenditure = MoneySerializer()
    psc = MoneySerializer()
    donor_refunds = MoneySerializer()
    bank_fees = MoneySerializer()
    card_fees = MoneySerializer()
    other_expenses = MoneySerializer()
    total_charges = MoneySerializer()
    closing = MoneySerializer()
    balances = serializers.BooleanField()
    position = FundPositionSerializer()
    receivable = MoneySerializer()
    receivable_due = MoneySerializer()
    receivable_not_due = MoneySerializer()
    receivable_unallocated = MoneySerializer()
    ageing = AgeingBandSerializer(many=True)
    cash_received = MoneySerializer()
