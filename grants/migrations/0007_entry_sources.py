"""The source of the grants' entries posted before entries had one (fundmgr
0011): the grant, read from the key ``grant:<pk>:<what>`` (parsed here and
nowhere else; the format as it was, frozen). Their kinds were given one
spelling by fundmgr 0011 (``grant_commitment`` became ``grant-commitment``)."""

from django.db import migrations

from fundmgr.db.entry_sources import Found, fill

KINDS = [
    "grant-commitment",
    "grant-release",
    "grant-advance",
    "grant-liquidation",
    "grant-no-show",
    "grant-settlement",
    "grant-psc",
    "grant-refund",
]
GRANT = ("grants", "grant")


def find(entry) -> Found | None:
    prefix, _, rest = (entry.idempotency_key or "").partition(":")
    pk = rest.partition(":")[0]
    if prefix != "grant" or not pk.isdigit():
        return None
    return Found(entry.kind, GRANT, int(pk))


def finder(apps):
    return find


def fill_sources(apps, schema_editor):
    fill(apps, schema_editor, KINDS, finder(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0006_transition_dated"),
        ("fundmgr", "0014_entry_kind_and_source"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(fill_sources, migrations.RunPython.noop)]
