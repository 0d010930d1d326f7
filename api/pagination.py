"""Cursor pagination: stable pages however many rows are added meanwhile."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request) -> int:
        """``page_size`` from 1 to ``max_page_size``; anything else is a 400
        (DRF would quietly use the default)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number of rows from 1 to %(most)d.")
                        % {"most": self.max_page_size}
                    ]
                }
            )
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def decode_cursor(self, request):
        """A cursor the API did not give is the request's fault (400), not a
        missing page (DRF's 404)."""
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise bad_cursor() from None

    def paginate_queryset(self, queryset, request, view=None):
        """A well-formed cursor whose position is not a value of the ordering's
        field (a date that is not one) fails when the page's filter is built."""
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, TypeError):
            if request.query_params.get(self.cursor_query_param):
                raise bad_cursor() from None
            raise


def bad_cursor() -> ValidationError:
    return ValidationError(
        {"cursor": [_("This is not a cursor the API gave: follow the next and previous links.")]}
    )


def cursor_pagination(*ordering: str) -> type[ApiCursorPagination]:
    """A pagination ordered by ``ordering`` (its first field places the cursor)."""
    return type("CursorPagination", (ApiCursorPagination,), {"ordering": ordering})
