from __future__ import annotations

from rest_framework import serializers

from fundmgr.models import ExchangeRate


class ExchangeRateSerializer(serializers.ModelSerializer):
    """A UN operational rate: units of ``currency`` per US dollar, as a string."""

    units_per_usd = serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=True)

    class Meta:
        model = ExchangeRate
        fields = [
            "id",
            "currency",
            "effective_date",
            "units_per_usd",
            "illustrative",
            "source",
            "revises",
            "reason",
            "imported_at",
        ]
        read_only_fields = fields
