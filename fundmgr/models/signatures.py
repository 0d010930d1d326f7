"""Signatures on records (certify, approve, ...), one person one level.

The unique constraint on (record, signer) is the separation-of-duties rule
held by the database: whatever roles a person holds, they can sign a given
record once, at one level. ``fundmgr.services.duties`` gives the friendly
check and message; this table is what makes it impossible to get around.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Signature(models.Model):
    record_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind of record")
    )
    record_id = models.CharField(_("record number"), max_length=64)
    level = models.CharField(_("level"), max_length=40)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)

    class Meta:
        ordering = ["signed_at", "id"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id", "signer"], name="one_signature_per_person"
            ),
            models.UniqueConstraint(
                fields=["record_type", "record_id", "level"], name="one_signature_per_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} by {self.signer} on {self.record_type_id}:{self.record_id}"
