from __future__ import annotations

from rest_framework import serializers

from fundmgr.models import Event, EventSession


class EventSessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EventSession
        fields = ["date", "starts_at", "ends_at", "kind", "title"]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    fund = serializers.CharField(source="fund.code", read_only=True)
    country = serializers.CharField(source="country_id", read_only=True)
    sessions = EventSessionSerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "code",
            "name",
            "fund",
            "starts_on",
            "ends_on",
            "venue",
            "city",
            "country",
            "eligibility_date",
            "nomination_deadline",
            "max_funded_per_country",
            "sessions",
        ]
        read_only_fields = fields
