"""The grants' database guards as they are now: grant transitions are
append-only (fundmgr's refusal, fundmgr.db.guards.append_only), and the
queue's stamp is bumped, and its tally kept, by triggers on any change to a
grant (grants.stamp, grants.tally).

The system check (fundmgr.checks) compares the installed triggers with
these; tests/test_guard_definitions.py ties them to the SQL of the latest
migration of each guard (grants 0003, 0004 and 0009 for the stamp, and 0008
for the queue's tally, grants.tally). To change a guard, change it
here (or in grants.stamp) AND write a new migration carrying the new SQL
(docs/architecture.md, "Changing a guard")."""

from __future__ import annotations

from fundmgr.db import guards
from grants import stamp, tally

TRANSITIONS = "grants_granttransition"

_transitions_sqlite, _transitions_postgres = guards.append_only(TRANSITIONS)

#: How PostgreSQL shows each trigger (pg_get_triggerdef, schema left out).
POSTGRES_SHOWN: dict[str, str] = {
    "grants_granttransition_append_only": (
        "CREATE TRIGGER grants_granttransition_append_only BEFORE DELETE OR UPDATE ON"
        " grants_granttransition FOR EACH ROW"
        " EXECUTE FUNCTION fundmgr_refuse('append-only: this record can never be changed or"
        " deleted')"
    ),
}


def register() -> None:
    guards.register(
        "grants",
        migration="0009_stamp_on_event_fund_policy",
        sqlite=_transitions_sqlite | stamp.SQLITE_TRIGGERS | tally.SQLITE_TRIGGERS,
        postgres_functions=stamp.POSTGRES_FUNCTIONS | tally.POSTGRES_FUNCTIONS,
        postgres=_transitions_postgres | stamp.POSTGRES_TRIGGERS | tally.POSTGRES_TRIGGERS,
        postgres_shown=POSTGRES_SHOWN | stamp.POSTGRES_SHOWN | tally.POSTGRES_SHOWN,
    )
