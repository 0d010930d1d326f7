"""ImportJob becomes a BackgroundJob (fundmgr.models.jobs): the shared
"finished iff over" check now also names ``expired`` (a job done that kept a
file; an import keeps none), and the shared ``expires_at``, empty on every
import, comes with its check. Every existing row already satisfies both (the
old check allowed only done and failed to be finished): no row changes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("fundmgr", "0014_entry_kind_and_source"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="importjob",
            name="importjob_finished_iff_over",
        ),
        migrations.AddField(
            model_name="importjob",
            name="expires_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="expires at"),
        ),
        migrations.AddConstraint(
            model_name="importjob",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("finished_at__isnull", False),
                        ("status__in", ("done", "failed", "expired")),
                    ),
                    models.Q(("finished_at__isnull", True), ("status__in", ("queued", "running"))),
                    _connector="OR",
                ),
                name="importjob_finished_iff_over",
            ),
        ),
        migrations.AddConstraint(
            model_name="importjob",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("expires_at__isnull", True),
                    ("status__in", ("done", "expired")),
                    _connector="OR",
                ),
                name="importjob_expiry_only_when_done",
            ),
        ),
    ]
