"""Grant transitions (who moved a grant, when and why) can never be changed or
deleted, whatever code talks to the database (fundmgr.db.guards)."""

from django.db import migrations

from fundmgr.db import guards

TABLE = "grants_granttransition"


def install(apps, schema_editor):
    guards.install_append_only(schema_editor, TABLE)


def uninstall(apps, schema_editor):
    guards.uninstall_append_only(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("grants", "0002_roles_and_approval_levels"), ("fundmgr", "0002_ledger_guards")]
    operations = [migrations.RunPython(install, uninstall)]
