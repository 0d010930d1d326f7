"""SQLite, with one difference: emptying the whole database (``flush``, which
the test runner uses between tests) passes the ledger's append-only guards,
the way PostgreSQL's TRUNCATE passes row triggers: the guards of every app
(fundmgr.db.guards.registered) on the tables emptied are dropped before and
created again after, as they are now. Every row-level update or delete is
still refused by the guards."""

from django.db.backends.sqlite3 import base, operations

from fundmgr.db import guards


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not statements or guards.ENTRY not in tables:
            return statements
        drop, create = guards.sqlite_flush_statements(tables)
        return [*drop, *statements, *create]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
