# Why a grant moved, when the product says it, kept by its sentence's code (issue
# 15). Added in place (a nullable column: ALTER TABLE ADD COLUMN, on SQLite
# too): the append-only triggers of grants 0003 stay on the table.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('grants', '0011_reasons_by_code'),
    ]

    operations = [
        migrations.AddField(
            model_name='granttransition',
            name='reason_sentence',
            field=models.JSONField(blank=True, null=True, verbose_name='reason, by its code'),
        ),
    ]
