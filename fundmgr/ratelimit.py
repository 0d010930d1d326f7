"""A small fixed-window rate limit on the cache, for public forms.

Counters live in Django's default cache: local memory by default (one
process), Django's Redis cache when ``REDIS_URL`` is set, so that every web
process of a deployment shares one count (settings.CACHES).

Who is counted is the client's address as the last trusted proxy saw it
(``client_address``): behind a proxy ``REMOTE_ADDR`` is the proxy itself, and
every visitor would share one bucket.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from ipware import get_client_ip

#: The bucket of requests whose address cannot be read (never expected).
UNKNOWN_ADDRESS = "unknown"


def _forwarded_address(request) -> str | None:
    """The address the outermost of our ``FUNDMGR_TRUSTED_PROXIES`` proxies
    received the request from: each proxy appends the address it saw to
    X-Forwarded-For, so with N proxies the client is the Nth entry from the
    right; whatever stands further left was sent by the client and is ignored.
    (django-ipware's ``proxy_count`` counts the proxies *inside* the header,
    one fewer than the proxies in front of the site.)"""
    proxies = settings.FUNDMGR_TRUSTED_PROXIES
    if proxies < 1:
        return None
    address, _routable = get_client_ip(
        request,
        proxy_count=proxies - 1,
        request_header_order=("HTTP_X_FORWARDED_FOR",),
        strict=False,
    )
    return address


def client_ip(request) -> str | None:
    """The client's address, IPv6 reduced to its /64 network (one subscriber
    holds a whole /64, and would otherwise get 2**64 buckets), IPv4 as it is;
    None when no address can be read. Also django-axes' client address
    (settings.AXES_CLIENT_IP_CALLABLE), so lockouts and rate limits agree."""
    address = _forwarded_address(request)
    if address is None:
        address, _routable = get_client_ip(request, request_header_order=("REMOTE_ADDR",))
    if address is None:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def client_address(request) -> str:
    """The rate limits' key for the client (see ``client_ip``)."""
    return client_ip(request) or UNKNOWN_ADDRESS


@dataclass(frozen=True)
class Verdict:
    """One attempt counted: ``limited`` once over the limit, and how many
    seconds are left until the window ends and the count starts again."""

    limited: bool
    retry_after: int


def clock() -> float:
    """The wall clock the windows are aligned on (one place for tests to stop it)."""
    return time.time()


def hit(scope: str, who: str, *, limit: int, window_seconds: int) -> Verdict:
    """Count one attempt by ``who`` in ``scope``.

    The window is fixed and aligned on multiples of ``window_seconds``, so
    every process agrees when it ends without storing its start."""
    now = int(clock())
    start = now - now % window_seconds
    retry_after = start + window_seconds - now
    key = f"ratelimit:{scope}:{who}:{start}"
    # The counter exists for every attempt but a window's first: increment
    # it first, one cache operation for nearly every attempt (an API call
    # made with a token pays this on every request).
    try:
        count = cache.incr(key)
    except ValueError:  # the window's first attempt
        if cache.add(key, 1, timeout=window_seconds + 1):
            count = 1
        else:  # another process added it meanwhile
            count = cache.incr(key)
    return Verdict(count > limit, retry_after)
