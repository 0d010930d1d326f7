"""Grant transitions (who moved a grant, when and why) can never be changed or
deleted, whatever code talks to the database: the same refusal as fundmgr's
append-only tables (its function ``fundmgr_refuse``, from fundmgr 0002).

The SQL is written out here, frozen: this file never changes. A changed
guard is a new migration carrying its own SQL (docs/architecture.md,
"Changing a guard"); tests/test_guard_definitions.py ties the latest one
of each guard to the definitions the system check expects.
"""

import re

from django.db import migrations

#: SQLite: trigger name -> CREATE TRIGGER (dropped first if it exists).
SQLITE_TRIGGERS = {
    "grants_granttransition_no_update": (
        "CREATE TRIGGER grants_granttransition_no_update BEFORE UPDATE ON"
        " grants_granttransition FOR EACH ROW"
        " BEGIN SELECT RAISE(ABORT, 'append-only: this record can never be changed or"
        " deleted'); END"
    ),
    "grants_granttransition_no_delete": (
        "CREATE TRIGGER grants_granttransition_no_delete BEFORE DELETE ON"
        " grants_granttransition FOR EACH ROW"
        " BEGIN SELECT RAISE(ABORT, 'append-only: this record can never be changed or"
        " deleted'); END"
    ),
}

#: PostgreSQL: function name -> CREATE OR REPLACE FUNCTION.
POSTGRES_FUNCTIONS: dict[str, str] = {}

#: PostgreSQL: trigger name -> CREATE TRIGGER (dropped first if it exists).
POSTGRES_TRIGGERS = {
    "grants_granttransition_append_only": (
        "CREATE TRIGGER grants_granttransition_append_only BEFORE UPDATE OR DELETE ON"
        " grants_granttransition FOR EACH ROW"
        " EXECUTE FUNCTION fundmgr_refuse('append-only: this record can never be changed or"
        " deleted')"
    ),
}

#: Undone, SQLite.
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS grants_granttransition_no_update",
    "DROP TRIGGER IF EXISTS grants_granttransition_no_delete",
]

#: Undone, PostgreSQL.
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS grants_granttransition_append_only ON grants_granttransition",
]


def _table(trigger_sql: str) -> str:
    return re.search(r"\sON\s+(\w+)", trigger_sql).group(1)


def _run(schema_editor, sqlite: list[str], postgres: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": sqlite, "postgresql": postgres}.get(vendor)
    if statements is None:
        raise NotImplementedError(f"the guards support SQLite and PostgreSQL, not {vendor}")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def install(apps, schema_editor):
    sqlite = []
    for name, sql in SQLITE_TRIGGERS.items():
        sqlite += [f"DROP TRIGGER IF EXISTS {name}", sql]
    postgres = list(POSTGRES_FUNCTIONS.values())
    for name, sql in POSTGRES_TRIGGERS.items():
        postgres += [f"DROP TRIGGER IF EXISTS {name} ON {_table(sql)}", sql]
    _run(schema_editor, sqlite, postgres)


def uninstall(apps, schema_editor):
    _run(schema_editor, SQLITE_REVERSE, POSTGRES_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("grants", "0002_roles_and_approval_levels"), ("fundmgr", "0002_ledger_guards")]
    operations = [migrations.RunPython(install, uninstall)]
