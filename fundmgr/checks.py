"""System checks: the ledger's database guards must be installed."""

from django.core.checks import Error, Tags, register
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
