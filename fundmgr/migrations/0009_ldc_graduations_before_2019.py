"""The five graduations before the list of March 2019 (Botswana 1994, Cabo Verde
2007, Maldives 2011, Samoa 2014, Equatorial Guinea 2017), added to
fundmgr/data/ldc_status.csv: the loader creates only the periods a database
lacks, so databases migrated before get them too."""

from django.db import migrations

from fundmgr.reference import load_ldc_statuses


def load(apps, schema_editor):
    load_ldc_statuses(apps.get_model("fundmgr", "Country"), apps.get_model("fundmgr", "LdcStatus"))


class Migration(migrations.Migration):
    dependencies = [("fundmgr", "0008_import_job")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
