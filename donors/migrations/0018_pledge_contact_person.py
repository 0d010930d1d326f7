"""A pledge's contact person (donors.services.greetings): four text columns,
added in place on SQLite (ALTER TABLE ADD COLUMN with an empty default), as
rebuilding the pledges' table would trip the receipts' guard triggers that
name it (donors 0010); PostgreSQL adds them as Django does."""

from django.db import migrations, models

COLUMNS = {  # name: (type, the field) as the state below declares them
    "contact_family_name": "varchar(100)",
    "contact_form_of_address": "varchar(2)",
    "contact_name": "varchar(200)",
    "contact_title": "varchar(60)",
}


def add_columns(apps, schema_editor):
    Pledge = apps.get_model("donors", "Pledge")
    for name, kind in COLUMNS.items():
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(
                f"ALTER TABLE donors_pledge ADD COLUMN {name} {kind} NOT NULL DEFAULT ''",  # noqa: S608
                params=None,
            )
        else:
            schema_editor.add_field(Pledge, Pledge._meta.get_field(name))


def drop_columns(apps, schema_editor):
    Pledge = apps.get_model("donors", "Pledge")
    for name in COLUMNS:
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(f"ALTER TABLE donors_pledge DROP COLUMN {name}", params=None)
        else:
            schema_editor.remove_field(Pledge, Pledge._meta.get_field(name))


class Migration(migrations.Migration):
    dependencies = [
        ("donors", "0017_appeal_translations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="pledge",
                    name="contact_family_name",
                    field=models.CharField(
                        blank=True, max_length=100, verbose_name="contact person's family name"
                    ),
                ),
                migrations.AddField(
                    model_name="pledge",
                    name="contact_form_of_address",
                    field=models.CharField(
                        blank=True,
                        choices=[
                            ("", "— none —"),
                            ("ms", "Ms"),
                            ("mr", "Mr"),
                            ("mx", "Mx"),
                            ("dr", "Dr"),
                            ("he", "H.E."),
                        ],
                        max_length=2,
                        verbose_name="form of address",
                    ),
                ),
                migrations.AddField(
                    model_name="pledge",
                    name="contact_name",
                    field=models.CharField(
                        blank=True, max_length=200, verbose_name="contact person"
                    ),
                ),
                migrations.AddField(
                    model_name="pledge",
                    name="contact_title",
                    field=models.CharField(
                        blank=True, max_length=60, verbose_name="contact person's title"
                    ),
                ),
            ],
        ),
        # After the state has the fields, so that PostgreSQL's path reads them.
        migrations.RunPython(add_columns, drop_columns),
    ]
