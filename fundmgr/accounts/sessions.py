"""Session limits: a staff session ends after a spell without any request and
after a fixed time in all; a donor's after a day in all. The times are kept in
the session itself (seconds since the epoch), so every process agrees."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from fundmgr.accounts.policy import is_staff_account

SIGNED_IN_AT = "fundmgr_signed_in_at"
LAST_SEEN_AT = "fundmgr_last_seen_at"
SECOND_FACTOR_PENDING = "fundmgr_second_factor_pending"
#: The last-seen time is written at most this often (a session write per request is waste).
LAST_SEEN_RESOLUTION = 60


@dataclass(frozen=True)
class Limits:
    idle_seconds: int | None
    max_seconds: int


def limits_for(user) -> Limits:
    if is_staff_account(user):
        return Limits(
            idle_seconds=settings.FUNDMGR_STAFF_SESSION_IDLE_MINUTES * 60,
            max_seconds=settings.FUNDMGR_STAFF_SESSION_MAX_HOURS * 3600,
        )
    return Limits(idle_seconds=None, max_seconds=settings.DONOR_SESSION_HOURS * 3600)


def start(session, now: float) -> None:
    session[SIGNED_IN_AT] = int(now)
    session[LAST_SEEN_AT] = int(now)


def expired(session, user, now: float) -> bool:
    """True when the session is over its limits; otherwise notes the visit.
    A session from before these limits existed starts its clocks now."""
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen_at = session.get(LAST_SEEN_AT)
    if signed_in_at is None or last_seen_at is None:
        start(session, now)
        return False
    limits = limits_for(user)
    if now - signed_in_at >= limits.max_seconds:
        return True
    if limits.idle_seconds is not None and now - last_seen_at >= limits.idle_seconds:
        return True
    if now - last_seen_at >= LAST_SEEN_RESOLUTION:
        session[LAST_SEEN_AT] = int(now)
    return False
