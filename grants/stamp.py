"""A stamp that changes whenever any grant changes, however it is changed
(a service, an import's bulk insert, the admin, raw SQL): a database trigger
on the grants table bumps it, and on the tables of what else the queue shows
(the events, their funds and travel policies). The officer queue caches what
it shows under the stamp, so a page is computed once per change of the data,
not per request.

On PostgreSQL the trigger is a deferred constraint trigger: it bumps the stamp
when the transaction commits, so the stamp's row lock is always the last one a
transaction takes and is held for an instant (approvals lock the fund first;
a stamp taken at the first grant update would make two approvals deadlock).
A reader takes the stamp *before* reading the grants: at worst it caches newer
data under the older stamp, never older data under the newer one.
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction

from grants.models import ApprovalLevel, QueueStamp

STAMP = "grants_queuestamp"
#: The tables whose changes move the stamp, by the name their triggers carry,
#: and what their triggers bump: the grants move the queue's stamp; the
#: events, their funds and travel policies move it and the events' own.
TABLES = {
    "grant": ("grants_grant", "grants_bump_stamp", "version = version + 1"),
    "event": (
        "fundmgr_event",
        "grants_bump_event_stamp",
        "version = version + 1, events_version = events_version + 1",
    ),
    "fund": (
        "fundmgr_fund",
        "grants_bump_event_stamp",
        "version = version + 1, events_version = events_version + 1",
    ),
    "travelpolicy": (
        "grants_travelpolicy",
        "grants_bump_event_stamp",
        "version = version + 1, events_version = events_version + 1",
    ),
}

# The triggers' SQL as it is now (grants.guards registers it for the system
# check). Installed by migrations grants 0004 (the grants) and 0009 (the
# others), which carry their own copies of this SQL: a change here needs a new
# migration (docs/architecture.md, "Changing a guard"). Constant table names
# only: no input reaches them.
SQLITE_TRIGGERS = {  # noqa: S608
    f"grants_{name}_stamp_{op.lower()}": (
        f"""CREATE TRIGGER IF NOT EXISTS grants_{name}_stamp_{op.lower()} AFTER {op} ON {table}
    BEGIN UPDATE {STAMP} SET {bump}; END"""  # noqa: S608
    )
    for name, (table, _function, bump) in TABLES.items()
    for op in ("INSERT", "UPDATE", "DELETE")
}

POSTGRES_FUNCTIONS = {
    function: f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE {STAMP} SET {bump};
      RETURN NULL;
    END $$"""  # noqa: S608, E501
    for _table, function, bump in TABLES.values()
}
POSTGRES_TRIGGERS = {
    f"grants_{name}_stamp": f"""CREATE CONSTRAINT TRIGGER grants_{name}_stamp AFTER INSERT OR UPDATE OR DELETE
    ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {function}()"""  # noqa: E501
    for name, (table, function, _bump) in TABLES.items()
}
#: How PostgreSQL shows each (pg_get_triggerdef, schema left out).
POSTGRES_SHOWN = {
    f"grants_{name}_stamp": (
        f"CREATE CONSTRAINT TRIGGER grants_{name}_stamp AFTER INSERT OR DELETE OR UPDATE ON"
        f" {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
        f" EXECUTE FUNCTION {function}()"
    )
    for name, (table, function, _bump) in TABLES.items()
}


class Stamps(NamedTuple):
    """The queue's stamp (any change to what the queue shows) and the events'
    (a change to an event, its fund or its travel policy only)."""

    queue: str
    events: str


def current_stamps() -> Stamps:
    """The stamps now (one query, written in SQL: on every request of the queue,
    the ORM took longer to build it than the database to answer); made if
    missing (a new database, or a flush)."""
    return _read(with_certifier=False)[0]


def stamps_and_certifier() -> tuple[Stamps, str | None]:
    """The stamps and the role of the first approval level (who certifies:
    data, not code; None if no level is defined), in one query: the queue
    asks both on every request, and a round trip to the database cost it
    more than either answer."""
    return _read(with_certifier=True)


def _read(*, with_certifier: bool) -> tuple[Stamps, str | None]:
    # Constant table and column names only: no input reaches this SQL.
    certifier = (
        f", (SELECT role FROM {ApprovalLevel._meta.db_table}"  # noqa: S608
        f" ORDER BY {connection.ops.quote_name('order')} LIMIT 1)"
        if with_certifier
        else ", NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT token, version, events_version{certifier} FROM {STAMP}"  # noqa: S608
            " ORDER BY id LIMIT 1"
        )
        row = cursor.fetchone()
    if row is None:
        try:
            with transaction.atomic():
                made = QueueStamp.objects.create(pk=1, token=uuid.uuid4().hex)
        except IntegrityError:  # made at the same moment by another request
            made = QueueStamp.objects.get(pk=1)
        first = (
            ApprovalLevel.objects.order_by("order").values_list("role", flat=True).first()
            if with_certifier
            else None
        )
        row = (made.token, made.version, made.events_version, first)
    return Stamps(f"{row[0]}:{row[1]}", f"{row[0]}:{row[2]}"), row[3]
