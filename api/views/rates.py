from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from api.pagination import cursor_pagination
from api.query import FROM, TO, DateRangeQuery
from api.rows import books as rows
from api.serializers.errors import responses
from api.serializers.rates import ExchangeRateSerializer
from api.views.base import BooksView
from fundmgr.models import ExchangeRate


class RateQuery(DateRangeQuery):
    def get_fields(self):
        fields = super().get_fields()
        fields["currency"] = serializers.CharField(
            required=False,
            validators=[
                RegexValidator(
                    r"^[A-Z]{3}$", _("Give the currency as its ISO 4217 code: EUR, JPY…")
                )
            ],
        )
        return fields


@extend_schema(
    responses=responses(ExchangeRateSerializer(many=True)),
    summary=_("Exchange rates"),
    parameters=[
        OpenApiParameter(
            "currency", OpenApiTypes.STR, description=_("Only this currency (ISO 4217 code).")
        ),
        FROM,
        TO,
    ],
)
class ExchangeRateList(BooksView, generics.ListAPIView):
    """The UN operational rates in force (revisions that took a rate's place
    replace it), newest effective date first; ``from``/``to`` filter the
    effective date."""

    query_class = RateQuery
    serializer_class = ExchangeRateSerializer
    pagination_class = cursor_pagination("-effective_date", "currency", "-id")
    filter_by = {
        "currency": "currency",
        "from": "effective_date__gte",
        "to": "effective_date__lte",
    }

    list_rows = staticmethod(ExchangeRate.objects.current)

    def list(self, request, *args, **kwargs):
        return self.get_paginated_response(rows.rates(self.values_page(rows.rates)))
