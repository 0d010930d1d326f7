"""The API's one permission: the token's scope AND its owner's roles today.

The roles come from ``api.scopes.SCOPE_ROLES``, which names the very tuples
the pages check (``fundmgr.roles``): no second copy of a role rule. Roles are
read afresh on every request, so a role removed is a right removed."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from api.models import ApiToken
from api.scopes import Scope, may_use


class TokenScopePermission(BasePermission):
    """The view names its ``required_scope``; a view that names none is refused."""

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False  # DRF answers 401: no credentials, or not a token
        scope = getattr(view, "required_scope", None)
        if scope is None:
            return False
        label = Scope(scope).label
        if scope not in token.scopes:
            self.message = _("This token does not have the scope “%(scope)s” (%(label)s).") % {
                "scope": scope,
                "label": label,
            }
            return False
        if not may_use(request.user, scope):
            self.message = _(
                "Your roles no longer allow “%(scope)s” (%(label)s): the token has no more "
                "rights than its owner."
            ) % {"scope": scope, "label": label}
            return False
        return True
