"""E-mails waiting to be sent, and what became of them.

No e-mail is sent inside a request or an import: it is written here in the
transaction that decided it, and sent by a background task once that
transaction commits. A failed send is retried later, then left failed for
finance and administrators to see (``/mail/``). The body is kept only until
the mail is sent: it may hold a sign-in or password-reset link."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingMail(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("not sent: gave up")

    kind = models.CharField(_("kind"), max_length=40)
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    #: What the mail is, once: a task that runs again finds it written and
    #: writes nothing (e.g. ``receipt:12``). Empty: no such key.
    key = models.CharField(_("key"), max_length=200, null=True, blank=True, unique=True)
    #: The recipient's language, for what is made when the mail is sent.
    language = models.CharField(_("language"), max_length=10, blank=True)
    #: A file made when the mail is sent, by the maker an app registered under
    #: this name (``fundmgr.extensions.add_mail_attachment``), for ``attachment_ref``:
    #: nothing is stored on a disk one host has and another lacks.
    attachment = models.CharField(_("attachment"), max_length=60, blank=True)
    attachment_ref = models.CharField(_("attachment of"), max_length=60, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="mail_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="mail_sent_has_its_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(body=""), name="mail_sent_keeps_no_body"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}: {self.status}"
