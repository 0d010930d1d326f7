"""The client address behind proxies, and rate-limit counters every process shares.

Behind a proxy REMOTE_ADDR is the proxy: keyed on it, every visitor shares one
bucket. The address is taken from X-Forwarded-For only as far as the
configured number of trusted proxies vouches for it, IPv6 is grouped by /64,
and the counters live in a cache shared by every process (Redis; the tests
use the machine's, at 127.0.0.1:6379, and fail if it is not there)."""

from __future__ import annotations

import uuid

import pytest
import redis
from axes.models import AccessAttempt
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory
from django.urls import reverse

from fundmgr import ratelimit
from fundmgr.ratelimit import client_address
from tests.test_settings import run_manage

REDIS = "redis://127.0.0.1:6379/15"


def request_from(remote: str | None, forwarded: str | None = None):
    meta = {}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    return request


def test_without_proxies_the_forwarded_header_is_ignored(settings):
    settings.FUNDMGR_TRUSTED_PROXIES = 0
    request = request_from("203.0.113.7", forwarded="198.51.100.1")
    assert client_address(request) == "203.0.113.7"


def test_behind_one_proxy_the_address_it_saw_is_the_client(settings):
    settings.FUNDMGR_TRUSTED_PROXIES = 1
    # The proxy (10.0.0.2) appended the address it saw; what stands left of
    # it was sent by the client and proves nothing.
    request = request_from("10.0.0.2", forwarded="198.51.100.1, 203.0.113.7")
    assert client_address(request) == "203.0.113.7"


def test_two_donors_behind_the_proxy_get_two_buckets(settings):
    settings.FUNDMGR_TRUSTED_PROXIES = 1
    one = request_from("10.0.0.2", forwarded="203.0.113.7")
    two = request_from("10.0.0.2", forwarded="203.0.113.8")
    assert client_address(one) != client_address(two)


def test_behind_two_proxies_the_second_from_the_right_is_the_client(settings):
    settings.FUNDMGR_TRUSTED_PROXIES = 2
    request = request_from("10.0.0.2", forwarded="1.2.3.4, 203.0.113.7, 198.51.100.50")
    assert client_address(request) == "203.0.113.7"


def test_a_request_that_bypassed_the_proxy_is_keyed_on_its_own_address(settings):
    settings.FUNDMGR_TRUSTED_PROXIES = 1
    assert client_address(request_from("203.0.113.9")) == "203.0.113.9"


def test_ipv6_addresses_are_grouped_by_their_64_network(settings):
    settings.FUNDMGR_TRUSTED_PROXIES = 0
    one = client_address(request_from("2001:db8:1:2::1"))
    same_network = client_address(request_from("2001:db8:1:2:ffff:ffff:ffff:fffe"))
    other_network = client_address(request_from("2001:db8:1:3::1"))
    assert one == same_network == "2001:db8:1:2::"
    assert other_network != one


def test_an_ipv4_address_mapped_into_ipv6_counts_as_the_ipv4_address(settings):
    settings.FUNDMGR_TRUSTED_PROXIES = 0
    assert client_address(request_from("::ffff:203.0.113.7")) == "203.0.113.7"


def test_an_unreadable_address_falls_into_one_fixed_bucket(settings):
    settings.FUNDMGR_TRUSTED_PROXIES = 0
    assert client_address(request_from(None)) == ratelimit.UNKNOWN_ADDRESS
    assert client_address(request_from("not-an-address")) == ratelimit.UNKNOWN_ADDRESS


def test_the_lockout_counts_the_same_client_address_as_the_rate_limits(client, make_user, settings):
    settings.FUNDMGR_TRUSTED_PROXIES = 1
    make_user("officer", "fund_officer")
    client.post(
        reverse("login"),
        {"username": "officer", "password": "wrong"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 2001:db8:1:2::77",
    )
    assert AccessAttempt.objects.get().ip_address == "2001:db8:1:2::"


@pytest.fixture
def redis_scope():
    """A scope of its own on the machine's Redis (database 15); its keys are
    removed afterwards. No Redis is a failure, never a skip."""
    scope = f"test-{uuid.uuid4().hex}"
    yield scope
    server = redis.Redis.from_url(REDIS)
    for key in server.scan_iter(f"*ratelimit:{scope}:*"):
        server.delete(key)


def test_two_cache_connections_count_into_one_redis_bucket(monkeypatch, redis_scope):
    """Two web processes are two cache connections: together they get the
    limit once, not once each."""
    first, second = RedisCache(REDIS, {}), RedisCache(REDIS, {})
    verdicts = []
    for connection in [first, second, first, second, first]:
        monkeypatch.setattr(ratelimit, "cache", connection)
        verdicts.append(ratelimit.hit(redis_scope, "203.0.113.7", limit=3, window_seconds=3600))
    assert [v.limited for v in verdicts] == [False, False, False, True, True]
    assert all(0 < v.retry_after <= 3600 for v in verdicts)


def count_in_a_new_process(scope: str, times: int) -> list[bool]:
    code = (
        "from fundmgr.ratelimit import hit\n"
        f"print(*[hit({scope!r}, '203.0.113.7', limit=3, window_seconds=3600).limited"
        f" for _ in range({times})])"
    )
    result = run_manage("shell", "-c", code, REDIS_URL=REDIS)
    assert result.returncode == 0, result.stderr
    return [word == "True" for word in result.stdout.strip().splitlines()[-1].split()]


def test_redis_url_makes_every_process_share_the_counters(redis_scope):
    assert count_in_a_new_process(redis_scope, 2) == [False, False]
    assert count_in_a_new_process(redis_scope, 2) == [False, True]


def cache_backend(**env: str) -> str:
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = run_manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-1]


def test_the_cache_is_local_memory_unless_redis_url_is_set():
    assert cache_backend(REDIS_URL="") == "django.core.cache.backends.locmem.LocMemCache"
    assert cache_backend(REDIS_URL=REDIS) == "django.core.cache.backends.redis.RedisCache"
