"""A travel grant as the API shows it: what the grant pages show, amounts as
money in the fund's currency, and its delegate's personal data only to those
the grant pages show it to (``grants.queries.PERSONAL_DATA_READERS``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from api.serializers.money import MoneySerializer
from fundmgr.money import Money
from grants.models import Grant, GrantState

#: The API's name for each amount, and the grant's field that holds it
#: (docs/grants-workflow.md, "The grant's money fields follow the ledger").
AMOUNTS = {
    "airfare": "airfare",
    "dsa": "dsa_amount",
    "terminal": "terminal_amount",
    "cost": "cost",
    "psc": "psc_amount",
    "approved": "approved_amount",
    "committed": "committed_amount",
    "advance": "advance_amount",
    "actual_cost": "actual_cost",
    "balance_paid": "balance_paid",
    "refunded_by_traveller": "traveller_refunded",
}

AMOUNTS_SCHEMA = inline_serializer("GrantAmounts", {name: MoneySerializer() for name in AMOUNTS})


def person_name(user) -> str:
    """A person as the grant page names them."""
    return user.get_full_name() or user.get_username()


class SignatureSerializer(serializers.Serializer):
    level = serializers.CharField(help_text=_("The approval level signed: “certify”, “approve”…"))
    signed_by = serializers.CharField(source="signer")
    signed_at = serializers.DateTimeField()

    def to_representation(self, instance):
        return {
            "level": instance.level,
            "signed_by": person_name(instance.signer),
            "signed_at": serializers.DateTimeField().to_representation(instance.signed_at),
        }


class DelegateSerializer(serializers.Serializer):
    """The delegate's personal data, as the grant page shows it."""

    name = serializers.CharField(source="nominee_name")
    title = serializers.CharField(source="nominee_title")
    gender = serializers.CharField()
    email = serializers.CharField(source="nominee_email")
    departure_city = serializers.CharField()
    departure_airport = serializers.CharField()
    note_verbale = serializers.SerializerMethodField(
        help_text=_("Whether the note verbale is on file (read it on the grant's page).")
    )
    boarding_passes = serializers.SerializerMethodField(
        help_text=_("Whether the boarding passes are on file (read them on the grant's page).")
    )

    def get_note_verbale(self, grant) -> bool:
        return bool(grant.note_verbale)

    def get_boarding_passes(self, grant) -> bool:
        return bool(grant.boarding_passes)


class GrantSerializer(serializers.ModelSerializer):
    """``context["signatures"]`` maps each grant's pk to its signatures (read
    for the whole page in one query); ``context["personal"]`` says whether the
    caller reads delegates' personal data."""

    event = serializers.CharField(source="event.code")
    fund = serializers.CharField(source="event.fund.code")
    currency = serializers.CharField(source="event.fund.base_currency")
    state = serializers.ChoiceField(choices=GrantState.choices)
    country = serializers.CharField(source="country_id", help_text=_("ISO 3166 code."))
    amounts = serializers.SerializerMethodField()
    nominated_by = serializers.SerializerMethodField()
    eligibility_reasons = serializers.ListField(
        source="eligibility_reasons_shown",
        child=serializers.CharField(),
        help_text=_("Why the country is eligible or not, in the language asked for."),
    )
    routing_note = serializers.CharField(
        source="routing_shown",
        help_text=_("Why the airfare's routing was chosen, in the language asked for."),
    )
    signatures = serializers.SerializerMethodField()
    delegate = serializers.SerializerMethodField(
        help_text=_(
            "The delegate's personal data; null for a caller whose roles do not show it "
            "on the grant pages."
        )
    )

    class Meta:
        model = Grant
        fields = [
            "id",
            "reference",
            "event",
            "fund",
            "state",
            "country",
            "priority",
            "ldc_on_eligibility_date",
            "eligibility_reasons",
            "depart_on",
            "return_on",
            "currency",
            "amounts",
            "routing_note",
            "psc_pct",
            "nominated_by",
            "signatures",
            "delegate",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AMOUNTS_SCHEMA)
    def get_amounts(self, grant) -> dict:
        currency = grant.event.fund.base_currency
        money = MoneySerializer()
        return {
            name: money.to_representation(Money(getattr(grant, field), currency))
            for name, field in AMOUNTS.items()
        }

    def get_nominated_by(self, grant) -> str:
        return person_name(grant.nominated_by)

    @extend_schema_field(SignatureSerializer(many=True))
    def get_signatures(self, grant) -> list:
        signatures = self.context["signatures"].get(grant.pk, [])
        return SignatureSerializer(signatures, many=True).data

    @extend_schema_field(DelegateSerializer(allow_null=True))
    def get_delegate(self, grant):
        if not self.context["personal"]:
            return None
        return DelegateSerializer(grant).data
