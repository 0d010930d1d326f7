"""Lifting the entry table's guards inside a migration that fills new columns
of posted entries, and putting back exactly what was lifted.

Kept apart from the guards' definitions (fundmgr.db.guards), which no
migration imports: these helpers read whatever guards the database has, so a
migration calling them never changes with a guard. Their behaviour must stay
what every migration calling them relies on (fundmgr 0014, donors 0011, and
fundmgr.db.entry_sources for grants 0007 and reports 0004).
"""

# ruff: noqa: S608 - DDL from the module's own constants, never from input.
from __future__ import annotations

ENTRY = "fundmgr_journalentry"

# A migration that adds a column to journal entries fills it on posted rows,
# which the guards refuse. Inside the migration's transaction it lifts the
# entry table's guards and puts back exactly what it lifted (whatever version
# of them is installed, so the migration never changes with this module):
# SQLite saves their SQL in a temporary table and drops them (a table rebuilt
# by the migration loses its triggers anyway); PostgreSQL disables the one
# guard an update meets, which locks the table against other writers until
# the migration commits. Nothing outside the migration sees the guards gone.
_SAVED = "fundmgr_lifted_entry_guards"


def lift_entry_guards(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            # The entry table's triggers, and the legs' that read it (SQLite
            # refuses to rename a rebuilt table while a trigger names it), in
            # the order they were created (which decides the message shown).
            f"CREATE TEMP TABLE {_SAVED} AS SELECT name, sql FROM sqlite_master "
            f"WHERE type = 'trigger' AND (tbl_name = '{ENTRY}' OR sql LIKE '%{ENTRY} %') "
            "ORDER BY rowid",
            params=None,
        )
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"SELECT name FROM {_SAVED}")
            names = [name for (name,) in cursor.fetchall()]
        for name in names:
            schema_editor.execute(f"DROP TRIGGER {name}", params=None)
    elif vendor == "postgresql":
        # A table with pending trigger events (foreign keys checked at commit)
        # cannot be altered: check them now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE", params=None)
        schema_editor.execute(
            f"ALTER TABLE {ENTRY} DISABLE TRIGGER fundmgr_entry_posted_no_update", params=None
        )
    else:
        raise NotImplementedError(
            f"fundmgr's ledger guards support SQLite and PostgreSQL, not {vendor}"
        )


def restore_entry_guards(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"SELECT sql FROM {_SAVED} ORDER BY rowid")
            statements = [sql for (sql,) in cursor.fetchall()]
        for statement in statements:
            schema_editor.execute(statement, params=None)
        schema_editor.execute(f"DROP TABLE {_SAVED}", params=None)
    elif vendor == "postgresql":
        # Still immediate (set by the lift): the rows just filled are
        # checked now, and leave no pending events to block the ALTER.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE", params=None)
        schema_editor.execute(
            f"ALTER TABLE {ENTRY} ENABLE TRIGGER fundmgr_entry_posted_no_update", params=None
        )
        # Back to Django's way: every foreign key checked at commit.
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED", params=None)
    else:
        raise NotImplementedError(
            f"fundmgr's ledger guards support SQLite and PostgreSQL, not {vendor}"
        )
