"""Travel grants: what the grant pages show, filtered as a partner needs, with
the delegate's personal data only for those the pages show it to."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from api.pagination import cursor_pagination
from api.query import DateRangeQuery
from api.rows import grants as rows
from api.scopes import Scope
from api.serializers.errors import DETAIL, responses
from api.serializers.grants import GrantSerializer
from api.views.base import BooksView
from grants import queries
from grants.models import GrantState


class GrantQuery(DateRangeQuery):
    def get_fields(self):
        fields = super().get_fields()
        fields["event"] = serializers.CharField(required=False, max_length=20)
        fields["fund"] = serializers.CharField(required=False, max_length=20)
        fields["state"] = serializers.ChoiceField(required=False, choices=GrantState.choices)
        fields["country"] = serializers.CharField(
            required=False,
            validators=[
                RegexValidator(r"^[A-Z]{2}$", _("Give the country as its ISO 3166 code: NP, HT…"))
            ],
        )
        return fields


class GrantsView(BooksView):
    """A read of travel grants: the ``grants:read`` scope and a role that reads
    the grant pages. Every grant such a reader may open is visible."""

    required_scope = Scope.READ_GRANTS
    serializer_class = GrantSerializer

    def get_queryset(self):
        return queries.grants_with_people()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["personal"] = queries.reads_personal_data(self.request.user)
        return context

    def serialized(self, grants, *, many: bool):
        rows = list(grants) if many else [grants]
        context = self.get_serializer_context()
        context["signatures"] = queries.signatures_by_grant(grant.pk for grant in rows)
        return GrantSerializer(grants, many=many, context=context).data


GRANT_FILTERS = [
    OpenApiParameter("event", OpenApiTypes.STR, description=_("Only this event's (its code).")),
    OpenApiParameter("fund", OpenApiTypes.STR, description=_("Only this fund's (its code).")),
    OpenApiParameter(
        "state",
        OpenApiTypes.STR,
        enum=GrantState.values,
        description=_("Only grants in this state."),
    ),
    OpenApiParameter(
        "country",
        OpenApiTypes.STR,
        description=_("Only this nominating country's (ISO 3166 code)."),
    ),
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description=_("Departing on this day or later (YYYY-MM-DD)."),
    ),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, description=_("Departing on this day or earlier (YYYY-MM-DD).")
    ),
]


@extend_schema(
    responses=responses(GrantSerializer(many=True)),
    summary=_("Travel grants"),
    parameters=GRANT_FILTERS,
)
class GrantList(GrantsView, generics.ListAPIView):
    """Travel grants by reference; ``from``/``to`` filter the departure date.
    Three queries a page whatever its size: the grants with their event,
    fund, country and nominator, and their signatures."""

    query_class = GrantQuery
    pagination_class = cursor_pagination("reference")
    filter_by = {
        "event": "event__code",
        "fund": "event__fund__code",
        "state": "state",
        "country": "country_id",
        "from": "depart_on__gte",
        "to": "depart_on__lte",
    }

    list_rows = staticmethod(queries.grants_with_people)

    def get_queryset(self):  # GrantsView's is a detail's
        return self.narrowed(self.list_rows())

    def list(self, request, *args, **kwargs):
        page = self.values_page(rows.grants)
        personal = queries.reads_personal_data(request.user)
        return self.get_paginated_response(rows.grants(page, personal=personal))


@extend_schema(
    responses={
        **responses(GrantSerializer),
        404: OpenApiResponse(DETAIL, description=_("No grant with this id that you may read.")),
    },
    summary=_("A travel grant"),
    # Read as text, so that an id that is not a number is this API's 404.
    parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
)
class GrantDetail(GrantsView, generics.RetrieveAPIView):
    """One grant, by its id (``id`` in the list); one the caller may not read is a 404."""

    def retrieve(self, request, *args, **kwargs):
        return Response(self.serialized(self.get_object(), many=False))
