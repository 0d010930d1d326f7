"""The queue's stamp also moves when the event, its fund or its travel policy
changes: the queue shows the event's and the fund's names and dates, and
counts the claims due by the policy's period, and its pages are cached under
the stamp (grants/stamp.py); before this, a renamed event showed its old name
until a grant changed. They also move the events' own stamp (a new column),
under which the queue keeps the event with its fund and policy.

The SQL is written out here, frozen: this file never changes. A changed
guard is a new migration carrying its own SQL (docs/architecture.md,
"Changing a guard"); tests/test_guard_definitions.py ties the latest one
of each guard to the definitions the system check expects.
"""

import re

from django.db import migrations, models

#: SQLite: trigger name -> CREATE TRIGGER (dropped first if it exists).
SQLITE_TRIGGERS = {
    "grants_event_stamp_insert": """CREATE TRIGGER IF NOT EXISTS grants_event_stamp_insert AFTER INSERT ON fundmgr_event
    BEGIN UPDATE grants_queuestamp SET version = version + 1, events_version = events_version + 1; END""",
    "grants_event_stamp_update": """CREATE TRIGGER IF NOT EXISTS grants_event_stamp_update AFTER UPDATE ON fundmgr_event
    BEGIN UPDATE grants_queuestamp SET version = version + 1, events_version = events_version + 1; END""",
    "grants_event_stamp_delete": """CREATE TRIGGER IF NOT EXISTS grants_event_stamp_delete AFTER DELETE ON fundmgr_event
    BEGIN UPDATE grants_queuestamp SET version = version + 1, events_version = events_version + 1; END""",
    "grants_fund_stamp_insert": """CREATE TRIGGER IF NOT EXISTS grants_fund_stamp_insert AFTER INSERT ON fundmgr_fund
    BEGIN UPDATE grants_queuestamp SET version = version + 1, events_version = events_version + 1; END""",
    "grants_fund_stamp_update": """CREATE TRIGGER IF NOT EXISTS grants_fund_stamp_update AFTER UPDATE ON fundmgr_fund
    BEGIN UPDATE grants_queuestamp SET version = version + 1, events_version = events_version + 1; END""",
    "grants_fund_stamp_delete": """CREATE TRIGGER IF NOT EXISTS grants_fund_stamp_delete AFTER DELETE ON fundmgr_fund
    BEGIN UPDATE grants_queuestamp SET version = version + 1, events_version = events_version + 1; END""",
    "grants_travelpolicy_stamp_insert": """CREATE TRIGGER IF NOT EXISTS grants_travelpolicy_stamp_insert AFTER INSERT ON grants_travelpolicy
    BEGIN UPDATE grants_queuestamp SET version = version + 1, events_version = events_version + 1; END""",
    "grants_travelpolicy_stamp_update": """CREATE TRIGGER IF NOT EXISTS grants_travelpolicy_stamp_update AFTER UPDATE ON grants_travelpolicy
    BEGIN UPDATE grants_queuestamp SET version = version + 1, events_version = events_version + 1; END""",
    "grants_travelpolicy_stamp_delete": """CREATE TRIGGER IF NOT EXISTS grants_travelpolicy_stamp_delete AFTER DELETE ON grants_travelpolicy
    BEGIN UPDATE grants_queuestamp SET version = version + 1, events_version = events_version + 1; END""",
}

#: PostgreSQL: function name -> CREATE OR REPLACE FUNCTION.
POSTGRES_FUNCTIONS = {
    "grants_bump_event_stamp": """CREATE OR REPLACE FUNCTION grants_bump_event_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE grants_queuestamp SET version = version + 1, events_version = events_version + 1;
      RETURN NULL;
    END $$""",
}

#: PostgreSQL: trigger name -> CREATE TRIGGER (dropped first if it exists).
#: Deferred to the commit, as the grants' own: the stamp's lock is the last
#: a transaction takes.
POSTGRES_TRIGGERS = {
    "grants_event_stamp": """CREATE CONSTRAINT TRIGGER grants_event_stamp AFTER INSERT OR UPDATE OR DELETE
    ON fundmgr_event DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION grants_bump_event_stamp()""",
    "grants_fund_stamp": """CREATE CONSTRAINT TRIGGER grants_fund_stamp AFTER INSERT OR UPDATE OR DELETE
    ON fundmgr_fund DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION grants_bump_event_stamp()""",
    "grants_travelpolicy_stamp": """CREATE CONSTRAINT TRIGGER grants_travelpolicy_stamp AFTER INSERT OR UPDATE OR DELETE
    ON grants_travelpolicy DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION grants_bump_event_stamp()""",
}

#: Undone, SQLite.
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS grants_event_stamp_insert",
    "DROP TRIGGER IF EXISTS grants_event_stamp_update",
    "DROP TRIGGER IF EXISTS grants_event_stamp_delete",
    "DROP TRIGGER IF EXISTS grants_fund_stamp_insert",
    "DROP TRIGGER IF EXISTS grants_fund_stamp_update",
    "DROP TRIGGER IF EXISTS grants_fund_stamp_delete",
    "DROP TRIGGER IF EXISTS grants_travelpolicy_stamp_insert",
    "DROP TRIGGER IF EXISTS grants_travelpolicy_stamp_update",
    "DROP TRIGGER IF EXISTS grants_travelpolicy_stamp_delete",
]

#: Undone, PostgreSQL.
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS grants_event_stamp ON fundmgr_event",
    "DROP TRIGGER IF EXISTS grants_fund_stamp ON fundmgr_fund",
    "DROP TRIGGER IF EXISTS grants_travelpolicy_stamp ON grants_travelpolicy",
    "DROP FUNCTION IF EXISTS grants_bump_event_stamp()",
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

    dependencies = [
        ("grants", "0008_queue_tally"),
    ]

    operations = [
        # Added in SQL: SQLite's AddField would rebuild the stamp's table, which
        # the grants' triggers name, and SQLite refuses the rename that ends it.
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE grants_queuestamp ADD COLUMN events_version bigint NOT NULL DEFAULT 0",
                    "ALTER TABLE grants_queuestamp DROP COLUMN events_version",
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="queuestamp",
                    name="events_version",
                    field=models.BigIntegerField(db_default=0),
                ),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
