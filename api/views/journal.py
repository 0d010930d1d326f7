"""Posted journal entries with their legs: the fund's journal page
(``fundmgr.views.fund_journal``), for the same readers, through its own
selector (``JournalEntryQuerySet.for_journal``). A draft is on no page: 404."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from api.pagination import cursor_pagination
from api.query import FROM, FUND, TO, DateRangeQuery, fund_field
from api.rows import books as rows
from api.serializers.errors import responses
from api.serializers.journal import JournalEntrySerializer
from api.views.base import ID, BooksView, ByIdMixin
from fundmgr.models import JournalEntry
from fundmgr.models.ledger import EntryKind


class JournalQuery(DateRangeQuery):
    def get_fields(self):
        fields = super().get_fields()
        fields["fund"] = fund_field()
        fields["kind"] = serializers.ChoiceField(EntryKind.choices, required=False)
        return fields


def _entries():
    """The journal page's rows, with the source's kind and what reversed each."""
    return JournalEntry.objects.for_journal().select_related("source_type", "reversed_by")


@extend_schema(
    responses=responses(JournalEntrySerializer(many=True)),
    summary=_("Journal entries"),
    parameters=[
        FUND,
        OpenApiParameter(
            "kind",
            OpenApiTypes.STR,
            enum=EntryKind.values,
            description=_("Only entries of this kind."),
        ),
        FROM,
        TO,
    ],
)
class JournalEntryList(BooksView, generics.ListAPIView):
    """Posted entries with their legs, newest transaction date first;
    ``from``/``to`` filter the transaction date. Two queries per page: the
    entries, their legs with their accounts."""

    query_class = JournalQuery
    serializer_class = JournalEntrySerializer
    pagination_class = cursor_pagination("-date", "-id")
    filter_by = {
        "fund": "fund__code",
        "kind": "kind",
        "from": "date__gte",
        "to": "date__lte",
    }

    list_rows = staticmethod(_entries)

    def list(self, request, *args, **kwargs):
        return self.get_paginated_response(rows.entries(self.values_page(rows.entries)))


@extend_schema(
    parameters=[ID],
    summary=_("A journal entry"),
    responses=responses(JournalEntrySerializer, not_found=_("No posted entry with this id.")),
)
class JournalEntryDetail(ByIdMixin, BooksView, generics.RetrieveAPIView):
    serializer_class = JournalEntrySerializer

    def get_queryset(self):
        return _entries()
