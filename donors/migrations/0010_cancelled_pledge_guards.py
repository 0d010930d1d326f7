"""A cancelled pledge stays cancelled and takes no receipt, whatever code
talks to the database (donors.services.receipts refuses it first, with a
message for people).

The SQL is written out here, frozen: a later change to the guards needs a
new migration, never an edit of this one."""

from django.db import migrations

SQLITE_CREATE = [
    "CREATE TRIGGER donors_pledge_cancelled_stays BEFORE UPDATE OF status ON donors_pledge "
    "FOR EACH ROW WHEN OLD.status = 'cancelled' AND NEW.status <> 'cancelled' "
    "BEGIN SELECT RAISE(ABORT, 'donors: a cancelled pledge stays cancelled'); END",
    "CREATE TRIGGER donors_receipt_not_for_cancelled BEFORE INSERT ON donors_receipt "
    "FOR EACH ROW WHEN (SELECT status FROM donors_pledge WHERE id = NEW.pledge_id) = 'cancelled' "
    "BEGIN SELECT RAISE(ABORT, 'donors: a cancelled pledge takes no receipt; "
    "record the money for its donor'); END",
    "CREATE TRIGGER donors_receipt_not_moved_to_cancelled BEFORE UPDATE OF pledge_id "
    "ON donors_receipt FOR EACH ROW WHEN NEW.pledge_id IS NOT OLD.pledge_id "
    "AND (SELECT status FROM donors_pledge WHERE id = NEW.pledge_id) = 'cancelled' "
    "BEGIN SELECT RAISE(ABORT, 'donors: a cancelled pledge takes no receipt; "
    "record the money for its donor'); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS donors_pledge_cancelled_stays",
    "DROP TRIGGER IF EXISTS donors_receipt_not_for_cancelled",
    "DROP TRIGGER IF EXISTS donors_receipt_not_moved_to_cancelled",
]

POSTGRES_CREATE = [
    """
CREATE OR REPLACE FUNCTION donors_pledge_cancelled_stays() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'donors: a cancelled pledge stays cancelled'
    USING ERRCODE = 'integrity_constraint_violation';
END $$;
""",
    """
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
    "DROP TRIGGER IF EXISTS donors_pledge_cancelled_stays ON donors_pledge; "
    "CREATE TRIGGER donors_pledge_cancelled_stays BEFORE UPDATE OF status ON donors_pledge "
    "FOR EACH ROW WHEN (OLD.status = 'cancelled' AND NEW.status <> 'cancelled') "
    "EXECUTE FUNCTION donors_pledge_cancelled_stays()",
    "DROP TRIGGER IF EXISTS donors_receipt_not_for_cancelled ON donors_receipt; "
    "CREATE TRIGGER donors_receipt_not_for_cancelled BEFORE INSERT ON donors_receipt "
    "FOR EACH ROW WHEN (NEW.pledge_id IS NOT NULL) "
    "EXECUTE FUNCTION donors_receipt_not_for_cancelled()",
    "DROP TRIGGER IF EXISTS donors_receipt_not_moved_to_cancelled ON donors_receipt; "
    "CREATE TRIGGER donors_receipt_not_moved_to_cancelled BEFORE UPDATE OF pledge_id "
    "ON donors_receipt FOR EACH ROW "
    "WHEN (NEW.pledge_id IS DISTINCT FROM OLD.pledge_id AND NEW.pledge_id IS NOT NULL) "
    "EXECUTE FUNCTION donors_receipt_not_for_cancelled()",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS donors_pledge_cancelled_stays ON donors_pledge",
    "DROP TRIGGER IF EXISTS donors_receipt_not_for_cancelled ON donors_receipt",
    "DROP TRIGGER IF EXISTS donors_receipt_not_moved_to_cancelled ON donors_receipt",
    "DROP FUNCTION IF EXISTS donors_pledge_cancelled_stays()",
    "DROP FUNCTION IF EXISTS donors_receipt_not_for_cancelled()",
]


def _run(schema_editor, sqlite: list[str], postgres: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = sqlite
    elif vendor == "postgresql":
        statements = postgres
    else:
        raise NotImplementedError(f"the donors' guards support SQLite and PostgreSQL, not {vendor}")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def install(apps, schema_editor):
    _run(schema_editor, SQLITE_DROP + SQLITE_CREATE, POSTGRES_CREATE)


def uninstall(apps, schema_editor):
    _run(schema_editor, SQLITE_DROP, POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("donors", "0009_pledge_letter_unguessable_outside_media")]
    operations = [migrations.RunPython(install, uninstall)]
