# A background export's failure kept by its sentence's code (issue 15).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0006_export_grants_of_an_event'),
    ]

    operations = [
        migrations.AddField(
            model_name='export',
            name='error_sentence',
            field=models.JSONField(blank=True, null=True, verbose_name='error, by its code'),
        ),
    ]
