"""What every API view shares: the token authentication, the one permission
(scope and roles today), the per-token rate limit, JSON only, and the audit
record of every call (settings.REST_FRAMEWORK names the first three); and its
query parameters read through one serializer, ``query_class``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError

from api.audit import AuditedMixin
from api.scopes import Scope


class BooksView(AuditedMixin, generics.GenericAPIView):
    """A read of the books: the ``books:read`` scope and a book-reading role."""

    required_scope = Scope.READ_BOOKS
    query_class: type[serializers.Serializer] = serializers.Serializer

    def initial(self, request, *args, **kwargs):
        """After authentication, permission and throttling: the query
        parameters, validated into ``self.query``. A parameter the operation
        does not know is a 400 (a misspelt ``form`` for ``from`` would
        otherwise quietly return everything)."""
        super().initial(request, *args, **kwargs)
        # A plain dict, not the QueryDict: DRF reads an empty "to=" in a
        # QueryDict as no value at all; here it is a date that is not one.
        query = self.query_class(data=request.query_params.dict())
        known = set(query.fields)
        if self.pagination_class is not None:
            paginator = self.paginator
            known |= {paginator.cursor_query_param, paginator.page_size_query_param}
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
        query.is_valid(raise_exception=True)
        self.query = query.validated_data
