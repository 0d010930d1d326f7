"""Database triggers that make the ledger, the audit trail and signatures
append-only, and refuse to post an unbalanced entry (see fundmgr.db.guards)."""

from django.db import migrations

from fundmgr.db import guards


def install(apps, schema_editor):
    guards.install(schema_editor)


def uninstall(apps, schema_editor):
    guards.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("fundmgr", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
