"""Countries get their UN M49 region (Africa, Americas, Asia, Europe, Oceania),
read from fundmgr/data/countries.csv."""

from django.db import migrations, models

from fundmgr.reference import load_countries


def fill_regions(apps, schema_editor):
    load_countries(apps.get_model("fundmgr", "Country"))


class Migration(migrations.Migration):
    dependencies = [("fundmgr", "0006_fund_bank_instructions")]

    operations = [
        migrations.AddField(
            model_name="country",
            name="region",
            field=models.CharField(
                blank=True,
                choices=[
                    ("africa", "Africa"),
                    ("americas", "Americas"),
                    ("asia", "Asia"),
                    ("europe", "Europe"),
                    ("oceania", "Oceania"),
                ],
                db_index=True,
                max_length=10,
                verbose_name="region (UN M49)",
            ),
        ),
        migrations.RunPython(fill_regions, migrations.RunPython.noop),
    ]
