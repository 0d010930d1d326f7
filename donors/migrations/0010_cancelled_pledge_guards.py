"""A cancelled pledge stays cancelled and takes no receipt, whatever code
talks to the database (donors.services.receipts refuses it first, with a
message for people).

The SQL is written out here, frozen: this file never changes. A changed
guard is a new migration carrying its own SQL (docs/architecture.md,
"Changing a guard"); tests/test_guard_definitions.py ties the latest one
of each guard to the definitions the system check expects.
"""

import re

from django.db import migrations

#: SQLite: trigger name -> CREATE TRIGGER (dropped first if it exists).
SQLITE_TRIGGERS = {
    "donors_pledge_cancelled_stays": (
        "CREATE TRIGGER donors_pledge_cancelled_stays BEFORE UPDATE OF status ON"
        " donors_pledge FOR EACH ROW WHEN OLD.status = 'cancelled'"
        " AND NEW.status <> 'cancelled'"
        " BEGIN SELECT RAISE(ABORT, 'donors: a cancelled pledge stays cancelled'); END"
    ),
    "donors_receipt_not_for_cancelled": (
        "CREATE TRIGGER donors_receipt_not_for_cancelled BEFORE INSERT ON donors_receipt"
        " FOR EACH ROW WHEN (SELECT status FROM donors_pledge WHERE id = NEW.pledge_id) ="
        " 'cancelled' BEGIN SELECT RAISE(ABORT, 'donors: a cancelled pledge takes no receipt"
        "; record the money for its donor'); END"
    ),
    "donors_receipt_not_moved_to_cancelled": (
        "CREATE TRIGGER donors_receipt_not_moved_to_cancelled BEFORE UPDATE OF pledge_id ON"
        " donors_receipt FOR EACH ROW WHEN NEW.pledge_id IS NOT OLD.pledge_id"
        " AND (SELECT status FROM donors_pledge WHERE id = NEW.pledge_id) = 'cancelled'"
        " BEGIN SELECT RAISE(ABORT, 'donors: a cancelled pledge takes no receipt"
        "; record the money for its donor'); END"
    ),
}

#: PostgreSQL: function name -> CREATE OR REPLACE FUNCTION.
POSTGRES_FUNCTIONS = {
    "donors_pledge_cancelled_stays": """
CREATE OR REPLACE FUNCTION donors_pledge_cancelled_stays() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'donors: a cancelled pledge stays cancelled'
    USING ERRCODE = 'integrity_constraint_violation';
END $$;
""",
    "donors_receipt_not_for_cancelled": """
CREATE OR REPLACE FUNCTION donors_receipt_not_for_cancelled() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM donors_pledge WHERE id = NEW.pledge_id AND status = 'cancelled') THEN
    RAISE EXCEPTION 'donors: a cancelled pledge takes no receipt; record the money for its donor'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;
""",
}

#: PostgreSQL: trigger name -> CREATE TRIGGER (dropped first if it exists).
POSTGRES_TRIGGERS = {
    "donors_pledge_cancelled_stays": (
        "CREATE TRIGGER donors_pledge_cancelled_stays BEFORE UPDATE OF status ON"
        " donors_pledge FOR EACH ROW WHEN (OLD.status = 'cancelled'"
        " AND NEW.status <> 'cancelled') EXECUTE FUNCTION donors_pledge_cancelled_stays()"
    ),
    "donors_receipt_not_for_cancelled": (
        "CREATE TRIGGER donors_receipt_not_for_cancelled BEFORE INSERT ON donors_receipt"
        " FOR EACH ROW WHEN (NEW.pledge_id IS NOT NULL)"
        " EXECUTE FUNCTION donors_receipt_not_for_cancelled()"
    ),
    "donors_receipt_not_moved_to_cancelled": (
        "CREATE TRIGGER donors_receipt_not_moved_to_cancelled BEFORE UPDATE OF pledge_id ON"
        " donors_receipt FOR EACH ROW WHEN (NEW.pledge_id IS DISTINCT FROM OLD.pledge_id"
        " AND NEW.pledge_id IS NOT NULL) EXECUTE FUNCTION donors_receipt_not_for_cancelled()"
    ),
}

#: Undone, SQLite.
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS donors_pledge_cancelled_stays",
    "DROP TRIGGER IF EXISTS donors_receipt_not_for_cancelled",
    "DROP TRIGGER IF EXISTS donors_receipt_not_moved_to_cancelled",
]

#: Undone, PostgreSQL.
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS donors_pledge_cancelled_stays ON donors_pledge",
    "DROP TRIGGER IF EXISTS donors_receipt_not_for_cancelled ON donors_receipt",
    "DROP TRIGGER IF EXISTS donors_receipt_not_moved_to_cancelled ON donors_receipt",
    "DROP FUNCTION IF EXISTS donors_pledge_cancelled_stays()",
    "DROP FUNCTION IF EXISTS donors_receipt_not_for_cancelled()",
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
    dependencies = [("donors", "0009_pledge_letter_unguessable_outside_media")]
    operations = [migrations.RunPython(install, uninstall)]
