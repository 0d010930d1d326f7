# A background import's failure kept by its sentence's code (issue 15).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fundmgr', '0021_translated_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='importjob',
            name='error_sentence',
            field=models.JSONField(blank=True, null=True, verbose_name='error, by its code'),
        ),
    ]
