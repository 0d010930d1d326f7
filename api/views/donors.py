"""Donors, pledges with their schedules, and receipts: what the pledge
register and a pledge's page show, to the same people (the books' readers,
``fundmgr.roles.BOOK_READERS``, through the ``books:read`` scope), read with
the register's own selector (``PledgeQuerySet.for_table``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from api.pagination import cursor_pagination
from api.query import DONOR, FROM, FUND, TO, DateRangeQuery, fund_field, id_field
from api.rows import books as rows
from api.serializers.donors import DonorSerializer, PledgeSerializer, ReceiptSerializer
from api.serializers.errors import responses
from api.views.base import ID, BooksView, ByIdMixin
from donors.models import Donor, Pledge, Receipt


class PledgeQuery(DateRangeQuery):
    def get_fields(self):
        fields = super().get_fields()
        fields["fund"] = fund_field()
        fields["donor"] = id_field()
        fields["status"] = serializers.ChoiceField(Pledge.Status.choices, required=False)
        return fields


class ReceiptQuery(DateRangeQuery):
    def get_fields(self):
        fields = super().get_fields()
        fields["fund"] = fund_field()
        fields["donor"] = id_field()
        return fields


def _pledges():
    """The register's rows with what each received (no query of its own)."""
    return Pledge.objects.for_table().with_public_value()


def _receipts():
    return Receipt.objects.select_related("fund", "donor", "pledge")


@extend_schema(
    responses=responses(PledgeSerializer(many=True)),
    summary=_("Pledges"),
    parameters=[
        FUND,
        DONOR,
        OpenApiParameter(
            "status",
            OpenApiTypes.STR,
            enum=Pledge.Status.values,
            description=_("Only pledges in this status."),
        ),
        FROM,
        TO,
    ],
)
class PledgeList(BooksView, generics.ListAPIView):
    """Pledges with their instalments, newest pledge date first; ``from``/``to``
    filter the pledge date. Two queries per page."""

    query_class = PledgeQuery
    serializer_class = PledgeSerializer
    pagination_class = cursor_pagination("-pledge_date", "-id")
    filter_by = {
        "fund": "fund__code",
        "donor": "donor_id",
        "status": "status",
        "from": "pledge_date__gte",
        "to": "pledge_date__lte",
    }

    list_rows = staticmethod(_pledges)

    def list(self, request, *args, **kwargs):
        return self.get_paginated_response(rows.pledges(self.values_page(rows.pledges)))


@extend_schema(
    parameters=[ID],
    summary=_("A pledge"),
    responses=responses(PledgeSerializer, not_found=_("No pledge with this id.")),
)
class PledgeDetail(ByIdMixin, BooksView, generics.RetrieveAPIView):
    serializer_class = PledgeSerializer

    def get_queryset(self):
        return _pledges()


@extend_schema(
    responses=responses(ReceiptSerializer(many=True)),
    summary=_("Receipts"),
    parameters=[FUND, DONOR, FROM, TO],
)
class ReceiptList(BooksView, generics.ListAPIView):
    """Money received, newest value date first; ``from``/``to`` filter the
    value date. One query per page."""

    query_class = ReceiptQuery
    serializer_class = ReceiptSerializer
    pagination_class = cursor_pagination("-value_date", "-id")
    filter_by = {
        "fund": "fund__code",
        "donor": "donor_id",
        "from": "value_date__gte",
        "to": "value_date__lte",
    }

    list_rows = staticmethod(_receipts)

    def list(self, request, *args, **kwargs):
        return self.get_paginated_response(rows.receipts(self.values_page(rows.receipts)))


@extend_schema(
    responses=responses(DonorSerializer(many=True)),
    summary=_("Donors"),
)
class DonorList(BooksView, generics.ListAPIView):
    """Every donor, oldest record first. One query per page."""

    serializer_class = DonorSerializer
    pagination_class = cursor_pagination("id")
    list_rows = staticmethod(Donor.objects.all)

    def list(self, request, *args, **kwargs):
        return self.get_paginated_response(rows.donors(self.values_page(rows.donors)))


@extend_schema(
    parameters=[ID],
    summary=_("A donor"),
    responses=responses(DonorSerializer, not_found=_("No donor with this id.")),
)
class DonorDetail(ByIdMixin, BooksView, generics.RetrieveAPIView):
    serializer_class = DonorSerializer
    queryset = Donor.objects.all()
