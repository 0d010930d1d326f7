"""Database triggers that hold the ledger and audit invariants on SQLite and
PostgreSQL, whatever code talks to the database.

- a journal entry is inserted as a draft; it may be posted only if it has at
  least two legs, its debits equal its credits, every leg is on an account of
  its own fund, and it does not mix host-country (segregated) accounts with
  the trust fund;
- a posted entry, and every leg, can never be updated; a posted entry and its
  legs can never be deleted, and no leg can be added to it;
- audit records and signatures can never be updated or deleted.

A change to these triggers needs a new migration that calls ``install`` again
(each statement drops and recreates what it defines).
"""

from __future__ import annotations

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


POSTGRES_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION fundmgr_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE OR REPLACE FUNCTION fundmgr_leg_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  entry_status text;
BEGIN
  SELECT status INTO entry_status FROM {ENTRY}
   WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.entry_id ELSE NEW.entry_id END;
  IF entry_status = 'posted' THEN
    RAISE EXCEPTION '{MSG_POSTED_LEG}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION fundmgr_account_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {_ACCOUNT_USED} THEN
    RAISE EXCEPTION '{MSG_ACCOUNT_IN_USE}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION fundmgr_entry_post_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  leg_count integer;
  difference numeric;
BEGIN
  SELECT COUNT(*), COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0)
    INTO leg_count, difference FROM {LEG} WHERE entry_id = NEW.id;
  IF leg_count < 2 THEN
    RAISE EXCEPTION '{MSG_TOO_FEW_LEGS}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF difference <> 0 THEN
    RAISE EXCEPTION '{MSG_UNBALANCED}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF {_OTHER_FUND} THEN
    RAISE EXCEPTION '{MSG_OTHER_FUND}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF {_MIXED} THEN
    RAISE EXCEPTION '{MSG_SEGREGATED}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;
"""


def _pg_trigger(name: str, timing: str, table: str, when: str | None, function: str) -> str:
    condition = f" WHEN ({when})" if when else ""
    return (
        f"DROP TRIGGER IF EXISTS {name} ON {table}; "
        f"CREATE TRIGGER {name} {timing} ON {table} FOR EACH ROW{condition} "
        f"EXECUTE FUNCTION {function}"
    )


def _refuse(message: str) -> str:
    return f"fundmgr_refuse('{message}')"


_POSTGRES_TRIGGER_LIST: list[str] = [
    _pg_trigger(
        "fundmgr_entry_insert_draft",
        "BEFORE INSERT",
        ENTRY,
        "NEW.status <> 'draft'",
        _refuse(MSG_DRAFT_FIRST),
    ),
    _pg_trigger(
        "fundmgr_entry_posted_no_update",
        "BEFORE UPDATE",
        ENTRY,
        "OLD.status = 'posted'",
        _refuse(MSG_POSTED_ENTRY),
    ),
    _pg_trigger(
        "fundmgr_entry_posted_no_delete",
        "BEFORE DELETE",
        ENTRY,
        "OLD.status = 'posted'",
        _refuse(MSG_POSTED_ENTRY),
    ),
    _pg_trigger(
        "fundmgr_entry_post_check", "BEFORE UPDATE", ENTRY, _POSTING, "fundmgr_entry_post_check()"
    ),
    _pg_trigger(
        "fundmgr_account_fixed_once_used",
        "BEFORE UPDATE",
        ACCOUNT,
        _ACCOUNT_CHANGED.replace(" IS NOT ", " IS DISTINCT FROM "),
        "fundmgr_account_guard()",
    ),
    _pg_trigger("fundmgr_leg_no_update", "BEFORE UPDATE", LEG, None, _refuse(MSG_LEG_CHANGE)),
    _pg_trigger("fundmgr_leg_guard", "BEFORE INSERT OR DELETE", LEG, None, "fundmgr_leg_guard()"),
] + [
    _pg_trigger(
        f"{table}_append_only", "BEFORE UPDATE OR DELETE", table, None, _refuse(MSG_APPEND_ONLY)
    )
    for table in APPEND_ONLY
]
#: name -> statement; the name is the fifth word of "DROP TRIGGER IF EXISTS name ON ..."
POSTGRES_TRIGGERS: dict[str, str] = {sql.split()[4]: sql for sql in _POSTGRES_TRIGGER_LIST}


def sqlite_drop_statements() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def sqlite_create_statements() -> list[str]:
    return list(SQLITE_TRIGGERS.values())


def install(schema_editor) -> None:
    """Create (or recreate) every guard for the connection's database."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = sqlite_drop_statements() + sqlite_create_statements()
    elif vendor == "postgresql":
        statements = [POSTGRES_FUNCTIONS, *POSTGRES_TRIGGERS.values()]
    else:
        raise NotImplementedError(
            f"fundmgr's ledger guards support SQLite and PostgreSQL, not {vendor}"
        )
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in sqlite_drop_statements():
            schema_editor.execute(statement, params=None)
    elif vendor == "postgresql":
        for table, name in [
            (ENTRY, "fundmgr_entry_insert_draft"),
            (ENTRY, "fundmgr_entry_posted_no_update"),
            (ENTRY, "fundmgr_entry_posted_no_delete"),
            (ENTRY, "fundmgr_entry_post_check"),
            (ACCOUNT, "fundmgr_account_fixed_once_used"),
            (LEG, "fundmgr_leg_no_update"),
            (LEG, "fundmgr_leg_guard"),
            *[(table, f"{table}_append_only") for table in APPEND_ONLY],
        ]:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}", params=None)


# -- append-only tables of other apps ------------------------------------------------
# Installed by the migration of the app that owns the table (the table does not
# exist yet when fundmgr's own guards are installed), with the same refusal.
#: Tables of other apps that are append-only, with the app that installs them.
APP_APPEND_ONLY = {"grants_granttransition": "grants"}


def append_only_statements(table: str, vendor: str) -> list[str]:
    """Statements (re)creating the append-only guard of ``table``."""
    if vendor == "sqlite":
        statements = []
        for op in ("UPDATE", "DELETE"):
            name = f"{table}_no_{op.lower()}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name}",
                _sqlite_trigger(name, f"BEFORE {op}", table, None, MSG_APPEND_ONLY),
            ]
        return statements
    if vendor == "postgresql":
        return [
            POSTGRES_FUNCTIONS,
            _pg_trigger(
                f"{table}_append_only",
                "BEFORE UPDATE OR DELETE",
                table,
                None,
                _refuse(MSG_APPEND_ONLY),
            ),
        ]
    raise NotImplementedError(f"append-only guards support SQLite and PostgreSQL, not {vendor}")


def install_append_only(schema_editor, table: str) -> None:
    for statement in append_only_statements(table, schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def uninstall_append_only(schema_editor, table: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for op in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}", params=None)
    elif vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}", params=None)


def sqlite_app_statements(tables) -> tuple[list[str], list[str]]:
    """Drop and create statements for the append-only guards of the other
    apps' tables among ``tables`` (a flush of the whole database)."""
    drop, create = [], []
    for table in APP_APPEND_ONLY:
        if table in tables:
            statements = append_only_statements(table, "sqlite")
            drop += statements[0::2]
            create += statements[1::2]
    return drop, create


# -- filling new columns of posted entries, in a migration ---------------------------
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
