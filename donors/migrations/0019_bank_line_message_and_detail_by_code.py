# A bank statement line's message kept by its sentence's code (issue 15); lines
# imported before keep their text in `message`, shown as it is; so with what a
# bank's own format says of a line (`detail_parts`, beside `detail`).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('donors', '0018_pledge_contact_person'),
    ]

    operations = [
        migrations.AddField(
            model_name='bankline',
            name='message_sentence',
            field=models.JSONField(blank=True, null=True, verbose_name='message, by its code'),
        ),
        migrations.AddField(
            model_name='bankline',
            name='detail_parts',
            field=models.JSONField(blank=True, null=True, verbose_name="bank's details, by code"),
        ),
    ]
