"""One call records who did what, to which record, when and why."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder

from fundmgr.models import AuditRecord


def actor_fields(by) -> dict[str, Any]:
    """``by`` is a user, or a string naming a system actor (``"stripe-webhook"``)."""
    if isinstance(by, str):
        if not by:
            raise ValueError("every action needs an actor")
        return {"actor": None, "system_actor": by}
    if by is None or not getattr(by, "pk", None):
        raise ValueError("every action needs an identified actor")
    return {"actor": by, "system_actor": ""}


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))


def log_action(target, action: str, by, why: str = "", data: dict | None = None) -> AuditRecord:
    """Append one audit record. ``target`` may be None for actions on no record."""
    fields = actor_fields(by)
    if target is not None:
        fields.update(
            target_type=ContentType.objects.get_for_model(target),
            target_id=str(target.pk),
            target_repr=str(target)[:300],
        )
    return AuditRecord.objects.create(action=action, reason=why, data=_jsonable(data), **fields)
