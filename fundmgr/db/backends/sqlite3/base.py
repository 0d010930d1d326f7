"""SQLite, with one difference: emptying the whole database (``flush``, which
the test runner uses between tests) passes the ledger's append-only guards,
the way PostgreSQL's TRUNCATE passes row triggers. Every row-level update or
delete is still refused by the guards."""

from django.db.backends.sqlite3 import base, operations

from fundmgr.db import guards


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not statements or guards.ENTRY not in tables:
            return statements
        drop_app, create_app = guards.sqlite_app_statements(tables)
        return [
            *guards.sqlite_drop_statements(),
            *drop_app,
            *statements,
            *guards.sqlite_create_statements(),
            *create_app,
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
