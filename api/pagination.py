"""Cursor pagination: stable pages however many rows are added meanwhile."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def cursor_pagination(*ordering: str) -> type[ApiCursorPagination]:
    """A pagination ordered by ``ordering`` (its first field places the cursor)."""
    return type("CursorPagination", (ApiCursorPagination,), {"ordering": ordering})
