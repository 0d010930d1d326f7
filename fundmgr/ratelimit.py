"""A small fixed-window rate limit on the cache, for public forms.

Counters live in Django's default cache: local memory by default (one
process), Django's Redis cache when ``REDIS_URL`` is set, so that every web
process of a deployment shares one count (settings.CACHES).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


@dataclass(frozen=True)
class Verdict:
    """One attempt counted: ``limited`` once over the limit, and how many
    seconds are left until the window ends and the count starts again."""

    limited: bool
    retry_after: int

    def __bool__(self) -> bool:
        return self.limited


def hit(scope: str, who: str, *, limit: int, window_seconds: int) -> Verdict:
    """Count one attempt by ``who`` in ``scope``.

    The window is fixed and aligned on multiples of ``window_seconds``, so
    every process agrees when it ends without storing its start."""
    now = int(time.time())
    start = now - now % window_seconds
    retry_after = start + window_seconds - now
    key = f"ratelimit:{scope}:{who}:{start}"
    if cache.add(key, 1, timeout=window_seconds + 1):
        return Verdict(limit < 1, retry_after)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds + 1)
        count = 1
    return Verdict(count > limit, retry_after)


def too_many(scope: str, who: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; True once ``who`` has made more than ``limit`` in the window."""
    return hit(scope, who, limit=limit, window_seconds=window_seconds).limited
