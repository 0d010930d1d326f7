"""Two small middlewares for signed-in people (after OTPMiddleware and
MessageMiddleware): one ends sessions that are idle or old, one keeps a
person who owes a second factor on the pages that take it."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from fundmgr.accounts import sessions
from fundmgr.accounts.policy import second_factor_required
from fundmgr.accounts.two_factor import has_second_factor


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and sessions.expired(request.session, user, time.time()):
            logout(request)
            messages.info(
                request, _("You were signed out because your session ended. Please sign in again.")
            )
        return self.get_response(request)


#: What a person who owes a second factor may still reach.
OPEN_WHILE_UNVERIFIED = frozenset(
    {"two-factor-verify", "two-factor-enrol", "logout", "set_language", "javascript-catalog"}
)


def second_factor_page(request) -> str | None:
    """The page a signed-in, unverified person must go to first, or None.
    A person with a second factor proves it at every sign-in, whatever the
    way in; a person whose role requires one (production) sets it up first."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return None
    pending = request.session.get(sessions.SECOND_FACTOR_PENDING, False)
    required = second_factor_required(user)
    if not (pending or required):
        return None
    if has_second_factor(user):
        return "two-factor-verify"
    return "two-factor-enrol" if required else None


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.url_name in OPEN_WHILE_UNVERIFIED:
            return None
        page = second_factor_page(request)
        if page is None:
            return None
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse(page)}?{query}")
