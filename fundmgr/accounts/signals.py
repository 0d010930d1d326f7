"""Sign-in events into the append-only audit trail, and the session's clock.

A failed sign-in has no signed-in person: it is recorded under the system
actor ``sign-in`` with the username that was tried and the client address
(never the password). Attempts made while already locked out are counted by
django-axes (its AccessAttempt row) but not recorded one by one, so an
attacker hammering a locked door cannot grow the trail without bound."""

from __future__ import annotations

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from fundmgr.accounts import sessions
from fundmgr.accounts.sentences import LOCKED_OUT, WRONG_PASSWORD
from fundmgr.accounts.two_factor import has_second_factor
from fundmgr.ratelimit import client_address
from fundmgr.sentences import Sentence
from fundmgr.services.audit import log_action

SIGN_IN_ACTOR = "sign-in"
USERNAME_FIELD_MAX = 150


def _attempted_username(credentials: dict) -> str:
    return str(credentials.get("username") or "")[:USERNAME_FIELD_MAX]


def _failures_so_far(request) -> int:
    return getattr(request, "axes_failures_since_start", 0) or 0


@receiver(user_login_failed, dispatch_uid="fundmgr.accounts.audit_failed_sign_in")
def audit_failed_sign_in(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    from django.conf import settings

    if getattr(request, "axes_locked_out", False) and (
        _failures_so_far(request) > settings.AXES_FAILURE_LIMIT
    ):
        return  # already locked out: axes counts it, the lockout is on record
    username = _attempted_username(credentials)
    address = client_address(request)
    log_action(
        None,
        "sign-in:failed",
        SIGN_IN_ACTOR,
        Sentence(WRONG_PASSWORD, {"username": username, "address": address}),
        data={"username": username, "client_address": address},
    )


@receiver(user_locked_out, dispatch_uid="fundmgr.accounts.audit_lockout")
def audit_lockout(sender, request, username, ip_address, **kwargs):
    from django.conf import settings

    if _failures_so_far(request) != settings.AXES_FAILURE_LIMIT:
        return  # recorded once, when the limit is reached
    username = str(username or "")[:USERNAME_FIELD_MAX]
    log_action(
        None,
        "sign-in:locked-out",
        SIGN_IN_ACTOR,
        Sentence(
            LOCKED_OUT,
            {
                "username": username,
                "address": ip_address,
                "failures": settings.AXES_FAILURE_LIMIT,
            },
        ),
        data={
            "username": username,
            "client_address": ip_address,
            "failures": settings.AXES_FAILURE_LIMIT,
        },
    )


@receiver(user_logged_in, dispatch_uid="fundmgr.accounts.start_session_clock")
def start_session_clock(sender, request, user, **kwargs):
    """Every sign-in starts the session's clocks and, for a person with a
    second factor, leaves the session waiting for it (whatever the way in:
    password, admin site, donor link)."""
    if request is None or not hasattr(request, "session"):
        return
    sessions.start(request.session, time.time())
    if has_second_factor(user):
        request.session[sessions.SECOND_FACTOR_PENDING] = True
