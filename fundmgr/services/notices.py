"""Telling people what concerns them, by e-mail, in their own language.

The apps decide who is told what (``grants.notices``, ``donors.services.
notifications``), in background tasks queued when the transaction that made
the change commits; this module writes it. ``notify(kind, users, key, write)``
calls ``write(user)`` in each person's language (``language_of``: the one
they chose, else the one they last signed in with, else the site's) and,
as each person chose for that kind (``delivery_of``):

- at once: a ``Notice`` marked sent and one mail in the outbox
  (``fundmgr.services.mail.queue_mail``: retried, listed on ``/mail/``);
- digest: a ``Notice`` waiting for ``send_digests`` (``manage.py
  send_notice_digests``, daily), which puts a person's waiting notices in
  one mail;
- never: nothing.

A notice exists once per person, kind and ``key`` (a unique constraint), so
a task run twice tells nobody twice.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fundmgr import extensions
from fundmgr.models import Delivery, Notice, NoticePreference, NoticeSettings
from fundmgr.roles import roles_of
from fundmgr.services.mail import queue_mail

#: Notices already told (sent at once or in a digest) are forgotten after this.
KEEP_SENT = datetime.timedelta(days=30)

LANGUAGES = [code for code, _name in settings.LANGUAGES]


class PreferencesRefused(ValueError):
    """A language or a choice the page does not offer."""


def supported_language(code: str | None) -> str | None:
    """``code`` as one of the site's languages (``fr-ca`` is ``fr``), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_of(user) -> str:
    """The language ``user``'s e-mails are written in."""
    stored = NoticeSettings.objects.filter(user_id=user.pk).values_list("language", flat=True)
    return supported_language(next(iter(stored), None)) or settings.LANGUAGE_CODE


def languages_of(users: Iterable) -> dict[int, str]:
    """``language_of`` for many people in one query."""
    ids = [user.pk for user in users]
    stored = dict(NoticeSettings.objects.filter(user_id__in=ids).values_list("user_id", "language"))
    return {pk: supported_language(stored.get(pk)) or settings.LANGUAGE_CODE for pk in ids}


def remember_language(user, language: str | None) -> None:
    """Keep the language a person uses the site in as their e-mails' language,
    if they have none yet (their own choice on the preferences page wins)."""
    language = supported_language(language)
    if language and getattr(user, "pk", None):
        NoticeSettings.objects.get_or_create(user_id=user.pk, defaults={"language": language})


def kinds_for(user) -> list[extensions.NoticeKind]:
    """The kinds of notice ``user`` may receive, by their roles."""
    roles = roles_of(user)
    return [kind for kind in extensions.notice_kinds() if roles & set(kind.roles)]


def preferences_of(user) -> dict[str, str]:
    """Per kind ``user`` may receive: how they hear of it (their choice, else
    the kind's default; always ``at_once`` for a kind that always goes)."""
    chosen = dict(NoticePreference.objects.filter(user_id=user.pk).values_list("kind", "delivery"))
    return {
        kind.code: Delivery.AT_ONCE if kind.always else chosen.get(kind.code, kind.default)
        for kind in kinds_for(user)
    }


@transaction.atomic
def set_preferences(user, *, language: str, deliveries: dict[str, str]) -> None:
    """Store ``user``'s language and their choice per kind; a language or a
    choice the page does not offer is refused whole, nothing saved."""
    chosen = supported_language(language)
    if chosen is None or chosen not in LANGUAGES:
        raise PreferencesRefused(_("Choose one of the languages offered."))
    offered = {kind.code: kind for kind in kinds_for(user) if not kind.always}
    for code, delivery in deliveries.items():
        if code not in offered or delivery not in Delivery.values:
            raise PreferencesRefused(_("Choose one of the ways offered for each kind of e-mail."))
    NoticeSettings.objects.update_or_create(user_id=user.pk, defaults={"language": chosen})
    for code, delivery in deliveries.items():
        NoticePreference.objects.update_or_create(
            user_id=user.pk, kind=code, defaults={"delivery": delivery}
        )


def _deliveries(users: list, kind: extensions.NoticeKind) -> dict[int, str]:
    if kind.always:
        return {user.pk: Delivery.AT_ONCE for user in users}
    chosen = dict(
        NoticePreference.objects.filter(
            user_id__in=[user.pk for user in users], kind=kind.code
        ).values_list("user_id", "delivery")
    )
    return {user.pk: chosen.get(user.pk, kind.default) for user in users}


def notify(kind: str, users: Iterable, key: str, write: Callable[[object], tuple[str, str]]) -> int:
    """Tell each of ``users`` (active, with an address) of one thing,
    ``write(user)`` giving its subject and text in the language active
    when it is called (the person's). Returns how many notices were written
    (a person already told of ``key`` is not told again)."""
    known = extensions.notice_kinds()
    (notice_kind,) = [known_kind for known_kind in known if known_kind.code == kind]
    people = [user for user in users if user.is_active and user.email]
    if not people:
        return 0
    deliveries = _deliveries(people, notice_kind)
    languages = languages_of(people)
    written = 0
    for user in people:
        delivery = deliveries[user.pk]
        if delivery == Delivery.NEVER:
            continue
        if Notice.objects.filter(user_id=user.pk, kind=kind, key=key).exists():
            continue  # a task run again
        with translation.override(languages[user.pk]):
            subject, text = write(user)
        now = timezone.now()
        try:
            with transaction.atomic():
                Notice.objects.create(
                    user=user,
                    kind=kind,
                    key=key,
                    delivery=delivery,
                    subject="".join(str(subject).splitlines())[:300],
                    text=text,
                    sent_at=now if delivery == Delivery.AT_ONCE else None,
                )
                if delivery == Delivery.AT_ONCE:
                    queue_mail(
                        kind=f"notice:{kind}",
                        to=user.email,
                        subject=subject,
                        body=text,
                        key=f"notice:{kind}:{key}:{user.pk}",
                        language=languages[user.pk],
                    )
        except IntegrityError:
            continue  # told meanwhile by another run of the same task
        written += 1
    return written


def send_digests(now: datetime.datetime | None = None) -> int:
    """One mail per person with notices waiting for their digest, listing
    them in their language; forgets notices told more than KEEP_SENT ago.
    Returns how many digests were written. Run twice, it writes nothing
    more: the notices it sent are marked sent in the same transaction."""
    now = now or timezone.now()
    waiting = (
        Notice.objects.filter(sent_at__isnull=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    users = get_user_model().objects.filter(pk__in=list(waiting))
    languages = languages_of(users)
    written = 0
    for user in users:
        with transaction.atomic():
            notices = list(
                Notice.objects.select_for_update()
                .filter(user_id=user.pk, sent_at__isnull=True)
                .order_by("id")
            )
            if not notices:
                continue  # sent by another run meanwhile
            if user.is_active and user.email:
                with translation.override(languages[user.pk]):
                    _queue_digest(user, notices, languages[user.pk])
                written += 1
            Notice.objects.filter(pk__in=[notice.pk for notice in notices]).update(sent_at=now)
    Notice.objects.filter(sent_at__lt=now - KEEP_SENT).delete()
    return written


def _queue_digest(user, notices: list[Notice], language: str) -> None:
    count = len(notices)
    subject = ngettext(
        "Your daily digest: %(count)d notice", "Your daily digest: %(count)d notices", count
    ) % {"count": count}
    body = render_to_string(
        "email/notice_digest.txt", {"user": user, "notices": notices, "count": count}
    )
    queue_mail(
        kind="notice:digest",
        to=user.email,
        subject=subject,
        body=body,
        key=f"notice:digest:{user.pk}:{notices[-1].pk}",
        language=language,
    )


def on_commit_batch(name: str, item, flush: Callable[[list], None]) -> None:
    """Once the current transaction commits, call ``flush`` with every item
    added under ``name`` in it: a nominations import of five hundred rows
    queues one task, not five hundred. Never for a transaction rolled back
    (Django drops the callback); an item added inside a savepoint that is
    rolled back may still be handed over, so ``flush`` reads its items
    again from the database and skips those that are not there."""
    batches = connection.__dict__.setdefault("_fundmgr_commit_batches", {})
    batch = batches.get(name)
    live = batch is not None and any(hook[1] is batch[1] for hook in connection.run_on_commit)
    if not connection.in_atomic_block or not live:
        items: list = []

        def run() -> None:
            if batches.get(name, (None, None))[1] is run:
                del batches[name]
            flush(items)

        batch = (items, run)
        batches[name] = batch
        items.append(item)
        transaction.on_commit(run)
        return
    batch[0].append(item)
