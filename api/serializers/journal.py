"""Posted journal entries with their legs, as the fund's journal page shows them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from api.serializers.money import MoneyOfField, MoneySerializer
from fundmgr.models import JournalEntry, Leg


class LegSerializer(serializers.ModelSerializer):
    """One line: ``debit`` and ``credit`` in the fund's currency (one of them
    zero), the ``original`` amount and currency it came from, and the rate
    used (units of the original currency per unit of the fund's) with its
    effective date."""

    account = serializers.CharField(source="account.code", read_only=True)
    account_purpose = serializers.CharField(source="account.key", read_only=True)
    debit = MoneyOfField("debit", "entry.fund.base_currency")
    credit = MoneyOfField("credit", "entry.fund.base_currency")
    original = MoneySerializer()
    rate = serializers.DecimalField(
        max_digits=20, decimal_places=6, coerce_to_string=True, read_only=True
    )

    class Meta:
        model = Leg
        fields = ["account", "account_purpose", "debit", "credit", "original", "rate", "rate_date"]
        read_only_fields = fields


class EntrySourceSerializer(serializers.Serializer):
    """The local record the entry was posted for: its kind
    (``app_label.model``) and id; null when it names none."""

    type = serializers.SerializerMethodField()
    id = serializers.IntegerField(source="source_id")

    def get_type(self, entry) -> str:
        return f"{entry.source_type.app_label}.{entry.source_type.model}"

    def to_representation(self, instance):
        if instance.source_type_id is None:
            return None
        return super().to_representation(instance)


class JournalEntrySerializer(serializers.ModelSerializer):
    fund = serializers.CharField(source="fund.code", read_only=True)
    source = EntrySourceSerializer(source="*", read_only=True, allow_null=True)
    reverses = serializers.IntegerField(source="reverses_id", read_only=True, allow_null=True)
    reversed_by = serializers.IntegerField(source="reversed_by.pk", read_only=True, allow_null=True)
    posted_by = serializers.CharField(source="actor", read_only=True)
    memo = serializers.CharField(
        source="memo_shown",
        read_only=True,
        help_text=gettext_lazy(
            "Why the entry was made, in the reader's language where the system wrote it; "
            "as typed where a person did."
        ),
    )
    legs = LegSerializer(many=True, read_only=True)

    class Meta:
        model = JournalEntry
        fields = [
            "id",
            "fund",
            "date",
            "kind",
            "memo",
            "source",
            "source_ref",
            "reverses",
            "reversed_by",
            "posted_by",
            "legs",
            "created_at",
        ]
        read_only_fields = fields
