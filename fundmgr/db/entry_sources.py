"""Filling the kind and source of entries posted before they had columns.

Each app's migration knows its own entries: it says, for one entry, what it
is and what it was posted for (``Found``), read from the entry's idempotency
key and the app's records; this module, which knows no app, writes that on
the entries and on their reversals (a reversal keeps its entry's source, as
``fundmgr.services.ledger.reverse_entry`` posts it), with the entry table's
guards lifted inside the migration (``fundmgr.db.guard_lift.lift_entry_guards``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Found:
    """What one entry is and was posted for. ``model`` is ``(app_label,
    model_name)`` of the source record, None when it has no local row."""

    kind: str
    model: tuple[str, str] | None = None
    id: int | None = None
    ref: str = ""


def fill(apps, schema_editor, kinds: list[str], find: Callable[[object], Found | None]) -> int:
    """Give every entry of ``kinds`` with no source yet what ``find`` says of
    it, and its reversal the same source. Returns how many were filled."""
    from fundmgr.db import guard_lift

    entry_model = apps.get_model("fundmgr", "JournalEntry")
    content_type = apps.get_model("contenttypes", "ContentType")
    waiting = entry_model.objects.filter(
        kind__in=kinds, source_type__isnull=True, source_ref=""
    ).order_by("pk")
    found = [(entry.pk, find(entry)) for entry in waiting.iterator()]
    found = [(pk, what) for pk, what in found if what is not None]
    if not found:
        return 0
    types: dict[tuple[str, str], int] = {}
    guard_lift.lift_entry_guards(schema_editor)
    for pk, what in found:
        type_id = None
        if what.model is not None and what.id is not None:
            if what.model not in types:
                app_label, model = what.model
                types[what.model] = content_type.objects.get_or_create(
                    app_label=app_label, model=model
                )[0].pk
            type_id = types[what.model]
        source = {
            "source_type_id": type_id,
            "source_id": what.id if type_id else None,
            "source_ref": what.ref,
        }
        entry_model.objects.filter(pk=pk).update(kind=what.kind, **source)
        entry_model.objects.filter(
            reverses_id=pk, kind="reversal", source_type__isnull=True, source_ref=""
        ).update(**source)
    guard_lift.restore_entry_guards(schema_editor)
    return len(found)
