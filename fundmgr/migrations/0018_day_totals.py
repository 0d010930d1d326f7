"""The ledger's day totals (``DayTotal``): each account's posted debits and
credits per day, in thousandths, kept in step by ``post_entry``; filled here
from the legs already posted (SQL frozen here, as on both databases)."""

import django.db.models.deletion
from django.db import migrations, models


FILL = """
INSERT INTO fundmgr_daytotal (account_id, date, debits, credits)
SELECT l.account_id, e.date,
       SUM(CAST(ROUND(l.debit * 1000) AS BIGINT)),
       SUM(CAST(ROUND(l.credit * 1000) AS BIGINT))
FROM fundmgr_leg l
JOIN fundmgr_journalentry e ON e.id = l.entry_id
WHERE e.status = 'posted'
GROUP BY l.account_id, e.date
"""


class Migration(migrations.Migration):
    dependencies = [
        ("fundmgr", "0017_account_guard"),
    ]

    operations = [
        migrations.CreateModel(
            name="DayTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField(verbose_name="transaction date")),
                ("debits", models.BigIntegerField(default=0, verbose_name="debits (thousandths)")),
                (
                    "credits",
                    models.BigIntegerField(default=0, verbose_name="credits (thousandths)"),
                ),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="day_totals",
                        to="fundmgr.account",
                        verbose_name="account",
                    ),
                ),
            ],
            options={
                "verbose_name": "day total",
                "verbose_name_plural": "day totals",
                "ordering": ["account", "date"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("account", "date"), name="day_total_once_per_day"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("credits__gte", 0), ("debits__gte", 0)),
                        name="day_total_not_negative",
                    ),
                ],
            },
        ),
        migrations.RunSQL(
            FILL,
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
