"""One call records who did what, to which record, when and why."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import override

from fundmgr.models import AuditRecord
from fundmgr.sentences import Sentence

#: Who acts, the ``by`` of every service: a person (a user) or a system actor
#: named by a non-empty string (``"stripe-webhook"``, ``"import_pledges"``).
type Actor = User | str


def actor_fields(by: Actor, user_field: str = "actor") -> dict[str, Any]:
    """``by`` is a user, or a string naming a system actor (``"stripe-webhook"``).

    Returns the two columns that record it: the user in ``user_field`` (a foreign
    key) and the system actor's name in ``system_actor``.
    """
    if isinstance(by, str):
        if not by:
            raise ValueError("every action needs an actor")
        return {user_field: None, "system_actor": by}
    if by is None or not getattr(by, "pk", None):
        raise ValueError("every action needs an identified actor")
    return {user_field: by, "system_actor": ""}


def person(by: Actor) -> User:
    """``by`` where only a person may act (a signature, a record's preparer).

    Services that need a person check the role first, which a system actor
    never holds; this says so to the type checker, and refuses one all the same.
    """
    if isinstance(by, str):
        raise ValueError(f"a person must do this, not the system actor {by!r}")
    return by


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))


def log_action(
    target, action: str, by: Actor, why: str | Sentence = "", data: dict | None = None
) -> AuditRecord:
    """Append one audit record. ``target`` may be None for actions on no record.

    ``why`` the product says (a refusal, a job's failure) is a ``Sentence``:
    kept by its code in ``data["why"]``, read in the reader's language
    (``AuditRecord.why_shown``), and in English in ``reason``; text (typed by
    a person) is kept as it is."""
    fields = actor_fields(by)
    if isinstance(why, Sentence):
        data = {**(data or {}), "why": why.data()}
        why = why.in_english()
    if target is not None:
        with override("en"):  # a fund's name reads in the actor's language otherwise
            shown = str(target)[:300]
        fields.update(
            target_type=ContentType.objects.get_for_model(target),
            target_id=str(target.pk),
            target_repr=shown,
        )
    return AuditRecord.objects.create(action=action, reason=why, data=_jsonable(data), **fields)
