"""The kind and source of the donors' entries posted before entries had them
(fundmgr 0011), read from their idempotency keys and the donors' records.
The keys are parsed here, and nowhere else: their formats as they were,
frozen.

- ``pledge:<pk>:receivable`` / ``:cancellation``: the pledge;
- ``card:<payment intent>``: a card receipt (kind ``card-receipt``), its card
  payment;
- ``bank:<fund>:...``: a receipt from a bank line, its line;
- any other receipt: its pledge, else its donor;
- ``card-refund:<refund>``: the card payment, and the refund's id;
- ``card-dispute:<dispute>:...``: the dispute (its money held, lost, fees);
- ``card-payout:<payout>``: the payout's id (its row points at the entry).
"""

from django.db import migrations

from fundmgr.db import guard_lift
from fundmgr.db.entry_sources import Found, fill

KINDS = [
    "pledge",
    "pledge-cancellation",
    "receipt",
    "card-refund",
    "card-dispute",
    "card-dispute-fee",
    "card-payout",
]
PLEDGE = ("donors", "pledge")
DONOR = ("donors", "donor")
BANK_LINE = ("donors", "bankline")
CARD_PAYMENT = ("donors", "cardpayment")
CARD_DISPUTE = ("donors", "carddispute")


def finder(apps):
    Receipt = apps.get_model("donors", "Receipt")
    BankLine = apps.get_model("donors", "BankLine")
    CardPayment = apps.get_model("donors", "CardPayment")
    CardRefund = apps.get_model("donors", "CardRefund")
    CardDispute = apps.get_model("donors", "CardDispute")

    def find(entry) -> Found | None:
        key = entry.idempotency_key or ""
        prefix, _, rest = key.partition(":")
        kind = entry.kind
        if kind in ("pledge", "pledge-cancellation") and prefix == "pledge":
            return Found(kind, PLEDGE, int(rest.partition(":")[0]))
        if kind == "receipt" and prefix == "card":
            payment = CardPayment.objects.filter(payment_intent_id=rest).first()
            if payment is None:
                return Found("card-receipt", ref=rest)
            return Found("card-receipt", CARD_PAYMENT, payment.pk)
        if kind == "receipt":
            if prefix == "bank":
                line = BankLine.objects.filter(receipts__entry_id=entry.pk).first()
                if line is not None:
                    return Found(kind, BANK_LINE, line.pk)
            receipt = Receipt.objects.filter(entry_id=entry.pk).first()
            if receipt is None:
                return None
            if receipt.pledge_id:
                return Found(kind, PLEDGE, receipt.pledge_id)
            return Found(kind, DONOR, receipt.donor_id)
        if kind == "card-refund" and prefix == "card-refund":
            refund = CardRefund.objects.filter(refund_id=rest).first()
            if refund is None:
                return Found(kind, ref=rest)
            return Found(kind, CARD_PAYMENT, refund.card_payment_id, rest)
        if kind in ("card-dispute", "card-dispute-fee") and prefix == "card-dispute":
            dispute_id = rest.partition(":")[0]
            dispute = CardDispute.objects.filter(dispute_id=dispute_id).first()
            if dispute is None:
                return Found(kind, ref=dispute_id)
            return Found(kind, CARD_DISPUTE, dispute.pk)
        if kind == "card-payout" and prefix == "card-payout":
            return Found(kind, ref=rest)
        return None

    return find


def fill_sources(apps, schema_editor):
    fill(apps, schema_editor, KINDS, finder(apps))


def card_receipts_back(apps, schema_editor):
    """Undone: a card receipt is a "receipt" again, as the code before knew it."""
    entries = apps.get_model("fundmgr", "JournalEntry").objects.filter(kind="card-receipt")
    if entries.exists():
        guard_lift.lift_entry_guards(schema_editor)
        entries.update(kind="receipt")
        guard_lift.restore_entry_guards(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("donors", "0010_cancelled_pledge_guards"),
        ("fundmgr", "0014_entry_kind_and_source"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(fill_sources, card_receipts_back)]
