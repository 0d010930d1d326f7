"""Export becomes a BackgroundJob (fundmgr.models.jobs): it records the
requester's language, as an import does, and gains the checks imports had and
exports lacked (a finished export says when it finished and a waiting one has
not; a running one says when it started; only a ready or expired one has an
expiry).

Existing rows are kept. The code always wrote rows that satisfy the new
checks; any that does not (edited by hand) is first made to, from its own
dates: a finished export without ``finished_at`` gets its expiry, start or
request time; a waiting one loses a ``finished_at``; a running one without
``started_at`` gets its request time; a failed or waiting one loses an
expiry."""

from django.db import migrations, models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

IN_PROGRESS = ("queued", "running")
FINISHED = ("done", "failed", "expired")


def satisfy_the_new_checks(apps, schema_editor):
    Export = apps.get_model("reports", "Export")
    Export.objects.filter(status__in=FINISHED, finished_at__isnull=True).update(
        finished_at=Coalesce(F("started_at"), F("requested_at"))
    )
    Export.objects.filter(status__in=IN_PROGRESS, finished_at__isnull=False).update(
        finished_at=None
    )
    Export.objects.filter(status="running", started_at__isnull=True).update(
        started_at=F("requested_at")
    )
    Export.objects.filter(~Q(status__in=("done", "expired")), expires_at__isnull=False).update(
        expires_at=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_entry_sources"),
    ]

    operations = [
        migrations.AddField(
            model_name="export",
            name="language",
            field=models.CharField(blank=True, max_length=10, verbose_name="language"),
        ),
        migrations.AlterField(
            model_name="export",
            name="progress_done",
            field=models.PositiveIntegerField(default=0, verbose_name="rows done"),
        ),
        migrations.AlterField(
            model_name="export",
            name="progress_total",
            field=models.PositiveIntegerField(default=0, verbose_name="rows in all"),
        ),
        migrations.RunPython(satisfy_the_new_checks, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="export",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("finished_at__isnull", False),
                        ("status__in", ("done", "failed", "expired")),
                    ),
                    models.Q(("finished_at__isnull", True), ("status__in", ("queued", "running"))),
                    _connector="OR",
                ),
                name="export_finished_iff_over",
            ),
        ),
        migrations.AddConstraint(
            model_name="export",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "running"), _negated=True),
                    ("started_at__isnull", False),
                    _connector="OR",
                ),
                name="export_running_has_started",
            ),
        ),
        migrations.AddConstraint(
            model_name="export",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("expires_at__isnull", True),
                    ("status__in", ("done", "expired")),
                    _connector="OR",
                ),
                name="export_expiry_only_when_done",
            ),
        ),
    ]
