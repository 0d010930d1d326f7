"""Sending e-mail: written in the caller's transaction, sent after it commits.

``queue_mail`` stores the message (``OutgoingMail``) and, once the
transaction commits, hands it to ``deliver_mail``, a background task. A
request or an import therefore never waits on the mail server, and a mail
server that is down neither fails the request (the pledge is saved and its
page shown) nor loses the message: a failed send is tried again after
RETRY_AFTER[n] (``manage.py send_waiting_mail``, every minute from cron),
and after MAX_ATTEMPTS it is marked failed, logged as an error and listed on
``/mail/`` for finance and administrators, who can send it again.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone, translation

from fundmgr import extensions
from fundmgr.models import OutgoingMail

logger = logging.getLogger(__name__)

Status = OutgoingMail.Status

#: How long after the n-th failed attempt the next one is due.
RETRY_AFTER = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
]
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
#: A sent mail's row (kind, address, subject: its body is gone) is kept this long.
KEEP_SENT = datetime.timedelta(days=30)


def queue_mail(
    *,
    kind: str,
    to: str,
    subject: str,
    body: str,
    key: str | None = None,
    language: str = "",
    attachment: str = "",
    attachment_ref: str = "",
) -> OutgoingMail:
    """Write the message now; send it once the current transaction commits
    (never, if it rolls back). A ``key`` already written (a retried task)
    writes nothing and returns that mail. ``attachment``: the name of a maker
    registered with ``extensions.add_mail_attachment``, called with
    ``attachment_ref`` in ``language`` when the mail is sent."""
    fields = {
        "kind": kind,
        "to": to,
        "subject": "".join(subject.splitlines())[:300],
        "body": body,
        "key": key or None,
        "language": language,
        "attachment": attachment,
        "attachment_ref": attachment_ref,
    }
    if key:
        earlier = OutgoingMail.objects.filter(key=key).first()
        if earlier is not None:
            return earlier
        try:
            with transaction.atomic():
                mail = OutgoingMail.objects.create(**fields)
        except IntegrityError:  # the same key written meanwhile by another worker
            return OutgoingMail.objects.get(key=key)
    else:
        mail = OutgoingMail.objects.create(**fields)
    transaction.on_commit(lambda: deliver_mail.enqueue(mail.pk))
    return mail


def _message(mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage(subject=mail.subject, body=mail.body, to=[mail.to])
    if mail.attachment:
        make = extensions.mail_attachments()[mail.attachment]
        with translation.override(mail.language or settings.LANGUAGE_CODE):
            name, content, mimetype = make(mail.attachment_ref)
        message.attach(name, content, mimetype)
    return message


@task(queue_name="email")
def deliver_mail(mail_id: int) -> str:
    """Send one waiting mail; its row is locked meanwhile, so two workers
    never send it twice. Returns its status."""
    with transaction.atomic():
        mail = (
            OutgoingMail.objects.select_for_update()
            .filter(pk=mail_id, status=Status.WAITING)
            .first()
        )
        if mail is None:
            return "not waiting"
        mail.attempts += 1
        try:
            # The server is reached first, the attachment made after: with
            # the server down, a receipt's PDF is not made for nothing on
            # every attempt (a burst of receipts kept the worker from its
            # other tasks for minutes).
            with mailers.default as connection:
                connection.send_messages([_message(mail)])
        except Exception as error:  # whatever the backend raises: kept, retried, shown
            _failed(mail, error)
        else:
            mail.status, mail.sent_at, mail.body = Status.SENT, timezone.now(), ""
            mail.next_attempt_at, mail.last_error = None, ""
        mail.save()
        return mail.status


def _failed(mail: OutgoingMail, error: Exception) -> None:
    mail.last_error = f"{type(error).__name__}: {error}"[:500]
    if mail.attempts >= MAX_ATTEMPTS:
        mail.status, mail.next_attempt_at = Status.FAILED, None
        logger.error(
            "mail %s (%s) not sent after %d attempts: %s",
            mail.pk,
            mail.kind,
            mail.attempts,
            mail.last_error,
        )
    else:
        mail.next_attempt_at = timezone.now() + RETRY_AFTER[mail.attempts - 1]
        logger.warning("mail %s (%s) not sent, tried again later: %s", mail.pk, mail.kind, error)


def send_waiting(now: datetime.datetime | None = None) -> int:
    """Hand every mail whose retry is due to the workers; forget sent mails
    older than KEEP_SENT. Returns how many were handed over."""
    now = now or timezone.now()
    due = list(
        OutgoingMail.objects.filter(status=Status.WAITING, next_attempt_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for mail_id in due:
        deliver_mail.enqueue(mail_id)
    OutgoingMail.objects.filter(status=Status.SENT, sent_at__lt=now - KEEP_SENT).delete()
    return len(due)


def send_again(mail: OutgoingMail) -> None:
    """A person asks for a failed (or still retrying) mail to be sent now."""
    with transaction.atomic():
        updated = OutgoingMail.objects.filter(
            pk=mail.pk, status__in=[Status.WAITING, Status.FAILED]
        ).update(status=Status.WAITING, next_attempt_at=None)
        if updated:
            transaction.on_commit(lambda: deliver_mail.enqueue(mail.pk))


def undelivered():
    """Mails that failed at least once and are not sent: for /mail/."""
    return OutgoingMail.objects.exclude(status=Status.SENT).filter(attempts__gt=0).order_by("-pk")
