"""The database guards are frozen in their migrations (as django-hordak's are):
each migration that installs or changes a guard carries its own SQL, written
out, forward and reverse, and imports no live definition; the definitions of
now (fundmgr.db.guards and the apps' registered guards) are what the latest
migration of each guard installed, and the system check compares every
installed trigger's definition (and, on PostgreSQL, its function's source)
with them, on every guarded table.

The test database is built by running every migration from zero (pytest-django),
so the checks below on a migrated database are "migrate, then check"."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from fundmgr.checks import check_ledger_guards, guard_differences
from fundmgr.db import guards

KINDS = {
    "sqlite": "SQLITE_TRIGGERS",
    "functions": "POSTGRES_FUNCTIONS",
    "postgres": "POSTGRES_TRIGGERS",
}


def migration_plan() -> list[tuple[str, str, object]]:
    """Every migration, in an order ``migrate`` could apply them."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    plan, seen = [], set()
    for leaf in sorted(loader.graph.leaf_nodes()):
        for node in loader.graph.forwards_plan(leaf):
            if node not in seen:
                seen.add(node)
                plan.append((node[0], node[1], loader.graph.nodes[node]))
    return plan


def guard_migrations() -> list[tuple[str, str, object]]:
    """(app, name, module) of the migrations that install or change guards."""
    found = []
    for app, name, migration in migration_plan():
        module = sys.modules[type(migration).__module__]
        if any(hasattr(module, attr) for attr in KINDS.values()):
            found.append((app, name, module))
    return found


def migrated_definitions() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Each guard's SQL as its latest migration carries it, and each app's
    latest guard migration."""
    latest: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
    owner: dict[tuple[str, str], str] = {}
    last: dict[str, str] = {}
    for app, name, module in guard_migrations():
        for kind, attr in KINDS.items():
            for guard, sql in getattr(module, attr).items():
                # One app owns a guard: a migration of another app could run
                # before or after the owner's, in either order.
                assert owner.setdefault((kind, guard), app) == app, (kind, guard)
                if sql is None:  # dropped by this migration
                    latest[kind].pop(guard, None)
                else:
                    latest[kind][guard] = sql
        last[app] = name
    return latest, last


def current_definitions() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    sets = guards.registered()
    current = {
        "sqlite": {t.name: t.sql for s in sets for t in s.sqlite},
        "functions": {f.name: f.sql for s in sets for f in s.postgres_functions},
        "postgres": {t.name: t.sql for s in sets for t in s.postgres},
    }
    return current, {s.app_label: s.migration[1] for s in sets}


def differences_from_migrations() -> list[str]:
    """Guards whose definition now is not what their latest migration installs."""
    (latest, last), (current, registered_last) = migrated_definitions(), current_definitions()
    differ = []
    for kind in KINDS:
        for guard in sorted(set(latest[kind]) | set(current[kind])):
            if latest[kind].get(guard) != current[kind].get(guard):
                differ.append(f"{kind}:{guard}")
    for app in sorted(set(last) | set(registered_last)):
        if last.get(app) != registered_last.get(app):
            differ.append(f"migration:{app}")
    return differ


# -- the definitions of now are those of the latest migrations -------------------------


def test_every_app_with_guards_registers_them():
    assert {s.app_label for s in guards.registered()} == {"fundmgr", "grants", "donors"}
    _latest, last = migrated_definitions()
    assert last == {
        "fundmgr": "0017_account_guard",
        "grants": "0009_stamp_on_event_fund_policy",
        "donors": "0010_cancelled_pledge_guards",
    }


def test_the_definitions_of_now_are_those_of_the_latest_migration_of_each_guard():
    """Changing a guard in the code without a new migration fails here."""
    assert differences_from_migrations() == []


def test_a_guard_changed_in_the_code_without_a_migration_is_caught(monkeypatch):
    fundmgr = next(s for s in guards.registered() if s.app_label == "fundmgr")
    changed = tuple(
        dataclasses.replace(t, sql=t.sql.replace("<> 'draft'", "= 'posted'"))
        if t.name == "fundmgr_entry_insert_draft"
        else t
        for t in fundmgr.postgres
    )
    monkeypatch.setitem(guards._REGISTRY, "fundmgr", dataclasses.replace(fundmgr, postgres=changed))
    assert differences_from_migrations() == ["postgres:fundmgr_entry_insert_draft"]


def test_the_account_guard_added_later_is_installed_by_its_own_migration_not_by_0002():
    """fundmgr 0002 carries the SQL it produced when it was written; the
    account guard, added to the code afterwards without a migration, is
    installed by fundmgr 0017."""
    by_name = {(app, name): module for app, name, module in guard_migrations()}
    first = by_name["fundmgr", "0002_ledger_guards"]
    later = by_name["fundmgr", "0017_account_guard"]
    assert "fundmgr_account_fixed_once_used" not in first.SQLITE_TRIGGERS
    assert "fundmgr_account_guard" not in first.POSTGRES_FUNCTIONS
    assert set(later.SQLITE_TRIGGERS) == {"fundmgr_account_fixed_once_used"}
    assert set(later.POSTGRES_FUNCTIONS) == {"fundmgr_account_guard"}


def test_no_migration_imports_the_live_definitions_of_the_guards():
    live = re.compile(
        r"^\s*(from|import)\s+(fundmgr\.db\.guards\b|fundmgr\.db\s+import\s+guards\b"
        r"|grants\.(stamp|guards|tally)\b|grants\s+import\s+(stamp|guards|tally)\b"
        r"|donors\.guards\b|donors\s+import\s+guards\b)",
        re.MULTILINE,
    )
    base = Path(settings.BASE_DIR)
    importing = [
        str(path.relative_to(base))
        for app in ("fundmgr", "grants", "donors", "reports")
        for path in sorted((base / app / "migrations").glob("*.py"))
        if live.search(path.read_text())
    ]
    assert importing == []


def test_every_guard_migration_can_be_undone():
    for app, name, module in guard_migrations():
        assert module.SQLITE_REVERSE and module.POSTGRES_REVERSE, (app, name)
        assert all(op.reversible for op in module.Migration.operations), (app, name)


# -- the system check on the database --------------------------------------------------


class SchemaEditor:
    """What a guard migration's install and uninstall use of a schema editor,
    on the test's connection (a real schema editor refuses to open inside the
    test's transaction on SQLite)."""

    connection = connection

    def execute(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def run(*statements: str) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def errors() -> dict[str, str]:
    return {error.id: error.msg for error in check_ledger_guards(None, databases=["default"])}


def expected_names() -> set[str]:
    if connection.vendor == "sqlite":
        return {t.name for s in guards.registered() for t in s.sqlite}
    return {t.name for s in guards.registered() for t in s.postgres} | {
        f"{f.name}()" for s in guards.registered() for f in s.postgres_functions
    }


def test_after_migrating_every_guard_is_installed_as_defined(db):
    assert guard_differences(connection) == ([], [])
    assert errors() == {}


def test_a_trigger_recreated_with_another_definition_is_reported(db):
    name, table = "fundmgr_entry_insert_draft", guards.ENTRY
    if connection.vendor == "sqlite":
        run(
            f"DROP TRIGGER {name}",
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW "
            "WHEN NEW.status = 'nothing' BEGIN SELECT RAISE(ABORT, 'no'); END",
        )
    else:
        run(
            f"DROP TRIGGER {name} ON {table}",
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW "
            "WHEN (NEW.status = 'nothing') EXECUTE FUNCTION fundmgr_refuse('no')",
        )
    found = errors()
    assert set(found) == {"fundmgr.E002"}
    assert name in found["fundmgr.E002"]


@pytest.mark.parametrize(
    "name, table",
    [
        ("grants_grant_stamp", "grants_grant"),
        ("donors_receipt_not_for_cancelled", "donors_receipt"),
    ],
)
def test_an_apps_trigger_recreated_with_another_definition_is_reported(db, name, table):
    """Grant transitions, the queue's stamp, the donors' guards: every guarded
    table is compared, not only the ledger's."""
    if connection.vendor == "sqlite":
        name = {"grants_grant_stamp": "grants_grant_stamp_insert"}.get(name, name)
        run(
            f"DROP TRIGGER {name}",
            f"CREATE TRIGGER {name} AFTER INSERT ON {table} BEGIN SELECT 1; END",
        )
    else:
        # Same function, not deferred any more (the stamp), or with no WHEN.
        function = "grants_bump_stamp" if table == "grants_grant" else name
        run(
            f"DROP TRIGGER {name} ON {table}",
            f"CREATE TRIGGER {name} AFTER INSERT ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION {function}()",
        )
    found = errors()
    assert set(found) == {"fundmgr.E002"}
    assert name in found["fundmgr.E002"]


@pytest.mark.parametrize("function", ["fundmgr_leg_guard", "donors_receipt_not_for_cancelled"])
def test_a_trigger_function_with_its_body_replaced_is_reported(db, function):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite triggers have no separate function")
    run(
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  RETURN NEW;\nEND $$;"
    )
    found = errors()
    assert set(found) == {"fundmgr.E002"}
    assert f"{function}()" in found["fundmgr.E002"]


@pytest.mark.parametrize(
    "name, table",
    [
        ("grants_granttransition_no_delete", "grants_granttransition"),
        ("donors_pledge_cancelled_stays", "donors_pledge"),
    ],
)
def test_a_trigger_dropped_on_any_guarded_table_is_missing(db, name, table):
    if connection.vendor == "sqlite":
        run(f"DROP TRIGGER {name}")
    else:
        name = name.replace("_no_delete", "_append_only")
        run(f"DROP TRIGGER {name} ON {table}")
    found = errors()
    assert set(found) == {"fundmgr.E001"}
    assert name in found["fundmgr.E001"]


def test_a_disabled_trigger_still_counts_as_missing(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite cannot disable a trigger")
    run("ALTER TABLE grants_grant DISABLE TRIGGER grants_grant_stamp")
    found = errors()
    assert set(found) == {"fundmgr.E001"}
    assert "grants_grant_stamp" in found["fundmgr.E001"]


def test_guards_whose_migration_is_not_applied_yet_are_left_to_migrate(db):
    """Before ``migrate`` (which runs the checks first) installs a guard, the
    check does not stand in its way."""
    if connection.vendor == "sqlite":
        run("DROP TRIGGER fundmgr_account_fixed_once_used")
    else:
        run("DROP TRIGGER fundmgr_account_fixed_once_used ON fundmgr_account")
    assert set(errors()) == {"fundmgr.E001"}
    run("DELETE FROM django_migrations WHERE app = 'fundmgr' AND name = '0017_account_guard'")
    assert errors() == {}


def test_every_guard_migration_undone_then_done_again_leaves_the_guards_as_defined(db):
    """Their reverse SQL, in the order ``migrate`` undoes them, removes every
    guard; their forward SQL, in order, brings them back as defined now."""
    editor = SchemaEditor()
    migrations = guard_migrations()
    for _app, _name, module in reversed(migrations):
        module.uninstall(None, editor)
    missing, altered = guard_differences(connection)
    assert (set(missing), altered) == (expected_names(), [])
    for _app, _name, module in migrations:
        module.install(None, editor)
    assert guard_differences(connection) == ([], [])


def installed_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_migrating_the_account_guard_backwards_and_forwards():
    call_command("migrate", "fundmgr", "0014", verbosity=0)
    try:
        assert "fundmgr_account_fixed_once_used" not in installed_triggers()
        assert "fundmgr_entry_insert_draft" in installed_triggers()
    finally:
        # Every app: going back also undid the other apps' migrations that
        # depend on fundmgr's later ones (a donor's language, ...).
        call_command("migrate", verbosity=0)
    assert "fundmgr_account_fixed_once_used" in installed_triggers()
    assert guard_differences(connection) == ([], [])
