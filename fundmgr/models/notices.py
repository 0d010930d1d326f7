"""What a person is told, and how they want to be told.

Each app registers its kinds of notice (``fundmgr.extensions.add_notice_kind``:
the grants app's "a travel grant awaits you", the donors app's receipt); the
core keeps, per person, the language their e-mails are written in and, per
kind, whether they hear of it at once, in a daily digest or never. A
``Notice`` is one thing a person was (or will be) told, written in their
language when it was decided; it exists once per person and subject
(``key``), so a task that runs twice tells nobody twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    AT_ONCE = "at_once", _("At once")
    DIGEST = "digest", _("In a daily digest")
    NEVER = "never", _("Never")


class NoticeSettings(models.Model):
    """The language a person's e-mails are written in (whatever language
    the person who caused them uses)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notice_settings",
        verbose_name=_("person"),
    )
    language = models.CharField(_("language of my e-mails"), max_length=10)

    class Meta:
        verbose_name = _("e-mail settings")
        verbose_name_plural = _("e-mail settings")

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"


class NoticePreference(models.Model):
    """How a person hears of one kind of notice; none stored: the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notice_preferences",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    delivery = models.CharField(_("send"), max_length=10, choices=Delivery.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind"),
            models.CheckConstraint(
                condition=Q(delivery__in=Delivery.values), name="preference_delivery_is_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.delivery}"


class Notice(models.Model):
    """One thing a person is told: sent at once (``sent_at`` set when its
    mail is written) or waiting for their daily digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    #: What it is about, e.g. ``grant-transition:57``: once per person.
    key = models.CharField(_("about"), max_length=100)
    delivery = models.CharField(_("send"), max_length=10, choices=Delivery.choices)
    subject = models.CharField(_("subject"), max_length=300)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="one_notice_per_subject"),
            models.CheckConstraint(
                condition=Q(delivery__in=[Delivery.AT_ONCE, Delivery.DIGEST]),
                name="notice_is_sent_at_once_or_in_a_digest",
            ),
        ]
        indexes = [
            models.Index(
                fields=["user", "id"],
                condition=Q(sent_at__isnull=True),
                name="notice_waiting_for_digest",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user}: {self.subject}"
