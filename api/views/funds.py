"""Funds with their position, and a fund's financial statement: the figures
of the fund page and the statement page, from the same services."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.pagination import cursor_pagination
from api.query import AS_OF, FROM, AsOfQuery, StatementQuery, as_of
from api.serializers.errors import responses
from api.serializers.funds import FundPositionSerializer
from api.serializers.statement import StatementSerializer
from api.views.base import BooksView
from fundmgr.models import Fund
from fundmgr.services.funds import positions
from reports.services.statement import StatementError, fund_statement


@extend_schema(
    parameters=[AS_OF],
    summary=_("Funds with their position"),
    responses=responses(FundPositionSerializer(many=True)),
)
class FundList(BooksView, generics.ListAPIView):
    """Every fund with its headline position as of a day (the fund page's
    figures): three queries per page whatever its size."""

    serializer_class = FundPositionSerializer
    query_class = AsOfQuery
    pagination_class = cursor_pagination("code")
    queryset = Fund.objects.all()

    def list(self, request, *args, **kwargs):
        day = as_of(self.query)
        page = self.paginate_queryset(self.get_queryset())
        data = self.get_serializer(positions(page, day), many=True).data
        return self.get_paginated_response(data)


@extend_schema(
    parameters=[AS_OF],
    summary=_("A fund with its position"),
    responses=responses(FundPositionSerializer, not_found=True),
)
class FundDetail(BooksView, generics.RetrieveAPIView):
    serializer_class = FundPositionSerializer
    query_class = AsOfQuery
    queryset = Fund.objects.all()
    lookup_field = "code"

    def retrieve(self, request, *args, **kwargs):
        day = as_of(self.query)
        fund = self.get_object()
        return Response(self.get_serializer(positions([fund], day)[0]).data)


@extend_schema(
    parameters=[AS_OF, FROM],
    summary=_("A fund's financial statement"),
    responses=responses(StatementSerializer, not_found=True),
)
class FundStatement(BooksView, generics.RetrieveAPIView):
    """The financial statement of the statement page: the period from ``from``
    (the fund's first entry if omitted) to ``as_of`` (today if omitted)."""

    serializer_class = StatementSerializer
    query_class = StatementQuery
    queryset = Fund.objects.all()

    def retrieve(self, request, *args, **kwargs):
        query = self.query
        fund = get_object_or_404(Fund, code=kwargs["code"])
        try:
            statement = fund_statement(fund, as_of(query), query.get("from"))
        except StatementError as bad:
            raise ValidationError({"from": [str(bad)]}) from None
        return Response(self.get_serializer(statement).data)
