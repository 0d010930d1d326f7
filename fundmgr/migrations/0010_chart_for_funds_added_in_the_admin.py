"""Funds added in the admin before it opened them through open_fund have no
chart of accounts, and any import into them failed: give them the standard
chart (the accounts they lack; those they have are left as they are)."""

from django.db import migrations


def add_missing_accounts(apps, schema_editor):
    from fundmgr.chart import STANDARD_CHART

    Fund = apps.get_model("fundmgr", "Fund")
    Account = apps.get_model("fundmgr", "Account")
    for fund in Fund.objects.all():
        existing = set(Account.objects.filter(fund=fund).values_list("key", flat=True))
        Account.objects.bulk_create(
            Account(
                fund=fund,
                code=spec.code,
                key=spec.key.value,
                kind=spec.kind.value,
                segregated=spec.segregated,
            )
            for spec in STANDARD_CHART
            if spec.key not in existing
        )


class Migration(migrations.Migration):
    dependencies = [("fundmgr", "0009_ldc_graduations_before_2019")]

    operations = [migrations.RunPython(add_missing_accounts, migrations.RunPython.noop)]
