"""What the public IATI addresses serve: per fund, the last files that passed
both checks, and the outcome of the last attempt (docs/iati.md, "Publishing")."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fundmgr.models import Fund


class Publication(models.Model):
    """One per fund. The files are kept in the database, beside the flag that
    says they passed: written in the same transaction, served by any web
    host, in every backup. A failed attempt never replaces them."""

    fund = models.OneToOneField(
        Fund, on_delete=models.PROTECT, related_name="iati_publication", verbose_name=_("fund")
    )
    # The last files that passed both checks (empty until one did).
    activities = models.TextField(_("activity file"), blank=True)
    organisation = models.TextField(_("organisation file"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # The last attempt, whatever its outcome.
    checked_at = models.DateTimeField(_("last generated at"), null=True, blank=True)
    valid = models.BooleanField(_("passed the checks"), default=False)
    problems = models.JSONField(_("problems found"), default=list, blank=True)
    transactions = models.PositiveIntegerField(_("transactions"), default=0)
    #: The books as they were when the files were last generated (``books_stamp``).
    stamp = models.CharField(_("books stamp"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("IATI publication")
        verbose_name_plural = _("IATI publications")

    def __str__(self) -> str:
        return f"IATI {self.fund.code}"
