"""What every API view shares: the token authentication, the one permission
(scope and roles today), the per-token rate limit, JSON only, and the audit
record of every call (settings.REST_FRAMEWORK names the first three); and its
query parameters read through one serializer, ``query_class``."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty

from api.audit import AuditedMixin
from api.rows import Reads
from api.scopes import Scope
from api.serializers.errors import flat_errors


class BooksView(AuditedMixin, generics.GenericAPIView):
    """A read of the books: the ``books:read`` scope and a book-reading role."""

    required_scope = Scope.READ_BOOKS
    query_class: type[serializers.Serializer] = serializers.Serializer
    #: A list's filters: each query parameter and the lookup it filters by.
    filter_by: dict[str, str] = {}
    #: A list's rows before a call narrows them (``narrowed``), when they are
    #: the same query for every call: ``values_page`` then reads them through
    #: a values query made once a process (``Rows.values_of``).
    list_rows: Callable[[], QuerySet] | None = None

    def initial(self, request, *args, **kwargs):
        """After authentication, permission and throttling: the query
        parameters, validated into ``self.query``. A parameter the operation
        does not know is a 400 (a misspelt ``form`` for ``from`` would
        otherwise quietly return everything)."""
        super().initial(request, *args, **kwargs)
        paging: set[str] = set()
        if self.pagination_class is not None:
            paginator = self.paginator
            paging = {paginator.cursor_query_param, paginator.page_size_query_param}
        if set(request.query_params) <= paging and _takes_nothing(self.query_class):
            # No filter given (a partner's usual call) and none has a
            # default: nothing to read, and no serializer built to say so.
            self.query = {}
            return
        # A plain dict, not the QueryDict: DRF reads an empty "to=" in a
        # QueryDict as no value at all; here it is a date that is not one.
        query = self.query_class(data=request.query_params.dict())
        known = set(query.fields) | paging
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise ValidationError(
                {
                    name: [
                        _("Not a parameter of this operation; it takes: %(known)s.")
                        % {"known": ", ".join(sorted(known)) or _("none")}
                    ]
                    for name in unknown
                }
            )
        if not query.is_valid():
            raise ValidationError(flat_errors(query.errors))
        self.query = query.validated_data

    def values_page(self, rows: Reads) -> list[dict]:
        """A page of ``get_queryset()`` read as ``rows.values`` reads it, for a
        list written by ``api.rows`` (no model built, nothing prefetched: the
        rows writers read what a page needs besides). A list with
        ``list_rows`` reads ``narrowed(list_rows())`` so, its values query
        made once."""
        if self.list_rows is None:
            return self.paginate_queryset(rows.values(self.get_queryset().prefetch_related(None)))
        return self.paginate_queryset(self.narrowed(rows.values_of(self.list_rows)))

    def get_queryset(self):
        """A list with ``list_rows``: those rows as this call reads them."""
        if self.list_rows is not None:
            return self.narrowed(self.list_rows())
        return super().get_queryset()

    def narrowed(self, queryset):
        """A list's rows (``list_rows``) as this call reads them: its filters;
        a list of the caller's own rows says so here too."""
        return self.filtered(queryset)

    def filtered(self, queryset):
        """``queryset`` narrowed by the filters the call gave (``filter_by``)."""
        given = {
            lookup: self.query[name]
            for name, lookup in self.filter_by.items()
            if name in self.query
        }
        return queryset.filter(**given)


@functools.cache
def _takes_nothing(query_class: type[serializers.Serializer]) -> bool:
    """True when ``query_class`` reads nothing from no parameters: none is
    required, none has a default (a default of today must be read on the
    day of each call) and its ``validate`` adds none."""
    query = query_class(data={})
    return (
        all(not field.required and field.default is empty for field in query.fields.values())
        and query.is_valid()
        and not query.validated_data
    )


#: The path parameter of a detail operation: a row's id.
ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


class ByIdMixin:
    """A detail read by ``id`` among the rows the caller may see
    (``get_queryset``): anything else, an id that is not one included, is the
    same 404, so the answer never tells a hidden row from a missing one. The
    URL takes any text (``<str:id>``) so that a malformed id is this JSON 404,
    not the site's HTML page."""

    def get_object(self):
        raw = self.kwargs["id"]
        # Ids are positive: 0 stands for an id that is not one (too long for
        # the column, or not digits), which finds nothing.
        pk = int(raw) if re.fullmatch(r"[0-9]{1,18}", raw) else 0
        return get_object_or_404(self.get_queryset(), pk=pk)
