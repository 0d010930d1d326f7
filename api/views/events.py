from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from api.pagination import cursor_pagination
from api.query import FROM, TO, DateRangeQuery
from api.rows import books as rows
from api.serializers.errors import responses
from api.serializers.events import EventSerializer
from api.views.base import BooksView
from fundmgr.models import Event, EventSession


class EventQuery(DateRangeQuery):
    def get_fields(self):
        fields = super().get_fields()
        fields["fund"] = serializers.CharField(required=False, max_length=20)
        return fields


def _events():
    """Events with their fund and sessions (a detail's; a list page reads its
    sessions itself: api.rows)."""
    return Event.objects.select_related("fund").prefetch_related(
        Prefetch("sessions", queryset=EventSession.objects.order_by("date", "starts_at"))
    )


@extend_schema(
    responses=responses(EventSerializer(many=True)),
    summary=_("Events"),
    parameters=[
        OpenApiParameter("fund", OpenApiTypes.STR, description=_("Only this fund's (its code).")),
        FROM,
        TO,
    ],
)
class EventList(BooksView, generics.ListAPIView):
    """The events the funds pay for, with their sessions, latest first;
    ``from``/``to`` filter the first day. Two queries per page."""

    query_class = EventQuery
    serializer_class = EventSerializer
    pagination_class = cursor_pagination("-starts_on", "code")
    filter_by = {
        "fund": "fund__code",
        "from": "starts_on__gte",
        "to": "starts_on__lte",
    }

    list_rows = staticmethod(_events)

    def list(self, request, *args, **kwargs):
        return self.get_paginated_response(rows.events(self.values_page(rows.events)))
