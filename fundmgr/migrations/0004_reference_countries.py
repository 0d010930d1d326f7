"""ISO 3166 countries and the LDC list (March 2019, with graduations since),
from the project's own reference data in fundmgr/data."""

from django.db import migrations

from fundmgr.reference import load_countries, load_ldc_statuses


def load(apps, schema_editor):
    load_countries(apps.get_model("fundmgr", "Country"))
    load_ldc_statuses(apps.get_model("fundmgr", "Country"), apps.get_model("fundmgr", "LdcStatus"))


class Migration(migrations.Migration):
    dependencies = [("fundmgr", "0003_roles")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
