"""Database triggers that make the ledger, the audit trail and signatures
append-only, and refuse to post an unbalanced entry (fundmgr.db.guards holds
the guards as they are now).

The SQL is written out here, frozen: this file never changes. A changed
guard is a new migration carrying its own SQL (docs/architecture.md,
"Changing a guard"); tests/test_guard_definitions.py ties the latest one
of each guard to the definitions the system check expects.
"""

import re

from django.db import migrations

#: SQLite: trigger name -> CREATE TRIGGER (dropped first if it exists).
SQLITE_TRIGGERS = {
    "fundmgr_entry_insert_draft": (
        "CREATE TRIGGER fundmgr_entry_insert_draft BEFORE INSERT ON fundmgr_journalentry"
        " FOR EACH ROW WHEN NEW.status <> 'draft'"
        " BEGIN SELECT RAISE(ABORT, 'ledger: a journal entry is created as a draft and"
        " posted once its legs are in'); END"
    ),
    "fundmgr_entry_posted_no_update": (
        "CREATE TRIGGER fundmgr_entry_posted_no_update BEFORE UPDATE ON fundmgr_journalentry"
        " FOR EACH ROW WHEN OLD.status = 'posted'"
        " BEGIN SELECT RAISE(ABORT, 'ledger: a posted journal entry cannot be changed or"
        " deleted; post a reversal'); END"
    ),
    "fundmgr_entry_posted_no_delete": (
        "CREATE TRIGGER fundmgr_entry_posted_no_delete BEFORE DELETE ON fundmgr_journalentry"
        " FOR EACH ROW WHEN OLD.status = 'posted'"
        " BEGIN SELECT RAISE(ABORT, 'ledger: a posted journal entry cannot be changed or"
        " deleted; post a reversal'); END"
    ),
    "fundmgr_entry_post_two_legs": (
        "CREATE TRIGGER fundmgr_entry_post_two_legs BEFORE UPDATE ON fundmgr_journalentry"
        " FOR EACH ROW WHEN OLD.status = 'draft' AND NEW.status = 'posted'"
        " AND (SELECT COUNT(*) FROM fundmgr_leg WHERE entry_id = NEW.id) < 2"
        " BEGIN SELECT RAISE(ABORT, 'ledger: a journal entry needs at least two legs'); END"
    ),
    "fundmgr_entry_post_balanced": (
        "CREATE TRIGGER fundmgr_entry_post_balanced BEFORE UPDATE ON fundmgr_journalentry"
        " FOR EACH ROW WHEN OLD.status = 'draft' AND NEW.status = 'posted'"
        " AND ABS((SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) FROM"
        " fundmgr_leg WHERE entry_id = NEW.id)) >= 0.0005"
        " BEGIN SELECT RAISE(ABORT, 'ledger: the journal entry does not balance (debits must"
        " equal credits)'); END"
    ),
    "fundmgr_entry_post_own_fund": (
        "CREATE TRIGGER fundmgr_entry_post_own_fund BEFORE UPDATE ON fundmgr_journalentry"
        " FOR EACH ROW WHEN OLD.status = 'draft' AND NEW.status = 'posted'"
        " AND EXISTS (SELECT 1 FROM fundmgr_leg l JOIN fundmgr_account a ON a.id ="
        " l.account_id WHERE l.entry_id = NEW.id AND a.fund_id <> NEW.fund_id)"
        " BEGIN SELECT RAISE(ABORT, 'ledger: every leg must be on an account of the fund of"
        " its entry'); END"
    ),
    "fundmgr_entry_post_not_mixed": (
        "CREATE TRIGGER fundmgr_entry_post_not_mixed BEFORE UPDATE ON fundmgr_journalentry"
        " FOR EACH ROW WHEN OLD.status = 'draft' AND NEW.status = 'posted'"
        " AND (SELECT COUNT(DISTINCT a.segregated) FROM fundmgr_leg l JOIN fundmgr_account a"
        " ON a.id = l.account_id WHERE l.entry_id = NEW.id) > 1"
        " BEGIN SELECT RAISE(ABORT, 'ledger: host-country accounts cannot share an entry"
        " with trust-fund accounts'); END"
    ),
    "fundmgr_leg_no_update": (
        "CREATE TRIGGER fundmgr_leg_no_update BEFORE UPDATE ON fundmgr_leg FOR EACH ROW"
        " BEGIN SELECT RAISE(ABORT, 'ledger: journal legs cannot be changed"
        "; post a reversing entry'); END"
    ),
    "fundmgr_leg_no_insert_posted": (
        "CREATE TRIGGER fundmgr_leg_no_insert_posted BEFORE INSERT ON fundmgr_leg"
        " FOR EACH ROW WHEN (SELECT status FROM fundmgr_journalentry WHERE id ="
        " NEW.entry_id) = 'posted'"
        " BEGIN SELECT RAISE(ABORT, 'ledger: the legs of a posted journal entry cannot be"
        " added or deleted'); END"
    ),
    "fundmgr_leg_no_delete_posted": (
        "CREATE TRIGGER fundmgr_leg_no_delete_posted BEFORE DELETE ON fundmgr_leg"
        " FOR EACH ROW WHEN (SELECT status FROM fundmgr_journalentry WHERE id ="
        " OLD.entry_id) = 'posted'"
        " BEGIN SELECT RAISE(ABORT, 'ledger: the legs of a posted journal entry cannot be"
        " added or deleted'); END"
    ),
    "fundmgr_auditrecord_no_update": (
        "CREATE TRIGGER fundmgr_auditrecord_no_update BEFORE UPDATE ON fundmgr_auditrecord"
        " FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'append-only: this record can never be"
        " changed or deleted'); END"
    ),
    "fundmgr_auditrecord_no_delete": (
        "CREATE TRIGGER fundmgr_auditrecord_no_delete BEFORE DELETE ON fundmgr_auditrecord"
        " FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'append-only: this record can never be"
        " changed or deleted'); END"
    ),
    "fundmgr_signature_no_update": (
        "CREATE TRIGGER fundmgr_signature_no_update BEFORE UPDATE ON fundmgr_signature"
        " FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'append-only: this record can never be"
        " changed or deleted'); END"
    ),
    "fundmgr_signature_no_delete": (
        "CREATE TRIGGER fundmgr_signature_no_delete BEFORE DELETE ON fundmgr_signature"
        " FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'append-only: this record can never be"
        " changed or deleted'); END"
    ),
}

#: PostgreSQL: function name -> CREATE OR REPLACE FUNCTION.
POSTGRES_FUNCTIONS = {
    "fundmgr_refuse": """CREATE OR REPLACE FUNCTION fundmgr_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END $$;""",
    "fundmgr_leg_guard": """CREATE OR REPLACE FUNCTION fundmgr_leg_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  entry_status text;
BEGIN
  SELECT status INTO entry_status FROM fundmgr_journalentry
   WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.entry_id ELSE NEW.entry_id END;
  IF entry_status = 'posted' THEN
    RAISE EXCEPTION 'ledger: the legs of a posted journal entry cannot be added or deleted' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;""",
    "fundmgr_entry_post_check": """CREATE OR REPLACE FUNCTION fundmgr_entry_post_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  leg_count integer;
  difference numeric;
BEGIN
  SELECT COUNT(*), COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0)
    INTO leg_count, difference FROM fundmgr_leg WHERE entry_id = NEW.id;
  IF leg_count < 2 THEN
    RAISE EXCEPTION 'ledger: a journal entry needs at least two legs' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF difference <> 0 THEN
    RAISE EXCEPTION 'ledger: the journal entry does not balance (debits must equal credits)' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM fundmgr_leg l JOIN fundmgr_account a ON a.id = l.account_id WHERE l.entry_id = NEW.id AND a.fund_id <> NEW.fund_id) THEN
    RAISE EXCEPTION 'ledger: every leg must be on an account of the fund of its entry' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF (SELECT COUNT(DISTINCT a.segregated) FROM fundmgr_leg l JOIN fundmgr_account a ON a.id = l.account_id WHERE l.entry_id = NEW.id) > 1 THEN
    RAISE EXCEPTION 'ledger: host-country accounts cannot share an entry with trust-fund accounts' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;""",
}

#: PostgreSQL: trigger name -> CREATE TRIGGER (dropped first if it exists).
POSTGRES_TRIGGERS = {
    "fundmgr_entry_insert_draft": (
        "CREATE TRIGGER fundmgr_entry_insert_draft BEFORE INSERT ON fundmgr_journalentry"
        " FOR EACH ROW WHEN (NEW.status <> 'draft')"
        " EXECUTE FUNCTION fundmgr_refuse('ledger: a journal entry is created as a draft and"
        " posted once its legs are in')"
    ),
    "fundmgr_entry_posted_no_update": (
        "CREATE TRIGGER fundmgr_entry_posted_no_update BEFORE UPDATE ON fundmgr_journalentry"
        " FOR EACH ROW WHEN (OLD.status = 'posted')"
        " EXECUTE FUNCTION fundmgr_refuse('ledger: a posted journal entry cannot be changed"
        " or deleted; post a reversal')"
    ),
    "fundmgr_entry_posted_no_delete": (
        "CREATE TRIGGER fundmgr_entry_posted_no_delete BEFORE DELETE ON fundmgr_journalentry"
        " FOR EACH ROW WHEN (OLD.status = 'posted')"
        " EXECUTE FUNCTION fundmgr_refuse('ledger: a posted journal entry cannot be changed"
        " or deleted; post a reversal')"
    ),
    "fundmgr_entry_post_check": (
        "CREATE TRIGGER fundmgr_entry_post_check BEFORE UPDATE ON fundmgr_journalentry"
        " FOR EACH ROW WHEN (OLD.status = 'draft' AND NEW.status = 'posted')"
        " EXECUTE FUNCTION fundmgr_entry_post_check()"
    ),
    "fundmgr_leg_no_update": (
        "CREATE TRIGGER fundmgr_leg_no_update BEFORE UPDATE ON fundmgr_leg FOR EACH ROW"
        " EXECUTE FUNCTION fundmgr_refuse('ledger: journal legs cannot be changed"
        "; post a reversing entry')"
    ),
    "fundmgr_leg_guard": (
        "CREATE TRIGGER fundmgr_leg_guard BEFORE INSERT OR DELETE ON fundmgr_leg"
        " FOR EACH ROW EXECUTE FUNCTION fundmgr_leg_guard()"
    ),
    "fundmgr_auditrecord_append_only": (
        "CREATE TRIGGER fundmgr_auditrecord_append_only BEFORE UPDATE OR DELETE ON"
        " fundmgr_auditrecord FOR EACH ROW"
        " EXECUTE FUNCTION fundmgr_refuse('append-only: this record can never be changed or"
        " deleted')"
    ),
    "fundmgr_signature_append_only": (
        "CREATE TRIGGER fundmgr_signature_append_only BEFORE UPDATE OR DELETE ON"
        " fundmgr_signature FOR EACH ROW"
        " EXECUTE FUNCTION fundmgr_refuse('append-only: this record can never be changed or"
        " deleted')"
    ),
}

#: Undone, SQLite.
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS fundmgr_entry_insert_draft",
    "DROP TRIGGER IF EXISTS fundmgr_entry_posted_no_update",
    "DROP TRIGGER IF EXISTS fundmgr_entry_posted_no_delete",
    "DROP TRIGGER IF EXISTS fundmgr_entry_post_two_legs",
    "DROP TRIGGER IF EXISTS fundmgr_entry_post_balanced",
    "DROP TRIGGER IF EXISTS fundmgr_entry_post_own_fund",
    "DROP TRIGGER IF EXISTS fundmgr_entry_post_not_mixed",
    "DROP TRIGGER IF EXISTS fundmgr_leg_no_update",
    "DROP TRIGGER IF EXISTS fundmgr_leg_no_insert_posted",
    "DROP TRIGGER IF EXISTS fundmgr_leg_no_delete_posted",
    "DROP TRIGGER IF EXISTS fundmgr_auditrecord_no_update",
    "DROP TRIGGER IF EXISTS fundmgr_auditrecord_no_delete",
    "DROP TRIGGER IF EXISTS fundmgr_signature_no_update",
    "DROP TRIGGER IF EXISTS fundmgr_signature_no_delete",
]

#: Undone, PostgreSQL.
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS fundmgr_entry_insert_draft ON fundmgr_journalentry",
    "DROP TRIGGER IF EXISTS fundmgr_entry_posted_no_update ON fundmgr_journalentry",
    "DROP TRIGGER IF EXISTS fundmgr_entry_posted_no_delete ON fundmgr_journalentry",
    "DROP TRIGGER IF EXISTS fundmgr_entry_post_check ON fundmgr_journalentry",
    "DROP TRIGGER IF EXISTS fundmgr_leg_no_update ON fundmgr_leg",
    "DROP TRIGGER IF EXISTS fundmgr_leg_guard ON fundmgr_leg",
    "DROP TRIGGER IF EXISTS fundmgr_auditrecord_append_only ON fundmgr_auditrecord",
    "DROP TRIGGER IF EXISTS fundmgr_signature_append_only ON fundmgr_signature",
    "DROP FUNCTION IF EXISTS fundmgr_refuse()",
    "DROP FUNCTION IF EXISTS fundmgr_leg_guard()",
    "DROP FUNCTION IF EXISTS fundmgr_entry_post_check()",
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
    dependencies = [("fundmgr", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
