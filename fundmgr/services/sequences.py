"""The next number of a named, gap-free sequence, safe under concurrency:
the counter row is locked for the rest of the caller's transaction."""

from django.db import transaction

from fundmgr.models.sequences import Sequence


def next_number(name: str) -> int:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that uses the number")
    Sequence.objects.get_or_create(name=name)
    counter = Sequence.objects.select_for_update().get(name=name)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last
