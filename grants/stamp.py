"""A stamp that changes whenever any grant changes, however it is changed
(a service, an import's bulk insert, the admin, raw SQL): a database trigger
on the grants table bumps it. The officer queue caches what it shows under
the stamp, so a page is computed once per change of the data, not per request.

On PostgreSQL the trigger is a deferred constraint trigger: it bumps the stamp
when the transaction commits, so the stamp's row lock is always the last one a
transaction takes and is held for an instant (approvals lock the fund first;
a stamp taken at the first grant update would make two approvals deadlock).
A reader takes the stamp *before* reading the grants: at worst it caches newer
data under the older stamp, never older data under the newer one.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, connection, transaction

from grants.models import QueueStamp

TABLE = "grants_grant"
STAMP = "grants_queuestamp"

# The trigger's SQL as it is now (grants.guards registers it for the system
# check). It is installed by migration grants 0004, which carries its own copy
# of this SQL: a change here needs a new migration (docs/architecture.md,
# "Changing a guard"). Constant table names only: no input reaches them.
SQLITE_TRIGGERS = {  # noqa: S608
    f"grants_grant_stamp_{op.lower()}": (
        f"""CREATE TRIGGER IF NOT EXISTS grants_grant_stamp_{op.lower()} AFTER {op} ON {TABLE}
    BEGIN UPDATE {STAMP} SET version = version + 1; END"""  # noqa: S608
    )
    for op in ("INSERT", "UPDATE", "DELETE")
}

POSTGRES_FUNCTIONS = {
    "grants_bump_stamp": f"""CREATE OR REPLACE FUNCTION grants_bump_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE {STAMP} SET version = version + 1;
      RETURN NULL;
    END $$""",  # noqa: S608, E501
}
POSTGRES_TRIGGERS = {
    "grants_grant_stamp": f"""CREATE CONSTRAINT TRIGGER grants_grant_stamp AFTER INSERT OR UPDATE OR DELETE
    ON {TABLE} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION grants_bump_stamp()""",  # noqa: E501
}


def current_stamp() -> str:
    """The stamp now (one query, written in SQL: on every request of the queue,
    the ORM took longer to build it than the database to answer); made if
    missing (a new database, or a flush)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token, version FROM {STAMP} ORDER BY id LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        try:
            with transaction.atomic():
                made = QueueStamp.objects.create(pk=1, token=uuid.uuid4().hex)
        except IntegrityError:  # made at the same moment by another request
            made = QueueStamp.objects.get(pk=1)
        row = (made.token, made.version)
    return f"{row[0]}:{row[1]}"
