"""Settings modes: production is locked down, development needs nothing."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # A fresh process as an operator would start it: none of the test run's
    # own settings (browser tests allow async-unsafe ORM calls, for one).
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def deployment(**overrides: str) -> dict[str, str]:
    """The environment a real deployment has (docs/security.md, "Production
    settings the defences rely on"); ``overrides`` set or, empty, remove one."""
    environment = {
        "FUNDMGR_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "fund.example.org",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "SECURITY_CONTACT": "mailto:security@fund.example.org",
    }
    environment.update(overrides)
    return environment


def check_deploy(**environment: str) -> subprocess.CompletedProcess:
    return run_manage("check", "--deploy", "--fail-level", "DEBUG", **environment)


def test_check_deploy_reports_nothing_in_production_mode():
    result = check_deploy(**deployment())
    assert result.returncode == 0, result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_check_deploy_warns_when_no_shared_cache_holds_the_rate_limits():
    """Without REDIS_URL each web process counts its own rate limits."""
    environment = deployment()
    del environment["REDIS_URL"]
    result = check_deploy(**environment)
    assert result.returncode != 0
    assert "fundmgr.W001" in result.stderr and "REDIS_URL is not set" in result.stderr
    assert "fundmgr.W002" not in result.stderr


@pytest.mark.parametrize("contact", [None, "mailto:security@fundmgr.invalid", "mailto:x@invalid"])
def test_check_deploy_warns_while_the_security_contact_reaches_nobody(contact):
    environment = deployment()
    if contact is None:
        del environment["SECURITY_CONTACT"]  # the default placeholder
    else:
        environment["SECURITY_CONTACT"] = contact
    result = check_deploy(**environment)
    assert result.returncode != 0
    assert "fundmgr.W002" in result.stderr and "SECURITY_CONTACT" in result.stderr
    assert "fundmgr.W001" not in result.stderr


def test_the_deployment_warnings_are_for_production_only(settings):
    from fundmgr.checks import check_security_contact, check_shared_cache

    def warnings() -> list[str]:
        return [w.id for check in (check_shared_cache, check_security_contact) for w in check(None)]

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SECURITY_CONTACT = "mailto:security@fundmgr.invalid"
    assert warnings() == []
    settings.PRODUCTION = True
    assert warnings() == ["fundmgr.W001", "fundmgr.W002"]


def test_a_probe_over_plain_http_gets_healthz_not_a_redirect_in_production(tmp_path):
    """Production redirects plain HTTP to HTTPS, except the health endpoints,
    which a load balancer probes on the application server itself."""
    probe = (
        "from django.test import Client; c = Client(HTTP_HOST='fund.example.org'); "
        "print(c.get('/healthz').status_code, c.get('/readyz').status_code, "
        "c.get('/').status_code)"
    )
    result = run_manage(
        "shell", "-c", probe, **deployment(DATABASE_URL=f"sqlite:///{tmp_path}/none.sqlite3")
    )
    assert result.returncode == 0, result.stderr
    healthz, readyz, home = result.stdout.strip().splitlines()[-1].split()
    assert healthz == "200" and readyz in ("200", "503")  # answered, never redirected
    assert home == "301"


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = run_manage("check", FUNDMGR_ENV="production", ALLOWED_HOSTS="fund.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_load_demo_is_refused_in_production_mode(tmp_path):
    result = run_manage(
        "load_demo",
        FUNDMGR_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="fund.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    )
    assert result.returncode != 0
    assert "Refusing to load demo users" in result.stderr


def test_system_check_reports_missing_ledger_guards(db):
    from django.db import connection

    from fundmgr.checks import check_ledger_guards
    from fundmgr.db import guards

    assert check_ledger_guards(None, databases=["default"]) == []
    name = "fundmgr_leg_no_update"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER {name}")
        else:
            cursor.execute(f"DROP TRIGGER {name} ON {guards.LEG}")
    errors = check_ledger_guards(None, databases=["default"])
    assert [error.id for error in errors] == ["fundmgr.E001"]
    assert name in errors[0].msg


def test_passwords_are_hashed_with_a_slow_hasher_outside_the_tests():
    """The test run uses a fast hasher (tests/conftest.py); an operator's
    process uses Django's default, PBKDF2 (or stronger), never MD5."""
    result = run_manage(
        "shell",
        "-c",
        "from django.contrib.auth.hashers import get_hasher; print(get_hasher().algorithm)",
        FUNDMGR_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="fund.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] in ("pbkdf2_sha256", "argon2", "scrypt")
