# Why a journal entry was made, when the product says it, kept by its
# sentence's code (issue 15). Added in place (a nullable column: ALTER TABLE
# ADD COLUMN, on SQLite too): the ledger's triggers of 0002 stay on the table
# and cover it (a posted entry's row, this column included, never changes).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fundmgr', '0022_import_job_error_by_code'),
    ]

    operations = [
        migrations.AddField(
            model_name='journalentry',
            name='memo_sentence',
            field=models.JSONField(blank=True, null=True, verbose_name='why, by its code'),
        ),
    ]
