"""System checks: the ledger's database guards must be installed; in
production, ``check --deploy`` warns about settings the defences rely on
(docs/security.md, "Production settings the defences rely on")."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connections
from django.db.utils import DatabaseError

from fundmgr.db import guards


def installed_guards(connection) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        elif connection.vendor == "postgresql":
            # A disabled trigger guards nothing: it counts as missing.
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
            )
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}


def expected_guards(vendor: str) -> set[str]:
    if vendor == "sqlite":
        return set(guards.SQLITE_TRIGGERS)
    return set(guards.POSTGRES_TRIGGERS)


@register(Tags.database)
def check_ledger_guards(app_configs, databases=None, **kwargs):
    errors = []
    for alias in databases or []:
        connection = connections[alias]
        try:
            tables = connection.introspection.table_names()
            if guards.ENTRY not in tables:
                continue  # not migrated yet
            missing = expected_guards(connection.vendor) - installed_guards(connection)
        except DatabaseError:
            continue
        if missing:
            errors.append(
                Error(
                    f"the ledger's database guards are missing on {alias!r}: "
                    f"{', '.join(sorted(missing))}",
                    hint="Run `manage.py migrate`; never drop these triggers.",
                    id="fundmgr.E001",
                )
            )
    return errors


#: Cache backends whose counters live in one process (or nowhere): with them,
#: each web process keeps its own rate-limit counts (fundmgr.ratelimit).
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.security, deploy=True)
def check_shared_cache(app_configs, **kwargs):
    """Rate limits and throttles count in the default cache: in production
    every process must share it (REDIS_URL), or each counts on its own."""
    if not settings.PRODUCTION:
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            "REDIS_URL is not set: the rate limits (public pledges, donor sign-in links, "
            "password resets, the audit of refusals) are counted by each web process on "
            "its own, so N processes allow N times each limit.",
            hint="Set REDIS_URL to a Redis shared by every web process, "
            "e.g. redis://127.0.0.1:6379/0 (docs/security.md).",
            id="fundmgr.W001",
        )
    ]


def _contact_host(contact: str) -> str:
    parts = urlsplit(contact)
    if parts.scheme == "mailto":
        return parts.path.rpartition("@")[2].lower()
    return (parts.hostname or "").lower()


@register(Tags.security, deploy=True)
def check_security_contact(app_configs, **kwargs):
    """/.well-known/security.txt must name someone who can be reached: the
    default (an address under the reserved .invalid domain) reaches nobody."""
    if not settings.PRODUCTION:
        return []
    host = _contact_host(settings.SECURITY_CONTACT)
    if host and host != "invalid" and not host.endswith(".invalid"):
        return []
    return [
        Warning(
            f"SECURITY_CONTACT is {settings.SECURITY_CONTACT!r}, which reaches nobody: "
            "/.well-known/security.txt tells researchers to report vulnerabilities there.",
            hint="Set SECURITY_CONTACT to the operator's mailto: or https: address "
            "(SECURITY.md, RFC 9116).",
            id="fundmgr.W002",
        )
    ]
