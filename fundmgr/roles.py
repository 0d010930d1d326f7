"""Roles are Django groups, created by migration; this module names them and
answers "may this person do this?" for views and services alike."""

from __future__ import annotations

from collections.abc import Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from fundmgr import extensions
from fundmgr.sentences import Sentence, define


class Role(models.TextChoices):
    DONOR = "donor", _("Donor")
    FUND_OFFICER = "fund_officer", _("Fund officer (certifying)")
    APPROVING_OFFICER = "approving_officer", _("Approving officer")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    AUDITOR = "auditor", _("Auditor (read-only)")
    ADMINISTRATOR = "administrator", _("Administrator")
    FOCAL_POINT = "focal_point", _("Country focal point (permanent mission)")


#: Roles that may read every fund's books (the auditor reads, never writes).
BOOK_READERS = (
    Role.FUND_OFFICER,
    Role.APPROVING_OFFICER,
    Role.FINANCE_OFFICER,
    Role.AUDITOR,
    Role.ADMINISTRATOR,
)


def roles_of(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_fundmgr_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._fundmgr_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


#: The refusal of a role that may not (a sentence: the audit trail keeps its code).
ROLE_REFUSED = define("refused.role", _("Your role does not allow this."))


def require_role(user, *roles: str) -> None:
    """Raise PermissionDenied unless the user holds one of ``roles``."""
    if not has_role(user, *roles):
        raise PermissionDenied(Sentence(ROLE_REFUSED))


def role_required(*roles: str):
    """View decorator: sign in first, then hold one of ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require_role(request.user, *roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def role_labels(names: Iterable[str]) -> list[str]:
    labels = dict(Role.choices)
    return [str(labels[name]) for name in sorted(names) if name in labels]


def roles_context(request):
    roles = roles_of(request.user)
    return {
        "user_roles": roles,
        "user_role_labels": role_labels(roles),
        "can_read_books": bool(roles & set(BOOK_READERS)),
        "is_auditor": Role.AUDITOR in roles,
        # The link to their e-mail notifications (fundmgr.views_notices).
        "receives_notices": any(roles & set(kind.roles) for kind in extensions.notice_kinds()),
    }
