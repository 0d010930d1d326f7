"""No e-mail is sent inside a request: it is written with the transaction
that decided it and sent by a background task once that commits. A mail
server that is down neither fails the request nor loses the message: it is
tried again later, then left failed where finance and administrators see it
and can send it again (fundmgr.services.mail)."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from donors.models import Pledge
from fundmgr.models import OutgoingMail
from fundmgr.roles import Role
from fundmgr.services import mail
from tests.donor_fixtures import *  # noqa: F403 - the appeal fixture
from tests.donor_fixtures import form_data

DOWN = {"default": {"BACKEND": "tests.mail_backends.DownBackend"}}
UP = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
Status = OutgoingMail.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_server_down(settings):
    settings.MAILERS = DOWN
    return settings


def pledge_by_bank_transfer(client, appeal):
    page = client.get(reverse("pledge", args=[appeal.slug]))
    token = page.context["form"]["checkout_token"].value()
    return client.post(reverse("pledge", args=[appeal.slug]), form_data(checkout_token=token))


def queue_one(**overrides) -> OutgoingMail:
    fields = {"kind": "test", "to": "donor@example.org", "subject": "Hello", "body": "Text"}
    with transaction.atomic():
        return mail.queue_mail(**{**fields, **overrides})


def test_a_pledge_made_while_the_mail_server_is_down_is_saved_and_its_page_shown(
    client, appeal, mail_server_down, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = pledge_by_bank_transfer(client, appeal)

    assert response.status_code == 302
    pledge = Pledge.objects.get()
    thanks = client.get(response.url)
    assert thanks.status_code == 200 and pledge.reference in thanks.content.decode()
    (waiting,) = OutgoingMail.objects.all()
    assert waiting.to == "giver@example.org" and waiting.status == Status.WAITING
    assert waiting.attempts == 1 and "SMTPServerDisconnected" in waiting.last_error
    assert waiting.next_attempt_at > timezone.now()
    assert mailoutbox == []


def test_a_failed_mail_is_tried_again_when_due_and_then_keeps_no_text(
    settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.MAILERS = DOWN
    with django_capture_on_commit_callbacks(execute=True):
        waiting = queue_one(body="Your sign-in link: https://fund.example.org/x")
    waiting.refresh_from_db()
    settings.MAILERS = UP

    assert mail.send_waiting() == 0  # not due yet
    assert mail.send_waiting(now=waiting.next_attempt_at) == 1

    waiting.refresh_from_db()
    assert waiting.status == Status.SENT and waiting.sent_at is not None
    assert waiting.body == "" and waiting.attempts == 2 and waiting.last_error == ""
    assert [m.body for m in mailoutbox] == ["Your sign-in link: https://fund.example.org/x"]


def test_after_the_last_attempt_a_mail_is_failed_and_logged_as_an_error(
    settings, django_capture_on_commit_callbacks, caplog
):
    settings.MAILERS = DOWN
    with django_capture_on_commit_callbacks(execute=True):
        failing = queue_one()
    with caplog.at_level(logging.WARNING, logger="fundmgr.services.mail"):
        for _ in range(mail.MAX_ATTEMPTS - 1):
            failing.refresh_from_db()
            mail.send_waiting(now=failing.next_attempt_at)

    failing.refresh_from_db()
    assert failing.status == Status.FAILED and failing.attempts == mail.MAX_ATTEMPTS
    assert failing.next_attempt_at is None and failing.body == "Text"
    assert [r.levelname for r in caplog.records][-1] == "ERROR"
    assert mail.send_waiting(now=timezone.now() + datetime.timedelta(days=1)) == 0


def test_a_mail_written_in_a_transaction_that_rolls_back_is_never_sent(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            mail.queue_mail(kind="test", to="a@example.org", subject="S", body="B")
            raise RuntimeError("the pledge failed")

    assert OutgoingMail.objects.count() == 0 and mailoutbox == []


def test_a_mail_delivered_twice_is_sent_once(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        sent = queue_one()

    assert mail.deliver_mail.call(sent.pk) == "not waiting"
    assert len(mailoutbox) == 1


def test_a_subject_keeps_its_typography_and_loses_only_line_breaks(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        queue_one(subject="Reçu UNFSSC-2019-000001\u00a0: merci\nBcc: x@example.org")

    assert mailoutbox[0].subject == "Reçu UNFSSC-2019-000001\u00a0: merciBcc: x@example.org"


def test_sent_mails_are_forgotten_after_thirty_days(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        old = queue_one()
    old.refresh_from_db()

    mail.send_waiting(now=old.sent_at + datetime.timedelta(days=29))
    assert OutgoingMail.objects.filter(pk=old.pk).exists()
    mail.send_waiting(now=old.sent_at + datetime.timedelta(days=31))
    assert not OutgoingMail.objects.filter(pk=old.pk).exists()


@pytest.fixture
def failed_mail(settings, django_capture_on_commit_callbacks):
    settings.MAILERS = DOWN
    with django_capture_on_commit_callbacks(execute=True):
        failing = queue_one(subject="Receipt UNFSSC-2019-000007", body="SECRET-LINK")
    OutgoingMail.objects.filter(pk=failing.pk).update(
        status=Status.FAILED, attempts=mail.MAX_ATTEMPTS
    )
    settings.MAILERS = UP
    return failing


def test_finance_sees_a_failed_mail_without_its_text_and_sends_it_again(
    client, make_user, failed_mail, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(make_user("mail-finance", Role.FINANCE_OFFICER))

    page = client.get(reverse("undelivered-mail")).content.decode()
    assert "Receipt UNFSSC-2019-000007" in page and "donor@example.org" in page
    assert "SMTPServerDisconnected" in page and "SECRET-LINK" not in page
    assert "Send again now" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mail-send-again", args=[failed_mail.pk]))

    assert response.status_code == 302
    failed_mail.refresh_from_db()
    assert failed_mail.status == Status.SENT
    assert [m.body for m in mailoutbox] == ["SECRET-LINK"]
    assert "Every e-mail has been sent." in client.get(reverse("undelivered-mail")).content.decode()


def test_the_auditor_reads_the_failed_mails_but_cannot_send_them(
    client, make_user, failed_mail, mailoutbox
):
    client.force_login(make_user("mail-auditor", Role.AUDITOR))

    page = client.get(reverse("undelivered-mail")).content.decode()

    assert "Receipt UNFSSC-2019-000007" in page and "Send again now" not in page
    assert client.post(reverse("mail-send-again", args=[failed_mail.pk])).status_code == 403
    failed_mail.refresh_from_db()
    assert failed_mail.status == Status.FAILED and mailoutbox == []


def test_the_command_hands_due_mails_to_the_workers(capsys, db):
    call_command("send_waiting_mail")
    assert capsys.readouterr().out.strip() == "0 e-mails handed to the workers."


def test_with_the_mail_server_down_an_attachment_is_not_made_for_nothing(
    settings, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    """The server is reached before the attachment (a receipt's PDF) is made:
    a real SMTP connection to a port where nothing listens is refused, the
    mail waits for its next attempt, and no attachment was made; once the
    server is back, the mail goes with its attachment, made then."""
    import socket

    from fundmgr import extensions

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    made = []

    def make(ref: str) -> tuple[str, bytes, str]:
        made.append(ref)
        return (f"{ref}.txt", b"acknowledgement", "text/plain")

    monkeypatch.setattr(extensions, "_mail_attachments", {"test-letter": make})
    with django_capture_on_commit_callbacks(execute=True):
        waiting = queue_one(attachment="test-letter", attachment_ref="R-1")
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITING and waiting.attempts == 1
    assert "ConnectionRefusedError" in waiting.last_error
    assert made == []

    settings.MAILERS = UP
    assert mail.send_waiting(now=waiting.next_attempt_at) == 1
    waiting.refresh_from_db()
    assert waiting.status == Status.SENT and made == ["R-1"]
    assert [m.attachments[0][0] for m in mailoutbox] == ["R-1.txt"]


def test_each_failed_mails_send_again_button_names_its_mail(client, make_user):
    from tests.accessible import assert_distinct_buttons

    for to, subject in (("a@example.org", "Receipt 7"), ("b@example.org", "Receipt 8")):
        OutgoingMail.objects.create(
            kind="test", to=to, subject=subject, status=Status.FAILED, attempts=mail.MAX_ATTEMPTS
        )
    client.force_login(make_user("mail-finance", Role.FINANCE_OFFICER))

    response = client.get(reverse("undelivered-mail"), HTTP_ACCEPT_LANGUAGE="en")

    names = assert_distinct_buttons(response, "Send again now", 2)
    assert any("a@example.org, Receipt 7" in name for name in names), names


def test_mails_alike_to_the_minute_still_have_send_again_buttons_named_apart(client, make_user):
    """The same person, the same subject, written in the same minute (a
    receipt sent twice): each button names its own mail."""
    from tests.accessible import assert_distinct_buttons

    for _ in range(2):
        OutgoingMail.objects.create(
            kind="test",
            to="a@example.org",
            subject="Receipt 7",
            status=Status.FAILED,
            attempts=mail.MAX_ATTEMPTS,
        )
    client.force_login(make_user("mail-finance", Role.FINANCE_OFFICER))

    response = client.get(reverse("undelivered-mail"), HTTP_ACCEPT_LANGUAGE="en")

    names = assert_distinct_buttons(response, "Send again now", 2)
    for outgoing in OutgoingMail.objects.all():
        assert any(f"e-mail no. {outgoing.pk}: a@example.org, Receipt 7" in n for n in names)
