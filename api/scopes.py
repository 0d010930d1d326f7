"""What a personal API token may be used for, and which roles each scope needs.

The roles are the very tuples the pages check (``fundmgr.roles`` and the
services' own lists): a scope adds no right of its own, it narrows the token
to part of what its owner may do today."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fundmgr.roles import BOOK_READERS, has_role
from fundmgr.services.imports import ANY_IMPORT_ROLE


class Scope(models.TextChoices):
    READ_BOOKS = (
        "books:read",
        _(
            "Read the books (funds, statements, exchange rates, events, donors, pledges, "
            "receipts, journal entries)"
        ),
    )
    READ_GRANTS = "grants:read", _("Read travel grants")
    IMPORT_FILES = "imports:write", _("Import files")
    START_EXPORTS = "exports:start", _("Start exports")


#: The roles whose holders may use each scope: those the matching pages admit
#: (the books, grants and exports pages: every book reader; the import pages:
#: whoever may import some kind of file, each import checking its own kind).
SCOPE_ROLES: dict[str, tuple[str, ...]] = {
    Scope.READ_BOOKS: BOOK_READERS,
    Scope.READ_GRANTS: BOOK_READERS,
    Scope.IMPORT_FILES: ANY_IMPORT_ROLE,
    Scope.START_EXPORTS: BOOK_READERS,
}


def may_use(user, scope: str) -> bool:
    """True when ``user``'s roles today admit ``scope``."""
    return has_role(user, *SCOPE_ROLES[scope])


def scopes_for(user) -> list[str]:
    """The scopes ``user`` may give a token now: none for donors and focal points."""
    return [scope for scope in Scope.values if may_use(user, scope)]
