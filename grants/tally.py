"""The officer queue's counts and totals by state, kept as they change: a
database trigger on the grants table adds each inserted grant to its bucket
of ``grants_queuetally`` (event, state, country, gender, LDC), takes each
deleted one out, and moves an updated one (out of its old bucket, into its
new one), however the grant is changed (a service, an import's bulk insert,
the admin, raw SQL). The queue then reads a few hundred rows instead of
every grant of the event, so the page computed right after a change costs
the same at 20 grants as at 20,000.

Amounts are kept in hundredths (the amount fields' scale), as integers: SQLite
would add decimals as binary floats.

On PostgreSQL the trigger is a deferred constraint trigger, like the stamp's
(grants.stamp): it fires at commit, after the stamp's (triggers on one event
fire in the order of their names), so the buckets' locks are the last a
transaction takes. Before it touches a bucket it takes a transaction-level
advisory lock (``ADVISORY_LOCK``), held to the commit: committing
transactions reach the buckets one at a time, so two of them can never wait
on each other's buckets, whatever order they changed their grants in (two
transactions each moving a grant into the other's bucket deadlocked without
it: tests/grants/test_queue_tally_race_postgres.py). The stamp's row lock
would serialise them too, but the stamp's row is made only when the queue is
first read. Commits that change grants already queue on the stamp's row; the
advisory lock adds no wait beyond that.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

TABLE = "grants_grant"
TALLY = "grants_queuetally"
BUCKET = "event_id, state, country_id, gender, ldc"
#: PostgreSQL's advisory lock (transaction-level) that lets one committing
#: transaction at a time reach the buckets: a constant of this module's own.
ADVISORY_LOCK = 47_120_812
#: The grant's columns that decide its bucket and its amounts.
WATCHED = ("event_id", "state", "country_id", "gender", "ldc_on_eligibility_date", "cost",
           "committed_amount")  # fmt: skip


def _sqlite_add(row: str, sign: str) -> str:
    return (
        f"INSERT INTO {TALLY} ({BUCKET}, grants, cost, committed) VALUES ("  # noqa: S608
        f"{row}.event_id, {row}.state, {row}.country_id, {row}.gender,"
        f" {row}.ldc_on_eligibility_date, {sign}1,"
        f" {sign}CAST(ROUND({row}.cost * 100) AS INTEGER),"
        f" {sign}CAST(ROUND({row}.committed_amount * 100) AS INTEGER))"
        f" ON CONFLICT ({BUCKET}) DO UPDATE SET grants = grants + excluded.grants,"
        " cost = cost + excluded.cost, committed = committed + excluded.committed;"
    )


_CHANGED = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in WATCHED)

# The trigger's SQL as it is now (grants.guards registers it for the system
# check). It is installed by migration grants 0008, which carries its own copy
# of this SQL: a change here needs a new migration (docs/architecture.md,
# "Changing a guard"). Constant table names only: no input reaches them.
SQLITE_TRIGGERS = {
    "grants_grant_tally_insert": (
        f"CREATE TRIGGER IF NOT EXISTS grants_grant_tally_insert AFTER INSERT ON {TABLE}"
        f" BEGIN {_sqlite_add('NEW', '')} END"
    ),
    "grants_grant_tally_update": (
        f"CREATE TRIGGER IF NOT EXISTS grants_grant_tally_update AFTER UPDATE ON {TABLE}"
        f" WHEN {_CHANGED}"
        f" BEGIN {_sqlite_add('OLD', '-')} {_sqlite_add('NEW', '')} END"
    ),
    "grants_grant_tally_delete": (
        f"CREATE TRIGGER IF NOT EXISTS grants_grant_tally_delete AFTER DELETE ON {TABLE}"
        f" BEGIN {_sqlite_add('OLD', '-')} END"
    ),
}


def _pg_add(row: str, sign: str) -> str:
    return (
        f"INSERT INTO {TALLY} AS t ({BUCKET}, grants, cost, committed) VALUES ("  # noqa: S608
        f"{row}.event_id, {row}.state, {row}.country_id, {row}.gender,"
        f" {row}.ldc_on_eligibility_date, {sign}1, {sign}({row}.cost * 100)::bigint,"
        f" {sign}({row}.committed_amount * 100)::bigint)"
        f" ON CONFLICT ({BUCKET}) DO UPDATE SET grants = t.grants + EXCLUDED.grants,"
        " cost = t.cost + EXCLUDED.cost, committed = t.committed + EXCLUDED.committed;"
    )


_PG_SAME = " AND ".join(f"OLD.{column} IS NOT DISTINCT FROM NEW.{column}" for column in WATCHED)

POSTGRES_FUNCTIONS = {
    "grants_tally_grant": (
        "CREATE OR REPLACE FUNCTION grants_tally_grant() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "    BEGIN\n"
        f"      IF TG_OP = 'UPDATE' AND {_PG_SAME} THEN\n"
        "        RETURN NULL;\n"
        "      END IF;\n"
        f"      PERFORM pg_advisory_xact_lock({ADVISORY_LOCK});\n"
        "      IF TG_OP IN ('UPDATE', 'DELETE') THEN\n"
        f"        {_pg_add('OLD', '-')}\n"
        "      END IF;\n"
        "      IF TG_OP IN ('INSERT', 'UPDATE') THEN\n"
        f"        {_pg_add('NEW', '')}\n"
        "      END IF;\n"
        "      RETURN NULL;\n"
        "    END $$"
    ),
}
POSTGRES_TRIGGERS = {
    "grants_grant_tally": (
        "CREATE CONSTRAINT TRIGGER grants_grant_tally AFTER INSERT OR UPDATE OR DELETE\n"
        f"    ON {TABLE} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION"
        " grants_tally_grant()"
    ),
}
POSTGRES_SHOWN = {
    "grants_grant_tally": (
        "CREATE CONSTRAINT TRIGGER grants_grant_tally AFTER INSERT OR DELETE OR UPDATE ON"
        " grants_grant DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
        " EXECUTE FUNCTION grants_tally_grant()"
    ),
}

HUNDREDTH = Decimal("0.01")


def amount(hundredths: int | None) -> Decimal:
    """A tally's amount (hundredths) as the amount fields' decimal."""
    return (Decimal(int(hundredths or 0)) * HUNDREDTH).quantize(HUNDREDTH)


Bucket = tuple[int, str, str, str, bool]
Totals = tuple[int, int, int]


def _hundredths(value: Decimal | None) -> int:
    return int((value or Decimal(0)).scaleb(2).to_integral_value(ROUND_HALF_UP))


def counted_from_grants(event_id: int) -> dict[Bucket, Totals]:
    """The event's buckets as the grants themselves give them, added up in
    Python (exact: never a floating SQL sum); empty buckets left out."""
    from grants.models import Grant

    counted: dict[Bucket, list[int]] = {}
    rows = (
        Grant.objects.filter(event_id=event_id)
        .order_by()
        .values_list(
            "state", "country_id", "gender", "ldc_on_eligibility_date", "cost", "committed_amount"
        )  # fmt: skip
        .iterator(chunk_size=2000)
    )
    for state, country, gender, ldc, cost, committed in rows:
        totals = counted.setdefault((event_id, state, country, gender, bool(ldc)), [0, 0, 0])
        totals[0] += 1
        totals[1] += _hundredths(cost)
        totals[2] += _hundredths(committed)
    return {bucket: (n, c, k) for bucket, (n, c, k) in counted.items()}


def kept_in_tally(event_id: int) -> dict[Bucket, Totals]:
    """The event's buckets as the tally keeps them; empty ones left out."""
    from grants.models import QueueTally

    rows = QueueTally.objects.filter(event_id=event_id).values_list(
        "state", "country_id", "gender", "ldc", "grants", "cost", "committed"
    )
    return {
        (event_id, state, country, gender, bool(ldc)): (int(n), int(c), int(k))
        for state, country, gender, ldc, n, c, k in rows
        if n or c or k
    }


def tally_drift(event_id: int) -> list[tuple[Bucket, Totals | None, Totals | None]]:
    """Each bucket where the tally and the grants differ: (bucket, kept, counted)."""
    kept, counted = kept_in_tally(event_id), counted_from_grants(event_id)
    return [
        (bucket, kept.get(bucket), counted.get(bucket))
        for bucket in sorted(kept.keys() | counted.keys())
        if kept.get(bucket) != counted.get(bucket)
    ]


def rebuild_tally(event_id: int) -> int:
    """The event's tally made again from its grants; returns its buckets.

    On PostgreSQL it first takes the triggers' advisory lock: a transaction
    committing grant changes meanwhile waits, then adds its change to the
    rebuilt buckets (which its uncommitted change was not read into)."""
    from django.db import connection, transaction

    from grants.models import QueueTally

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        counted = counted_from_grants(event_id)
        QueueTally.objects.filter(event_id=event_id).delete()
        QueueTally.objects.bulk_create(
            QueueTally(
                event_id=event_id,
                state=state,
                country_id=country,
                gender=gender,
                ldc=ldc,
                grants=n,
                cost=c,
                committed=k,
            )
            for (_event, state, country, gender, ldc), (n, c, k) in counted.items()
        )
    return len(counted)
