"""Donors, their pledges with the instalments, and receipts, as the pledge
register and a pledge's page show them to those who read the books."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.money import MoneyOfField, MoneySerializer
from donors.models import Donor, Instalment, Pledge, Receipt


class DonorSerializer(serializers.ModelSerializer):
    """A donor with the fields a pledge's page shows (its e-mail included) and
    the IATI organisation identifier the fund's IATI file names."""

    country = serializers.CharField(source="country_id", read_only=True, allow_null=True)

    class Meta:
        model = Donor
        fields = [
            "id",
            "name",
            "kind",
            "country",
            "email",
            "iati_identifier",
            "listed_publicly",
            "created_at",
        ]
        read_only_fields = fields


class DonorRefSerializer(serializers.ModelSerializer):
    """The donor a pledge or a receipt is from (``/donors/{id}/`` for the rest)."""

    class Meta:
        model = Donor
        fields = ["id", "name"]
        read_only_fields = fields


class InstalmentSerializer(serializers.ModelSerializer):
    amount = MoneySerializer()

    class Meta:
        model = Instalment
        fields = ["sequence", "amount", "due_date"]
        read_only_fields = fields


class ContactSerializer(serializers.Serializer):
    """The person letters and e-mails about a pledge greet, as the pledge's
    page shows them to those who read the books."""

    name = serializers.CharField(source="contact_name")
    family_name = serializers.CharField(source="contact_family_name")
    form_of_address = serializers.CharField(
        source="contact_form_of_address",
        help_text=_("“ms”, “mr”, “mx”, “dr”, “he” (His or Her Excellency), or empty."),
    )
    title = serializers.CharField(source="contact_title")


#: The pledge's columns of its contact person, as ContactSerializer names them.
CONTACT_COLUMNS = {
    "name": "contact_name",
    "family_name": "contact_family_name",
    "form_of_address": "contact_form_of_address",
    "title": "contact_title",
}


def contact_of(values) -> dict[str, str] | None:
    """The contact person from a pledge's columns (a mapping); None when the
    pledge names none (letters then greet the donor)."""
    if not values["contact_name"]:
        return None
    return {name: values[column] for name, column in CONTACT_COLUMNS.items()}


class PledgeSerializer(serializers.ModelSerializer):
    """A pledge as the register shows it, with its schedule: ``amount`` in the
    pledge's currency, ``base_amount`` in the fund's at the pledge date's
    rate, ``received`` what receipts applied to it (the pledge's currency)."""

    fund = serializers.CharField(source="fund.code", read_only=True)
    donor = DonorRefSerializer(read_only=True)
    appeal = serializers.CharField(source="appeal.slug", read_only=True, allow_null=True)
    amount = MoneySerializer()
    base_amount = MoneyOfField("base_amount", "fund.base_currency")
    received = MoneyOfField("paid", "amount.currency.code")
    instalments = InstalmentSerializer(many=True, read_only=True)
    contact = serializers.SerializerMethodField()

    class Meta:
        model = Pledge
        fields = [
            "id",
            "reference",
            "source_reference",
            "fund",
            "donor",
            "appeal",
            "pledge_date",
            "amount",
            "base_amount",
            "received",
            "method",
            "status",
            "agreement_signed",
            "confirmed",
            "held_for_review",
            "instalments",
            "contact",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, pledge) -> dict[str, str] | None:
        return contact_of(vars(pledge))


class ReceiptSerializer(serializers.ModelSerializer):
    """Money received: ``amount`` as it came (its own currency), ``base_amount``
    in the fund's currency at the value date's rate; ``entry`` is the journal
    entry that booked it."""

    fund = serializers.CharField(source="fund.code", read_only=True)
    donor = DonorRefSerializer(read_only=True)
    pledge = serializers.IntegerField(source="pledge_id", read_only=True, allow_null=True)
    pledge_reference = serializers.CharField(
        source="pledge.reference", read_only=True, allow_null=True
    )
    amount = MoneySerializer()
    base_amount = MoneyOfField("base_amount", "fund.base_currency")
    entry = serializers.IntegerField(source="entry_id", read_only=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "number",
            "fund",
            "donor",
            "pledge",
            "pledge_reference",
            "value_date",
            "amount",
            "base_amount",
            "method",
            "external_reference",
            "entry",
            "created_at",
        ]
        read_only_fields = fields
