"""An account with legs keeps its fund, purpose, kind and segregation: the
guard that says so was added to fundmgr.db.guards after migration 0002 had
been written, without a migration of its own (a database migrated before
then never had it; one migrated after got it from 0002, which built its SQL
from the code of the day). This migration installs it, whatever the database
has: each statement drops or replaces what it defines.

The SQL is written out here, frozen: this file never changes. A changed
guard is a new migration carrying its own SQL (docs/architecture.md,
"Changing a guard"); tests/test_guard_definitions.py ties the latest one
of each guard to the definitions the system check expects.
"""

import re

from django.db import migrations

#: SQLite: trigger name -> CREATE TRIGGER (dropped first if it exists).
SQLITE_TRIGGERS = {
    "fundmgr_account_fixed_once_used": (
        "CREATE TRIGGER fundmgr_account_fixed_once_used BEFORE UPDATE ON fundmgr_account"
        " FOR EACH ROW WHEN (NEW.fund_id IS NOT OLD.fund_id OR NEW.segregated IS NOT"
        " OLD.segregated OR NEW.kind IS NOT OLD.kind OR NEW.key IS NOT OLD.key)"
        " AND EXISTS (SELECT 1 FROM fundmgr_leg WHERE account_id = OLD.id)"
        " BEGIN SELECT RAISE(ABORT, 'ledger: an account with legs keeps its fund, purpose,"
        " kind and segregation'); END"
    ),
}

#: PostgreSQL: function name -> CREATE OR REPLACE FUNCTION.
POSTGRES_FUNCTIONS = {
    "fundmgr_account_guard": """CREATE OR REPLACE FUNCTION fundmgr_account_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM fundmgr_leg WHERE account_id = OLD.id) THEN
    RAISE EXCEPTION 'ledger: an account with legs keeps its fund, purpose, kind and segregation' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;""",
}

#: PostgreSQL: trigger name -> CREATE TRIGGER (dropped first if it exists).
POSTGRES_TRIGGERS = {
    "fundmgr_account_fixed_once_used": (
        "CREATE TRIGGER fundmgr_account_fixed_once_used BEFORE UPDATE ON fundmgr_account"
        " FOR EACH ROW WHEN ((NEW.fund_id IS DISTINCT FROM OLD.fund_id OR NEW.segregated IS"
        " DISTINCT FROM OLD.segregated OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.key IS"
        " DISTINCT FROM OLD.key)) EXECUTE FUNCTION fundmgr_account_guard()"
    ),
}

#: Undone, SQLite.
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS fundmgr_account_fixed_once_used",
]

#: Undone, PostgreSQL.
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS fundmgr_account_fixed_once_used ON fundmgr_account",
    "DROP FUNCTION IF EXISTS fundmgr_account_guard()",
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
    dependencies = [("fundmgr", "0016_outgoing_mail")]
    operations = [migrations.RunPython(install, uninstall)]
