"""The source of the reports' entries posted before entries had one (fundmgr
0011), read from their idempotency keys (parsed here and nowhere else; the
formats as they were, frozen):

- ``host:<event>:<status or "cost">:<host's reference>``: the event, and the
  host's reference;
- ``bank-line-booked:<line>[:<n>]``: the bank line the charge or interest was
  booked from;
- ``payout-fx:<payout pk>``: the card payout.
"""

from django.db import migrations

from fundmgr.db.entry_sources import Found, fill

KINDS = ["host-cash", "host-in-kind", "host-cost", "bank-charge", "bank-interest", "payout-fx"]
EVENT = ("fundmgr", "event")
BANK_LINE = ("donors", "bankline")
CARD_PAYOUT = ("donors", "cardpayout")


def find(entry) -> Found | None:
    key = entry.idempotency_key or ""
    if entry.kind.startswith("host-") and key.startswith("host:"):
        _host, event, _status, reference = key.split(":", 3)
        return Found(entry.kind, EVENT, int(event), reference)
    if entry.kind in ("bank-charge", "bank-interest") and key.startswith("bank-line-booked:"):
        return Found(entry.kind, BANK_LINE, int(key.split(":")[1]))
    if entry.kind == "payout-fx" and key.startswith("payout-fx:"):
        return Found(entry.kind, CARD_PAYOUT, int(key.removeprefix("payout-fx:")))
    return None


def finder(apps):
    return find


def fill_sources(apps, schema_editor):
    fill(apps, schema_editor, KINDS, finder(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_budget_line_one_grants_line_per_event"),
        ("donors", "0010_cancelled_pledge_guards"),
        ("fundmgr", "0014_entry_kind_and_source"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(fill_sources, migrations.RunPython.noop)]
