"""System checks: the database guards must be installed, as they are defined; in
production, ``check --deploy`` warns about settings the defences rely on
(docs/security.md, "Production settings the defences rely on")."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connections
from django.db.utils import DatabaseError

from fundmgr.db import guards


def _sqlite_installed(cursor) -> dict[str, tuple[str, str]]:
    cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
    return {name: (table, sql) for name, table, sql in cursor.fetchall()}


def _postgres_installed(cursor) -> tuple[dict[str, tuple[str, str, bool]], dict[str, str]]:
    """Triggers (table, definition as PostgreSQL shows it without the schema,
    enabled) and functions (their source) of the current schema."""
    cursor.execute(
        "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid), t.tgenabled <> 'D', n.nspname "
        "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
    )
    triggers = {
        name: (table, shown.replace(f" ON {schema}.{table} ", f" ON {table} ", 1), enabled)
        for name, table, shown, enabled, schema in cursor.fetchall()
    }
    cursor.execute(
        "SELECT p.proname, p.prosrc FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
    )
    return triggers, dict(cursor.fetchall())


def _applied(cursor, migration: tuple[str, str]) -> bool:
    cursor.execute("SELECT 1 FROM django_migrations WHERE app = %s AND name = %s", migration)
    return cursor.fetchone() is not None


def guard_differences(connection) -> tuple[list[str], list[str]]:
    """The guards missing (or disabled) and those whose definition differs
    from what they are now (fundmgr.db.guards.registered), on every guarded
    table of the database. A set of guards whose latest migration is not
    applied yet is left to ``migrate``."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return [], []
    tables = set(connection.introspection.table_names())
    missing: list[str] = []
    altered: list[str] = []
    with connection.cursor() as cursor:
        if "django_migrations" not in tables:
            return [], []
        if connection.vendor == "sqlite":
            installed = _sqlite_installed(cursor)
        else:
            pg_triggers, pg_functions = _postgres_installed(cursor)
        for guard_set in guards.registered():
            if not _applied(cursor, guard_set.migration):
                continue
            if connection.vendor == "sqlite":
                for trigger in guard_set.sqlite:
                    if trigger.table not in tables:
                        continue
                    found = installed.get(trigger.name)
                    if found is None or found[0] != trigger.table:
                        missing.append(trigger.name)
                    elif found[1] != trigger.sqlite_stored():
                        altered.append(trigger.name)
                continue
            for trigger in guard_set.postgres:
                if trigger.table not in tables:
                    continue
                found = pg_triggers.get(trigger.name)
                if found is None or found[0] != trigger.table or not found[2]:
                    # A disabled trigger guards nothing: it counts as missing.
                    missing.append(trigger.name)
                elif found[1] != trigger.shown:
                    altered.append(trigger.name)
            for function in guard_set.postgres_functions:
                source = pg_functions.get(function.name)
                if source is None:
                    missing.append(f"{function.name}()")
                elif source != function.body:
                    altered.append(f"{function.name}()")
    return missing, altered


@register(Tags.database)
def check_ledger_guards(app_configs, databases=None, **kwargs):
    """Every database guard is installed, enabled and as it is defined now:
    a trigger's definition (SQLite: its SQL in sqlite_master; PostgreSQL:
    pg_get_triggerdef) and, on PostgreSQL, its function's source."""
    errors = []
    for alias in databases or []:
        connection = connections[alias]
        try:
            tables = connection.introspection.table_names()
            if guards.ENTRY not in tables:
                continue  # not migrated yet
            missing, altered = guard_differences(connection)
        except DatabaseError:
            continue
        if missing:
            errors.append(
                Error(
                    f"the database guards are missing on {alias!r}: {', '.join(sorted(missing))}",
                    hint="Run `manage.py migrate`; never drop or disable these triggers.",
                    id="fundmgr.E001",
                )
            )
        if altered:
            errors.append(
                Error(
                    f"the database guards differ from their definitions on {alias!r}: "
                    f"{', '.join(sorted(altered))}",
                    hint="A guard was changed in the database, or in the code without a "
                    "migration. Run `manage.py migrate`; a guard changed in the database is "
                    "put back by running its latest migration's SQL (docs/architecture.md, "
                    '"Changing a guard").',
                    id="fundmgr.E002",
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
