"""A small fixed-window rate limit on the cache, for public forms.

With the default local-memory cache the count is per process; a deployment
with several processes points CACHES at a shared cache (Redis, database).
"""

from __future__ import annotations

from django.core.cache import cache


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def too_many(scope: str, who: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; True once ``who`` has made more than ``limit`` in the window."""
    key = f"ratelimit:{scope}:{who}"
    if cache.add(key, 1, timeout=window_seconds):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds)
        return False
    return count > limit
