"""The focal-point role and the default approval chain (certify, approve)."""

from django.db import migrations

from grants.reference import load_approval_levels


def create(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="focal_point")
    load_approval_levels(apps.get_model("grants", "ApprovalLevel"))


def remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="focal_point").delete()
    apps.get_model("grants", "ApprovalLevel").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("grants", "0001_grants"), ("fundmgr", "0003_roles")]
    operations = [migrations.RunPython(create, remove)]
