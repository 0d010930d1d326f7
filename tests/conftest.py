"""Shared fixtures: a fund with its chart, exchange rates, people in roles."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings as project_settings
from django.contrib.auth.models import Group, User
from django.test import override_settings

from fundmgr.models import ExchangeRate
from fundmgr.reference import ensure_reference_data
from fundmgr.roles import Role
from fundmgr.services.funds import open_fund

#: The project's task queues (fundmgr/settings.py), read before any test changes them.
QUEUES = list(project_settings.TASKS["default"]["QUEUES"])
IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": QUEUES}
}
#: The deployed backend, for tests that run the worker (``db_worker``) themselves.
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": QUEUES}}


@pytest.fixture(autouse=True, scope="session")
def immediate_tasks():
    """Background tasks run at once, inside the request that enqueues them, so a
    test that posts a webhook sees the ledger booked. Tests of the database
    backend (the deployed one) set ``settings.TASKS`` themselves."""
    with override_settings(TASKS=IMMEDIATE_TASKS):
        yield


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """Tests make hundreds of users; the production hasher (PBKDF2, about half a
    second each on this machine) would be most of the suite's time. What the
    tests prove about passwords (sign-in, single-use links) does not depend on
    the hash's cost; ``tests/test_settings.py`` checks the production hashers."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def language_put_back():
    """A request through the test client leaves its language active in the
    thread (LocaleMiddleware activates it and nothing deactivates it): after a
    test that read a page in Spanish, a command's output in the next test was
    Spanish. Each test starts in the site's default language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def rate_limit_clock_mid_window(monkeypatch):
    """Rate-limit windows are aligned on the wall clock (fundmgr.ratelimit.hit):
    a test running across the hour would see its count start again. Tests see
    a clock standing in the middle of an hour. Only the rate limiter's clock
    stops: patching time.time itself would stop every clock in the process
    (TOTP codes, Stripe signatures)."""
    monkeypatch.setattr("fundmgr.ratelimit.clock", lambda: 490_000 * 3600 + 1800.0)


@pytest.fixture(autouse=True)
def public_pages_computed(settings):
    """Public pages are computed on every request in the tests, which read
    them right after changing their records inside a transaction that never
    commits (the cache's version moves at commit); tests/test_public_pages.py
    turns the cache on."""
    settings.FUNDMGR_PUBLIC_PAGE_SECONDS = 0


@pytest.fixture(autouse=True)
def task_loggers_kept():
    """``db_worker`` run inside a test sets the task loggers' levels for its
    verbosity (0: CRITICAL), for the rest of the process: put them back, so a
    later test still sees a task's errors and lines."""
    import logging

    loggers = [logging.getLogger(name) for name in ("django.tasks", "django_tasks_db")]
    levels = [logger.level for logger in loggers]
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: rate-limit counters and throttles
    are keyed by client address or account id, which tests reuse (a rolled-back
    database hands out the same ids again)."""
    from django.core.cache import cache

    from fundmgr import public_pages

    cache.clear()
    public_pages.forget_local()  # what this process remembers of the cache
    yield


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or bool(marker and marker.kwargs.get("transaction"))
    )


@pytest.fixture(autouse=True)
def reference_data_after_flush(request):
    """Transactional tests end with a flush that empties every table, the
    migrations' reference data (roles, countries, LDC list) included: put it back."""
    if _is_transactional(request):
        request.getfixturevalue("transactional_db")
        ensure_reference_data()


@pytest.fixture(autouse=True)
def grants_stamp_at_once_inside_test_transactions(request):
    """On PostgreSQL the grants' stamp (grants.stamp) is bumped, and their
    tally (grants.tally) kept, when a
    transaction commits; a test's transaction never commits, so inside one the
    bump is made immediate, as if each statement had been committed. Tests
    that really commit (transactional ones, the browser) keep the deferred bump."""
    if "db" not in request.fixturenames or _is_transactional(request):
        return
    request.getfixturevalue("db")
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS grants_grant_stamp, grants_grant_tally IMMEDIATE")


@pytest.fixture
def make_user(db):
    def make(username: str, *roles: str, password: str = "pw-for-tests-only") -> User:
        user = User.objects.create_user(username, f"{username}@example.org", password)
        for role in roles:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("fund-admin", Role.ADMINISTRATOR)


@pytest.fixture
def fund(admin_user):
    return open_fund(
        code="TESTF",
        name="Test trust fund",
        by=admin_user,
        psc_rate_pct=Decimal("8"),
        psc_from=datetime.date(2018, 1, 1),
        operating_reserve_pct=Decimal("10"),
    )


@pytest.fixture
def rates(db):
    """Monthly rates for March and April 2019 (invented for tests)."""
    rows = [
        ("EUR", datetime.date(2019, 3, 1), Decimal("0.880")),
        ("EUR", datetime.date(2019, 4, 1), Decimal("0.890")),
        ("JPY", datetime.date(2019, 3, 1), Decimal("111.000")),
        ("KWD", datetime.date(2019, 3, 1), Decimal("0.303")),
        ("ARS", datetime.date(2019, 3, 1), Decimal("39.500")),
    ]
    return [
        ExchangeRate.objects.create(currency=c, effective_date=d, units_per_usd=r)
        for c, d, r in rows
    ]


@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path):
    """Uploaded files and personal documents (notes verbales, boarding passes,
    pledge letters) go to the test's own folders, never the project's."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENTS_ROOT = tmp_path / "documents"
