"""What every API view shares: the token authentication, the one permission
(scope and roles today), the per-token rate limit, JSON only, and the audit
record of every call (settings.REST_FRAMEWORK names the first three)."""

from __future__ import annotations

from rest_framework import generics

from api.audit import AuditedMixin
from api.scopes import Scope


class BooksView(AuditedMixin, generics.GenericAPIView):
    """A read of the books: the ``books:read`` scope and a book-reading role."""

    required_scope = Scope.READ_BOOKS
