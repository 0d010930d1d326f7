"""The donors' database guards as they are now: a cancelled pledge stays
cancelled and takes no receipt, whatever code talks to the database
(donors.services.receipts refuses it first, with a message for people).

The system check (fundmgr.checks) compares the installed triggers with
these; tests/test_guard_definitions.py ties them to the SQL of the latest
migration of each guard (donors 0010). To change a guard, change it here AND
write a new migration carrying the new SQL (docs/architecture.md, "Changing a
guard")."""

from __future__ import annotations

from fundmgr.db import guards

MSG_STAYS_CANCELLED = "donors: a cancelled pledge stays cancelled"
MSG_NO_RECEIPT = "donors: a cancelled pledge takes no receipt; record the money for its donor"
_PLEDGE_CANCELLED = "(SELECT status FROM donors_pledge WHERE id = NEW.pledge_id) = 'cancelled'"

SQLITE_TRIGGERS = {
    "donors_pledge_cancelled_stays": (
        "CREATE TRIGGER donors_pledge_cancelled_stays BEFORE UPDATE OF status ON donors_pledge "
        "FOR EACH ROW WHEN OLD.status = 'cancelled' AND NEW.status <> 'cancelled' "
        f"BEGIN SELECT RAISE(ABORT, '{MSG_STAYS_CANCELLED}'); END"
    ),
    "donors_receipt_not_for_cancelled": (
        "CREATE TRIGGER donors_receipt_not_for_cancelled BEFORE INSERT ON donors_receipt "
        f"FOR EACH ROW WHEN {_PLEDGE_CANCELLED} "
        f"BEGIN SELECT RAISE(ABORT, '{MSG_NO_RECEIPT}'); END"
    ),
    "donors_receipt_not_moved_to_cancelled": (
        "CREATE TRIGGER donors_receipt_not_moved_to_cancelled BEFORE UPDATE OF pledge_id "
        "ON donors_receipt FOR EACH ROW WHEN NEW.pledge_id IS NOT OLD.pledge_id "
        f"AND {_PLEDGE_CANCELLED} "
        f"BEGIN SELECT RAISE(ABORT, '{MSG_NO_RECEIPT}'); END"
    ),
}

POSTGRES_FUNCTIONS = {
    "donors_pledge_cancelled_stays": f"""
CREATE OR REPLACE FUNCTION donors_pledge_cancelled_stays() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '{MSG_STAYS_CANCELLED}'
    USING ERRCODE = 'integrity_constraint_violation';
END $$;
""",
    "donors_receipt_not_for_cancelled": f"""
CREATE OR REPLACE FUNCTION donors_receipt_not_for_cancelled() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM donors_pledge WHERE id = NEW.pledge_id AND status = 'cancelled') THEN
    RAISE EXCEPTION '{MSG_NO_RECEIPT}'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;
""",  # noqa: S608 - constant text, no input
}

POSTGRES_TRIGGERS = {
    "donors_pledge_cancelled_stays": (
        "CREATE TRIGGER donors_pledge_cancelled_stays BEFORE UPDATE OF status ON donors_pledge "
        "FOR EACH ROW WHEN (OLD.status = 'cancelled' AND NEW.status <> 'cancelled') "
        "EXECUTE FUNCTION donors_pledge_cancelled_stays()"
    ),
    "donors_receipt_not_for_cancelled": (
        "CREATE TRIGGER donors_receipt_not_for_cancelled BEFORE INSERT ON donors_receipt "
        "FOR EACH ROW WHEN (NEW.pledge_id IS NOT NULL) "
        "EXECUTE FUNCTION donors_receipt_not_for_cancelled()"
    ),
    "donors_receipt_not_moved_to_cancelled": (
        "CREATE TRIGGER donors_receipt_not_moved_to_cancelled BEFORE UPDATE OF pledge_id "
        "ON donors_receipt FOR EACH ROW "
        "WHEN (NEW.pledge_id IS DISTINCT FROM OLD.pledge_id AND NEW.pledge_id IS NOT NULL) "
        "EXECUTE FUNCTION donors_receipt_not_for_cancelled()"
    ),
}

#: How PostgreSQL shows each trigger (pg_get_triggerdef, schema left out).
POSTGRES_SHOWN: dict[str, str] = {
    "donors_pledge_cancelled_stays": (
        "CREATE TRIGGER donors_pledge_cancelled_stays BEFORE UPDATE OF status ON donors_pledge"
        " FOR EACH ROW WHEN ((((old.status)::text = 'cancelled'::text)"
        " AND ((new.status)::text <> 'cancelled'::text)))"
        " EXECUTE FUNCTION donors_pledge_cancelled_stays()"
    ),
    "donors_receipt_not_for_cancelled": (
        "CREATE TRIGGER donors_receipt_not_for_cancelled BEFORE INSERT ON donors_receipt"
        " FOR EACH ROW WHEN ((new.pledge_id IS NOT NULL))"
        " EXECUTE FUNCTION donors_receipt_not_for_cancelled()"
    ),
    "donors_receipt_not_moved_to_cancelled": (
        "CREATE TRIGGER donors_receipt_not_moved_to_cancelled BEFORE UPDATE OF pledge_id ON"
        " donors_receipt FOR EACH ROW WHEN (((new.pledge_id IS DISTINCT FROM old.pledge_id)"
        " AND (new.pledge_id IS NOT NULL))) EXECUTE FUNCTION donors_receipt_not_for_cancelled()"
    ),
}


def register() -> None:
    guards.register(
        "donors",
        migration="0010_cancelled_pledge_guards",
        sqlite=SQLITE_TRIGGERS,
        postgres_functions=POSTGRES_FUNCTIONS,
        postgres=POSTGRES_TRIGGERS,
        postgres_shown=POSTGRES_SHOWN,
    )
