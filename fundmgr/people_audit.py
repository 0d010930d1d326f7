"""People and roles reach the append-only audit trail, however they change:
in the admin (the user page, the group page), by code or by a command.

- a user created, changed or deleted: who, when, and each changed field's value
  before and after (``is_active``, ``is_staff``, ``is_superuser``, names, e-mail);
  the password only as "password changed", never its hash; ``last_login``
  (written at every sign-in) is not a change of the person;
- a role (group) granted or removed, from either side of the relation, and a
  direct permission or a group's permissions changed: one record each;
- a group created, renamed or deleted.

Signals see no request: the person acting is the signed-in user of the current
request (``ActingUserMiddleware``), or a named system actor outside one
(``load_demo``, a shell, a management command)."""

from __future__ import annotations

from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from fundmgr.services.audit import log_action

#: Who acts in the current request; outside any request, ``SYSTEM_ACTOR``.
_acting = ContextVar("fundmgr_acting_user", default=None)
SYSTEM_ACTOR = "system (no request)"
ANONYMOUS_ACTOR = "anonymous request"

#: User fields whose values are never written to the trail.
SECRET_FIELDS = {"password"}
#: User fields that change without anyone changing the person.
NOT_A_CHANGE = {"last_login"}


class ActingUserMiddleware:
    """Remembers, for the request's duration, who is acting (after authentication)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else ANONYMOUS_ACTOR
        token = _acting.set(actor)
        try:
            return self.get_response(request)
        finally:
            _acting.reset(token)


def acting():
    return _acting.get() or SYSTEM_ACTOR


def _values(obj) -> dict:
    return {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.attname not in SECRET_FIELDS | NOT_A_CHANGE
    }


def _kind(sender) -> str:
    return "group" if sender is Group else "user"


def _before_saved(sender, instance, raw=False, **kwargs):
    instance._audit_before = None
    if raw or instance._state.adding or not instance.pk:
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    if old is not None:
        instance._audit_before = (_values(old), getattr(old, "password", None))


def _after_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    kind = _kind(sender)
    if created:
        log_action(instance, f"{kind}:created", acting(), data={"values": _values(instance)})
        return
    before = instance.__dict__.pop("_audit_before", None)
    if before is None:
        return
    old_values, old_password = before
    changes = {
        name: {"before": old_values.get(name), "after": value}
        for name, value in _values(instance).items()
        if old_values.get(name) != value
    }
    data = {"changes": changes}
    if getattr(instance, "password", None) != old_password:
        data["password"] = "password changed"  # noqa: S105 - a fact, never the hash
    if changes or "password" in data:
        log_action(instance, f"{kind}:changed", acting(), data=data)


def _after_deleted(sender, instance, **kwargs):
    log_action(instance, f"{_kind(sender)}:deleted", acting(), data={"values": _values(instance)})


def _names(model, pks) -> list[str]:
    if model is Permission:
        rows = model.objects.filter(pk__in=pks).select_related("content_type")
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in rows)
    if model is Group:
        return sorted(model.objects.filter(pk__in=pks).values_list("name", flat=True))
    return sorted(str(u) for u in model.objects.filter(pk__in=pks))


def _relation_changed(what: str):
    """An m2m_changed receiver recording each grant or removal, once, after it happened."""

    def receiver(sender, instance, action, reverse, model, pk_set, **kwargs):
        if action == "pre_clear":
            # clear() names nothing: remember what is about to go.
            instance._audit_cleared = set(
                sender.objects.filter(**_side(sender, instance, reverse)).values_list(
                    _other(sender, instance, reverse), flat=True
                )
            )
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        pks = instance.__dict__.pop("_audit_cleared", set()) if action == "post_clear" else pk_set
        if not pks:
            return
        verb = "granted" if action == "post_add" else "removed"
        for target, others in _per_target(instance, reverse, model, pks):
            log_action(
                target,
                f"{what}:{verb}",
                acting(),
                data={what.split(":")[-1] + "s": _names(*others)},
            )

    return receiver


def _side(sender, instance, reverse) -> dict:
    fields = [f for f in sender._meta.concrete_fields if f.is_relation]
    own = next(f for f in fields if isinstance(instance, f.related_model))
    return {own.attname: instance.pk}


def _other(sender, instance, reverse) -> str:
    fields = [f for f in sender._meta.concrete_fields if f.is_relation]
    return next(f for f in fields if not isinstance(instance, f.related_model)).attname


def _per_target(instance, reverse, model, pks):
    """The records name the user (or the group for its permissions) whose
    rights changed: from the group's side, one record per user concerned."""
    user_model = get_user_model()
    if model is user_model and isinstance(instance, Group):  # group.user_set.add(...)
        for user in user_model.objects.filter(pk__in=pks):
            yield user, (Group, [instance.pk])
    else:
        yield instance, (model, pks)


def connect() -> None:
    User = get_user_model()
    for model in (User, Group):
        name = model.__name__.lower()
        pre_save.connect(_before_saved, sender=model, dispatch_uid=f"audit-{name}-before")
        post_save.connect(_after_saved, sender=model, dispatch_uid=f"audit-{name}-after")
        post_delete.connect(_after_deleted, sender=model, dispatch_uid=f"audit-{name}-deleted")
    for what, through in (
        ("role", User.groups.through),
        ("permission", User.user_permissions.through),
        ("group:permission", Group.permissions.through),
    ):
        m2m_changed.connect(
            _relation_changed(what), sender=through, dispatch_uid=f"audit-{what}-m2m"
        )
