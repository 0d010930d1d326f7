"""A grant transition keeps the day it took effect when recorded later (the
day an approval was signed, the day money moved): a nullable column, added
in place (ALTER TABLE ADD COLUMN), so the append-only triggers stay."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('grants', '0005_documents_unguessable_outside_media'),
    ]

    operations = [
        migrations.AddField(
            model_name='granttransition',
            name='dated',
            field=models.DateField(blank=True, null=True, verbose_name='dated'),
        ),
    ]
