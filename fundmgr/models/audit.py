"""The audit trail: an append-only table nobody can edit (triggers refuse it)."""

import json

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from fundmgr.audit_actions import label
from fundmgr.sentences import render


class AuditRecordQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(
            target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
        )

    def for_table(self):
        return self.select_related("actor", "target_type")


class AuditRecord(models.Model):
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    system_actor = models.CharField(_("system"), max_length=60, blank=True)
    action = models.CharField(_("what"), max_length=80)
    target_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kind of record"),
    )
    target_id = models.CharField(_("record number"), max_length=64, blank=True)
    target_repr = models.CharField(_("record"), max_length=300, blank=True)
    reason = models.TextField(_("why"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit trail")
        indexes = [models.Index(fields=["target_type", "target_id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(actor__isnull=False) | ~models.Q(system_actor=""),
                name="audit_has_an_actor",
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.who} {self.action} {self.target_repr}"

    @property
    def why_shown(self) -> str:
        """Why, in the reader's language when it was kept as a sentence's code
        (``data["why"]``, fundmgr.sentences), else as it was written."""
        return why_shown(self.reason, self.data)

    @property
    def action_label(self) -> str:
        """What the action is called, in the reader's language (fundmgr.audit_actions)."""
        return label(self.action)

    @property
    def who(self) -> str:
        return str(self.actor) if self.actor_id else self.system_actor


def why_shown(reason: str, data) -> str:
    """Why, in the active language: a sentence kept by its code, or the admin
    site's change message kept as Django keeps it (``LogEntry``'s JSON list,
    fundmgr.admin), else the text as it was written."""
    if not isinstance(data, dict):
        return reason
    if stored := data.get("why"):
        return render(stored)
    if isinstance(admin_message := data.get("admin_message"), list):
        from django.contrib.admin.models import LogEntry

        return LogEntry(change_message=json.dumps(admin_message)).get_change_message()
    return reason
