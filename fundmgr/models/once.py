"""One rendering of a money form records its money once (fundmgr.once)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FormSubmission(models.Model):
    """A money form's token, claimed in the transaction that recorded the
    money: the unique ``key`` is what stops a second post of the same
    rendering, whether it comes after the first or at the same moment."""

    #: The token's random part (its signature and timestamp are not kept).
    key = models.CharField(_("key"), max_length=64, unique=True)
    #: The address the form posts to, which names the action and its object
    #: (``/grants/BAPA40/BAPA40-0001/record-traveller-refund/``).
    purpose = models.CharField(_("purpose"), max_length=300)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("by")
    )
    #: Where the first post led (its result page); a repeat is sent there too.
    result = models.CharField(_("result"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return f"{self.purpose} ({self.created_at:%Y-%m-%d %H:%M})"
