"""Every entry says what it is and what it was posted for.

``kind`` takes one spelling per kind, from ``EntryKind``, held by a CHECK
constraint: the spellings of before (``grant_commitment``, ``host_cash``,
``bank-bank-charge``, ``card-payout-fx``...) are rewritten here. The source
columns are added empty; each app's own migration fills them for its entries
(the core does not know the apps' models or keys).

Posted entries are immutable: the entry table's guards are lifted inside this
migration's transaction and put back as they were (fundmgr.db.guard_lift
``lift_entry_guards``); on SQLite the table is rebuilt, which would drop them.
"""

import django.db.models.deletion
from django.db import migrations, models

from fundmgr.db import guard_lift

#: Spellings before this migration -> the one spelling kept (frozen here).
RENAMED = {
    "grant_commitment": "grant-commitment",
    "grant_release": "grant-release",
    "grant_advance": "grant-advance",
    "grant_liquidation": "grant-liquidation",
    "grant_no_show": "grant-no-show",
    "grant_settlement": "grant-settlement",
    "grant_psc": "grant-psc",
    "grant_refund": "grant-refund",
    "host_cash": "host-cash",
    "host_in_kind": "host-in-kind",
    "host_cost": "host-cost",
    "bank-bank-charge": "bank-charge",
    "bank-interest": "bank-interest",
    "card-payout-fx": "payout-fx",
}


def one_spelling(kind: str) -> str:
    return RENAMED.get(kind, kind)


def _rename(apps, mapping: dict[str, str]) -> None:
    JournalEntry = apps.get_model("fundmgr", "JournalEntry")
    for old, new in mapping.items():
        if old != new:
            JournalEntry.objects.filter(kind=old).update(kind=new)


def rename_kinds(apps, schema_editor):
    _rename(apps, RENAMED)


def restore_kinds(apps, schema_editor):
    _rename(apps, {new: old for old, new in RENAMED.items()})


def lift(apps, schema_editor):
    guard_lift.lift_entry_guards(schema_editor)


def restore(apps, schema_editor):
    guard_lift.restore_entry_guards(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("fundmgr", "0013_exchange_rate_revisions"),
    ]

    operations = [
        migrations.RunPython(lift, restore),
        migrations.AddField(
            model_name="journalentry",
            name="source_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="source id"),
        ),
        migrations.AddField(
            model_name="journalentry",
            name="source_ref",
            field=models.CharField(
                blank=True, default="", max_length=255, verbose_name="outside reference"
            ),
        ),
        migrations.AddField(
            model_name="journalentry",
            name="source_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
                verbose_name="kind of source",
            ),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="kind",
            field=models.CharField(
                choices=[
                    ("opening", "Opening balance"),
                    ("manual", "Manual entry"),
                    ("reversal", "Reversal"),
                    ("pledge", "Pledge receivable"),
                    ("pledge-cancellation", "Pledge write-down"),
                    ("receipt", "Receipt"),
                    ("card-receipt", "Card receipt"),
                    ("card-refund", "Card refund"),
                    ("card-dispute", "Card dispute"),
                    ("card-dispute-fee", "Card dispute fee"),
                    ("card-payout", "Card payout"),
                    ("payout-fx", "Card payout exchange difference"),
                    ("grant-commitment", "Grant commitment"),
                    ("grant-release", "Grant commitment released"),
                    ("grant-advance", "Grant advance"),
                    ("grant-liquidation", "Grant advance liquidated"),
                    ("grant-no-show", "Grant no-show"),
                    ("grant-settlement", "Grant settlement"),
                    ("grant-psc", "Grant programme support cost"),
                    ("grant-refund", "Grant refund"),
                    ("host-cash", "Host country cash"),
                    ("host-in-kind", "Host country in kind"),
                    ("host-cost", "Host country cost"),
                    ("bank-charge", "Bank charge"),
                    ("bank-interest", "Bank interest"),
                ],
                default="manual",
                max_length=40,
                verbose_name="kind",
            ),
        ),
        migrations.RunPython(rename_kinds, restore_kinds),
        migrations.AddIndex(
            model_name="journalentry",
            index=models.Index(fields=["source_type", "source_id"], name="entry_by_source"),
        ),
        migrations.AddIndex(
            model_name="journalentry",
            index=models.Index(fields=["fund", "kind"], name="entry_by_kind"),
        ),
        migrations.AddConstraint(
            model_name="journalentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "opening",
                            "manual",
                            "reversal",
                            "pledge",
                            "pledge-cancellation",
                            "receipt",
                            "card-receipt",
                            "card-refund",
                            "card-dispute",
                            "card-dispute-fee",
                            "card-payout",
                            "payout-fx",
                            "grant-commitment",
                            "grant-release",
                            "grant-advance",
                            "grant-liquidation",
                            "grant-no-show",
                            "grant-settlement",
                            "grant-psc",
                            "grant-refund",
                            "host-cash",
                            "host-in-kind",
                            "host-cost",
                            "bank-charge",
                            "bank-interest",
                        ],
                    )
                ),
                name="entry_kind_is_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="journalentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("source_id__isnull", True), ("source_type__isnull", True)),
                    models.Q(("source_id__isnull", False), ("source_type__isnull", False)),
                    _connector="OR",
                ),
                name="entry_source_is_whole",
            ),
        ),
        migrations.RunPython(restore, lift),
    ]
