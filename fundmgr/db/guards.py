"""Database triggers that hold the ledger and audit invariants on SQLite and
PostgreSQL, whatever code talks to the database.

- a journal entry is inserted as a draft; it may be posted only if it has at
  least two legs, its debits equal its credits, every leg is on an account of
  its own fund, and it does not mix host-country (segregated) accounts with
  the trust fund;
- a posted entry, and every leg, can never be updated; a posted entry and its
  legs can never be deleted, and no leg can be added to it;
- audit records and signatures can never be updated or deleted.

This module is what the guards are NOW, and the registry of every app's
guards (``register``, ``registered``): the system check (fundmgr.checks)
compares the installed triggers and functions with it. It installs nothing.
The migrations install the guards, each carrying its own SQL written out
(fundmgr 0002 and 0015 for these): no migration imports this module. To
change a guard, change it here AND add a new migration carrying the new SQL;
tests/test_guard_definitions.py fails while the latest migration of a guard
and this module differ (docs/architecture.md, "Changing a guard").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ENTRY = "fundmgr_journalentry"
LEG = "fundmgr_leg"
ACCOUNT = "fundmgr_account"
APPEND_ONLY = ("fundmgr_auditrecord", "fundmgr_signature")

MSG_DRAFT_FIRST = "ledger: a journal entry is created as a draft and posted once its legs are in"
MSG_POSTED_ENTRY = "ledger: a posted journal entry cannot be changed or deleted; post a reversal"
MSG_LEG_CHANGE = "ledger: journal legs cannot be changed; post a reversing entry"
MSG_POSTED_LEG = "ledger: the legs of a posted journal entry cannot be added or deleted"
MSG_UNBALANCED = "ledger: the journal entry does not balance (debits must equal credits)"
MSG_TOO_FEW_LEGS = "ledger: a journal entry needs at least two legs"
MSG_OTHER_FUND = "ledger: every leg must be on an account of the fund of its entry"
MSG_SEGREGATED = "ledger: host-country accounts cannot share an entry with trust-fund accounts"
MSG_ACCOUNT_IN_USE = "ledger: an account with legs keeps its fund, purpose, kind and segregation"
MSG_APPEND_ONLY = "append-only: this record can never be changed or deleted"

# SQLite stores decimals as binary floats: compare sums with a tolerance
# of half the finest unit the ledger keeps (0.001).
_SQLITE_UNBALANCED = (
    f"ABS((SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) FROM {LEG} "
    "WHERE entry_id = NEW.id)) >= 0.0005"
)
_LEG_COUNT = f"(SELECT COUNT(*) FROM {LEG} WHERE entry_id = NEW.id)"
_OTHER_FUND = (
    f"EXISTS (SELECT 1 FROM {LEG} l JOIN {ACCOUNT} a ON a.id = l.account_id "
    "WHERE l.entry_id = NEW.id AND a.fund_id <> NEW.fund_id)"
)
_MIXED = (
    f"(SELECT COUNT(DISTINCT a.segregated) FROM {LEG} l JOIN {ACCOUNT} a "
    "ON a.id = l.account_id WHERE l.entry_id = NEW.id) > 1"
)
_POSTING = "OLD.status = 'draft' AND NEW.status = 'posted'"
_ACCOUNT_CHANGED = (
    "(NEW.fund_id IS NOT OLD.fund_id OR NEW.segregated IS NOT OLD.segregated "
    "OR NEW.kind IS NOT OLD.kind OR NEW.key IS NOT OLD.key)"
)
_ACCOUNT_USED = f"EXISTS (SELECT 1 FROM {LEG} WHERE account_id = OLD.id)"


def _sqlite_trigger(name: str, timing: str, table: str, when: str | None, message: str) -> str:
    condition = f" WHEN {when}" if when else ""
    return (
        f"CREATE TRIGGER {name} {timing} ON {table} FOR EACH ROW{condition} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )


SQLITE_TRIGGERS: dict[str, str] = {
    "fundmgr_entry_insert_draft": _sqlite_trigger(
        "fundmgr_entry_insert_draft",
        "BEFORE INSERT",
        ENTRY,
        "NEW.status <> 'draft'",
        MSG_DRAFT_FIRST,
    ),
    "fundmgr_entry_posted_no_update": _sqlite_trigger(
        "fundmgr_entry_posted_no_update",
        "BEFORE UPDATE",
        ENTRY,
        "OLD.status = 'posted'",
        MSG_POSTED_ENTRY,
    ),
    "fundmgr_entry_posted_no_delete": _sqlite_trigger(
        "fundmgr_entry_posted_no_delete",
        "BEFORE DELETE",
        ENTRY,
        "OLD.status = 'posted'",
        MSG_POSTED_ENTRY,
    ),
    "fundmgr_entry_post_two_legs": _sqlite_trigger(
        "fundmgr_entry_post_two_legs",
        "BEFORE UPDATE",
        ENTRY,
        f"{_POSTING} AND {_LEG_COUNT} < 2",
        MSG_TOO_FEW_LEGS,
    ),
    "fundmgr_entry_post_balanced": _sqlite_trigger(
        "fundmgr_entry_post_balanced",
        "BEFORE UPDATE",
        ENTRY,
        f"{_POSTING} AND {_SQLITE_UNBALANCED}",
        MSG_UNBALANCED,
    ),
    "fundmgr_entry_post_own_fund": _sqlite_trigger(
        "fundmgr_entry_post_own_fund",
        "BEFORE UPDATE",
        ENTRY,
        f"{_POSTING} AND {_OTHER_FUND}",
        MSG_OTHER_FUND,
    ),
    "fundmgr_entry_post_not_mixed": _sqlite_trigger(
        "fundmgr_entry_post_not_mixed",
        "BEFORE UPDATE",
        ENTRY,
        f"{_POSTING} AND {_MIXED}",
        MSG_SEGREGATED,
    ),
    "fundmgr_account_fixed_once_used": _sqlite_trigger(
        "fundmgr_account_fixed_once_used",
        "BEFORE UPDATE",
        ACCOUNT,
        f"{_ACCOUNT_CHANGED} AND {_ACCOUNT_USED}",
        MSG_ACCOUNT_IN_USE,
    ),
    "fundmgr_leg_no_update": _sqlite_trigger(
        "fundmgr_leg_no_update",
        "BEFORE UPDATE",
        LEG,
        None,
        MSG_LEG_CHANGE,
    ),
    "fundmgr_leg_no_insert_posted": _sqlite_trigger(
        "fundmgr_leg_no_insert_posted",
        "BEFORE INSERT",
        LEG,
        f"(SELECT status FROM {ENTRY} WHERE id = NEW.entry_id) = 'posted'",
        MSG_POSTED_LEG,
    ),
    "fundmgr_leg_no_delete_posted": _sqlite_trigger(
        "fundmgr_leg_no_delete_posted",
        "BEFORE DELETE",
        LEG,
        f"(SELECT status FROM {ENTRY} WHERE id = OLD.entry_id) = 'posted'",
        MSG_POSTED_LEG,
    ),
}
for _table in APPEND_ONLY:
    for _op in ("UPDATE", "DELETE"):
        _name = f"{_table}_no_{_op.lower()}"
        SQLITE_TRIGGERS[_name] = _sqlite_trigger(
            _name, f"BEFORE {_op}", _table, None, MSG_APPEND_ONLY
        )


def _pg_function(name: str, body: str, declare: str = "") -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"{declare}BEGIN\n{body}END $$;"
    )


def _raise(message: str, indent: str = "    ") -> str:
    return (
        f"{indent}RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';\n"
    )


POSTGRES_FUNCTIONS: dict[str, str] = {
    "fundmgr_refuse": _pg_function(
        "fundmgr_refuse",
        "  RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';\n",
    ),
    "fundmgr_leg_guard": _pg_function(
        "fundmgr_leg_guard",
        f"  SELECT status INTO entry_status FROM {ENTRY}\n"
        "   WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.entry_id ELSE NEW.entry_id END;\n"
        "  IF entry_status = 'posted' THEN\n"
        f"{_raise(MSG_POSTED_LEG)}"
        "  END IF;\n"
        "  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"
        "  RETURN NEW;\n",
        declare="DECLARE\n  entry_status text;\n",
    ),
    "fundmgr_account_guard": _pg_function(
        "fundmgr_account_guard",
        f"  IF {_ACCOUNT_USED} THEN\n{_raise(MSG_ACCOUNT_IN_USE)}  END IF;\n  RETURN NEW;\n",
    ),
    "fundmgr_entry_post_check": _pg_function(
        "fundmgr_entry_post_check",
        "  SELECT COUNT(*), COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0)\n"
        f"    INTO leg_count, difference FROM {LEG} WHERE entry_id = NEW.id;\n"
        f"  IF leg_count < 2 THEN\n{_raise(MSG_TOO_FEW_LEGS)}  END IF;\n"
        f"  IF difference <> 0 THEN\n{_raise(MSG_UNBALANCED)}  END IF;\n"
        f"  IF {_OTHER_FUND} THEN\n{_raise(MSG_OTHER_FUND)}  END IF;\n"
        f"  IF {_MIXED} THEN\n{_raise(MSG_SEGREGATED)}  END IF;\n"
        "  RETURN NEW;\n",
        declare="DECLARE\n  leg_count integer;\n  difference numeric;\n",
    ),
}


def _pg_trigger(name: str, timing: str, table: str, when: str | None, function: str) -> str:
    condition = f" WHEN ({when})" if when else ""
    return (
        f"CREATE TRIGGER {name} {timing} ON {table} FOR EACH ROW{condition} "
        f"EXECUTE FUNCTION {function}"
    )


def _refuse(message: str) -> str:
    return f"fundmgr_refuse('{message}')"


def _append_only_pg(table: str) -> str:
    return _pg_trigger(
        f"{table}_append_only", "BEFORE UPDATE OR DELETE", table, None, _refuse(MSG_APPEND_ONLY)
    )


POSTGRES_TRIGGERS: dict[str, str] = {
    "fundmgr_entry_insert_draft": _pg_trigger(
        "fundmgr_entry_insert_draft",
        "BEFORE INSERT",
        ENTRY,
        "NEW.status <> 'draft'",
        _refuse(MSG_DRAFT_FIRST),
    ),
    "fundmgr_entry_posted_no_update": _pg_trigger(
        "fundmgr_entry_posted_no_update",
        "BEFORE UPDATE",
        ENTRY,
        "OLD.status = 'posted'",
        _refuse(MSG_POSTED_ENTRY),
    ),
    "fundmgr_entry_posted_no_delete": _pg_trigger(
        "fundmgr_entry_posted_no_delete",
        "BEFORE DELETE",
        ENTRY,
        "OLD.status = 'posted'",
        _refuse(MSG_POSTED_ENTRY),
    ),
    "fundmgr_entry_post_check": _pg_trigger(
        "fundmgr_entry_post_check", "BEFORE UPDATE", ENTRY, _POSTING, "fundmgr_entry_post_check()"
    ),
    "fundmgr_account_fixed_once_used": _pg_trigger(
        "fundmgr_account_fixed_once_used",
        "BEFORE UPDATE",
        ACCOUNT,
        _ACCOUNT_CHANGED.replace(" IS NOT ", " IS DISTINCT FROM "),
        "fundmgr_account_guard()",
    ),
    "fundmgr_leg_no_update": _pg_trigger(
        "fundmgr_leg_no_update", "BEFORE UPDATE", LEG, None, _refuse(MSG_LEG_CHANGE)
    ),
    "fundmgr_leg_guard": _pg_trigger(
        "fundmgr_leg_guard", "BEFORE INSERT OR DELETE", LEG, None, "fundmgr_leg_guard()"
    ),
} | {f"{table}_append_only": _append_only_pg(table) for table in APPEND_ONLY}


def append_only(table: str) -> tuple[dict[str, str], dict[str, str]]:
    """The append-only guard of another app's table, with the same refusal:
    its SQLite triggers and its PostgreSQL trigger (on ``fundmgr_refuse``)."""
    sqlite = {
        f"{table}_no_{op.lower()}": _sqlite_trigger(
            f"{table}_no_{op.lower()}", f"BEFORE {op}", table, None, MSG_APPEND_ONLY
        )
        for op in ("UPDATE", "DELETE")
    }
    return sqlite, {f"{table}_append_only": _append_only_pg(table)}


#: How PostgreSQL shows each trigger above (``pg_get_triggerdef``, the table's
#: schema left out): what the system check compares the installed ones with.
#: Proven by tests/test_guard_definitions.py (migrate, then check).
POSTGRES_SHOWN: dict[str, str] = {
    "fundmgr_account_fixed_once_used": (
        "CREATE TRIGGER fundmgr_account_fixed_once_used BEFORE UPDATE ON fundmgr_account"
        " FOR EACH ROW WHEN (((new.fund_id IS DISTINCT FROM old.fund_id) OR (new.segregated IS"
        " DISTINCT FROM old.segregated) OR ((new.kind)::text IS DISTINCT FROM"
        " (old.kind)::text) OR ((new.key)::text IS DISTINCT FROM (old.key)::text)))"
        " EXECUTE FUNCTION fundmgr_account_guard()"
    ),
    "fundmgr_auditrecord_append_only": (
        "CREATE TRIGGER fundmgr_auditrecord_append_only BEFORE DELETE OR UPDATE ON"
        " fundmgr_auditrecord FOR EACH ROW"
        " EXECUTE FUNCTION fundmgr_refuse('append-only: this record can never be changed or"
        " deleted')"
    ),
    "fundmgr_entry_insert_draft": (
        "CREATE TRIGGER fundmgr_entry_insert_draft BEFORE INSERT ON fundmgr_journalentry"
        " FOR EACH ROW WHEN (((new.status)::text <> 'draft'::text))"
        " EXECUTE FUNCTION fundmgr_refuse('ledger: a journal entry is created as a draft and"
        " posted once its legs are in')"
    ),
    "fundmgr_entry_post_check": (
        "CREATE TRIGGER fundmgr_entry_post_check BEFORE UPDATE ON fundmgr_journalentry"
        " FOR EACH ROW WHEN ((((old.status)::text = 'draft'::text)"
        " AND ((new.status)::text = 'posted'::text)))"
        " EXECUTE FUNCTION fundmgr_entry_post_check()"
    ),
    "fundmgr_entry_posted_no_delete": (
        "CREATE TRIGGER fundmgr_entry_posted_no_delete BEFORE DELETE ON fundmgr_journalentry"
        " FOR EACH ROW WHEN (((old.status)::text = 'posted'::text))"
        " EXECUTE FUNCTION fundmgr_refuse('ledger: a posted journal entry cannot be changed or"
        " deleted; post a reversal')"
    ),
    "fundmgr_entry_posted_no_update": (
        "CREATE TRIGGER fundmgr_entry_posted_no_update BEFORE UPDATE ON fundmgr_journalentry"
        " FOR EACH ROW WHEN (((old.status)::text = 'posted'::text))"
        " EXECUTE FUNCTION fundmgr_refuse('ledger: a posted journal entry cannot be changed or"
        " deleted; post a reversal')"
    ),
    "fundmgr_leg_guard": (
        "CREATE TRIGGER fundmgr_leg_guard BEFORE INSERT OR DELETE ON fundmgr_leg FOR EACH ROW"
        " EXECUTE FUNCTION fundmgr_leg_guard()"
    ),
    "fundmgr_leg_no_update": (
        "CREATE TRIGGER fundmgr_leg_no_update BEFORE UPDATE ON fundmgr_leg FOR EACH ROW"
        " EXECUTE FUNCTION fundmgr_refuse('ledger: journal legs cannot be changed"
        "; post a reversing entry')"
    ),
    "fundmgr_signature_append_only": (
        "CREATE TRIGGER fundmgr_signature_append_only BEFORE DELETE OR UPDATE ON"
        " fundmgr_signature FOR EACH ROW"
        " EXECUTE FUNCTION fundmgr_refuse('append-only: this record can never be changed or"
        " deleted')"
    ),
}


# -- the registry: every guard of the project, as it is now ---------------------------------


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    #: The CREATE TRIGGER statement, as the latest migration that installs it
    #: carries it (tests/test_guard_definitions.py).
    sql: str
    #: PostgreSQL: how pg_get_triggerdef shows it, the table's schema left out.
    shown: str = ""

    def sqlite_stored(self) -> str:
        """The statement as SQLite keeps it in sqlite_master (it drops
        ``IF NOT EXISTS``)."""
        return self.sql.replace("CREATE TRIGGER IF NOT EXISTS ", "CREATE TRIGGER ", 1)


@dataclass(frozen=True)
class Function:
    name: str
    #: The CREATE OR REPLACE FUNCTION statement.
    sql: str

    @property
    def body(self) -> str:
        """What PostgreSQL keeps as the function's source (pg_proc.prosrc):
        the text between the dollar quotes."""
        return self.sql.split("$$", 2)[1]


@dataclass(frozen=True)
class GuardSet:
    """The guards one app installs, on each database, as they are now."""

    app_label: str
    #: The app's latest migration that installs or changes one of them: the
    #: check leaves them to ``migrate`` until it is applied.
    migration: tuple[str, str]
    sqlite: tuple[Trigger, ...]
    postgres_functions: tuple[Function, ...]
    postgres: tuple[Trigger, ...]


_REGISTRY: dict[str, GuardSet] = {}


def _table_of(sql: str) -> str:
    """The table of a CREATE TRIGGER statement (the word after its first ON)."""
    return re.search(r"\sON\s+(\w+)", sql).group(1)


def register(
    app_label: str,
    *,
    migration: str,
    sqlite: dict[str, str],
    postgres_functions: dict[str, str] | None = None,
    postgres: dict[str, str],
    postgres_shown: dict[str, str],
) -> GuardSet:
    """Declare the guards ``app_label`` installs, as they are now (an app's
    ``ready``). The statements are those of the latest migration of each
    guard, ``migration`` the latest of those; ``postgres_shown`` is how
    PostgreSQL shows each trigger."""
    guard_set = GuardSet(
        app_label,
        (app_label, migration),
        tuple(Trigger(name, _table_of(sql), sql) for name, sql in sqlite.items()),
        tuple(Function(name, sql) for name, sql in (postgres_functions or {}).items()),
        tuple(
            Trigger(name, _table_of(sql), sql, postgres_shown[name])
            for name, sql in postgres.items()
        ),
    )
    _REGISTRY[app_label] = guard_set
    return guard_set


def registered() -> list[GuardSet]:
    return list(_REGISTRY.values())


def sqlite_flush_statements(tables) -> tuple[list[str], list[str]]:
    """Drop and create statements for the SQLite guards on ``tables`` (a
    flush of the whole database passes them, as TRUNCATE does on PostgreSQL)."""
    drop, create = [], []
    for guard_set in registered():
        for trigger in guard_set.sqlite:
            if trigger.table in tables:
                drop.append(f"DROP TRIGGER IF EXISTS {trigger.name}")
                create.append(trigger.sql)
    return drop, create


register(
    "fundmgr",
    migration="0017_account_guard",
    sqlite=SQLITE_TRIGGERS,
    postgres_functions=POSTGRES_FUNCTIONS,
    postgres=POSTGRES_TRIGGERS,
    postgres_shown=POSTGRES_SHOWN,
)
