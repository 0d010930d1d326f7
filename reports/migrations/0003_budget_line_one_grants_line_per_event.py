"""At most one trust-fund line for delegates' travel per event: its actual is
the event's travel grants, and a second such line counted them twice."""

from django.db import migrations, models


def refuse_duplicates(apps, schema_editor):
    # Which of two lines is the real one is finance's call, not a migration's:
    # say which events need it, rather than fail on the bare constraint.
    BudgetLine = apps.get_model("reports", "BudgetLine")
    events = (
        BudgetLine.objects.filter(category="delegates_travel", funding_source="trust_fund")
        .values("event__code")
        .annotate(n=models.Count("pk"))
        .filter(n__gt=1)
    )
    codes = sorted(row["event__code"] for row in events)
    if codes:
        raise RuntimeError(
            "Events with more than one trust-fund line for delegates' travel (each took "
            f"all the grants' spending): {', '.join(codes)}. Keep one such line per "
            "event (add the others' budget to it, then delete them: nothing else "
            "refers to a trust-fund travel line) before migrating."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("fundmgr", "0010_chart_for_funds_added_in_the_admin"),
        ("reports", "0002_export"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="budgetline",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("category", "delegates_travel"), ("funding_source", "trust_fund")
                ),
                fields=("event",),
                name="budget_line_one_grants_line_per_event",
            ),
        ),
    ]
