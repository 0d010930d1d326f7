"""Who must prove a second factor, and whose session is a staff session."""

from __future__ import annotations

from django.conf import settings

from fundmgr.roles import Role, roles_of

#: The roles that move money, sign grants or manage people: in production
#: (always) and wherever settings.FUNDMGR_REQUIRE_2FA is on, they never work on
#: a password alone.
SECOND_FACTOR_ROLES = frozenset(
    {Role.FUND_OFFICER, Role.APPROVING_OFFICER, Role.FINANCE_OFFICER, Role.ADMINISTRATOR}
)


def second_factor_required(user) -> bool:
    """True when ``user`` must be verified by a second factor before any page.
    The admin site's people (``is_staff``) count as administrators."""
    # Production requires it whatever FUNDMGR_REQUIRE_2FA says (settings.py
    # refuses to start with it off; this holds against a settings override too).
    required = settings.FUNDMGR_REQUIRE_2FA or settings.PRODUCTION
    if not required or not getattr(user, "is_authenticated", False):
        return False
    return bool(roles_of(user) & SECOND_FACTOR_ROLES) or user.is_staff or user.is_superuser


def is_staff_account(user) -> bool:
    """Anyone but a donor: officers, auditors, focal points, the admin site's people.
    Their sessions are shorter, and they may set up a second factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff or user.is_superuser or bool(roles_of(user) - {Role.DONOR})
