"""The webhook with the database task backend, as deployed: acknowledged after
storing the event and enqueueing its task; the worker (``db_worker``) books it.

The worker runs here in this process and this test's transaction
(``--batch``: every ready task, then exit)."""

from __future__ import annotations

import datetime
import io
import logging

import pytest
import stripe
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from donors.models import Receipt
from donors.payments import gateway, tasks
from donors.payments.models import StripeEvent
from fundmgr.models import JournalEntry
from tests.conftest import DATABASE_TASKS

from .cards import card_payment, event_body, intent_object, pay, post_signed, send


@pytest.fixture
def database_tasks(settings, monkeypatch):
    settings.TASKS = DATABASE_TASKS
    # The worker checks its connection between tasks; inside a test's
    # transaction that would drop it.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def run_worker(queue_name: str = "webhooks") -> None:
    """What the worker of that queue does (Procfile, deploy/systemd): every task waiting there."""
    call_command(
        "db_worker",
        queue_name=queue_name,
        batch=True,
        reload=False,
        startup_delay=False,
        interval=0,
        verbosity=0,
    )


def succeeded_event(appeal) -> bytes:
    payment = card_payment(appeal, "250")
    pay(payment)
    return event_body("payment_intent.succeeded", intent_object(payment))


def test_the_webhook_only_stores_and_enqueues_then_the_worker_books_one_receipt(
    client, card_appeal, fund, database_tasks
):
    body = succeeded_event(card_appeal)
    assert post_signed(client, body).status_code == 200
    event = StripeEvent.objects.get()
    assert event.processed_at is None and event.payload == body.decode()
    assert not Receipt.objects.exists()
    task = DBTaskResult.objects.get()
    assert task.task_path == "donors.payments.tasks.process_stripe_event"
    assert task.args_kwargs == {"args": [event.event_id], "kwargs": {}}

    run_worker()
    assert Receipt.objects.count() == 1
    event.refresh_from_db()
    assert event.processed_at is not None and event.outcome.startswith("receipt")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    run_worker()
    assert Receipt.objects.count() == 1


def test_a_duplicate_event_is_stored_and_enqueued_once(client, card_appeal, fund, database_tasks):
    body = succeeded_event(card_appeal)
    for _ in range(3):
        assert post_signed(client, body).status_code == 200
    assert StripeEvent.objects.count() == 1 and DBTaskResult.objects.count() == 1
    run_worker()
    assert Receipt.objects.count() == 1


def test_stripe_unreachable_leaves_the_event_unprocessed_for_a_later_retry(
    client, card_appeal, fund, database_tasks, monkeypatch
):
    body = succeeded_event(card_appeal)
    real = gateway.retrieve_payment_intent

    def unreachable(payment_intent_id):
        raise stripe.APIConnectionError("network down")

    monkeypatch.setattr(gateway, "retrieve_payment_intent", unreachable)
    assert post_signed(client, body).status_code == 200
    run_worker()
    assert not Receipt.objects.exists()
    assert StripeEvent.objects.get().processed_at is None
    failed = DBTaskResult.objects.get(status="FAILED")
    assert failed.exception_class_path == "stripe._error.APIConnectionError"
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["args"] == [StripeEvent.objects.get().event_id, 2]
    assert retry.run_after > timezone.now() + tasks.RETRY_DELAYS[0] - datetime.timedelta(seconds=5)

    monkeypatch.setattr(gateway, "retrieve_payment_intent", real)
    run_worker()  # the retry is not due yet
    assert not Receipt.objects.exists()
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()  # now it is
    assert Receipt.objects.count() == 1
    assert StripeEvent.objects.get().processed_at is not None
    assert DBTaskResult.objects.get(pk=retry.pk).status == "SUCCESSFUL"


def test_process_stripe_events_picks_up_what_the_worker_left_unprocessed(
    client, card_appeal, fund, database_tasks, monkeypatch
):
    body = succeeded_event(card_appeal)
    monkeypatch.setattr(tasks, "RETRY_DELAYS", ())  # no retry: only the command is left
    monkeypatch.setattr(
        gateway,
        "retrieve_payment_intent",
        lambda pi: (_ for _ in ()).throw(stripe.APIConnectionError("down")),
    )
    assert post_signed(client, body).status_code == 200
    run_worker()
    assert not Receipt.objects.exists()
    assert not DBTaskResult.objects.filter(status="READY").exists()
    monkeypatch.undo()
    out = io.StringIO()
    call_command("process_stripe_events", older_than=60, stdout=out)
    assert "0 Stripe events processed" in out.getvalue()  # too recent: left to the worker
    call_command("process_stripe_events", older_than=0, stdout=out)
    assert Receipt.objects.count() == 1
    call_command("process_stripe_events", older_than=0, stdout=out)
    assert Receipt.objects.count() == 1


def test_a_bad_signature_stores_and_enqueues_nothing(client, card_appeal, fund, database_tasks):
    body = succeeded_event(card_appeal)
    assert post_signed(client, body, secret="whsec_someone_else").status_code == 400
    assert not StripeEvent.objects.exists() and not DBTaskResult.objects.exists()


def test_an_unknown_object_is_processed_as_nothing_to_do_and_logged(
    client, card_appeal, fund, database_tasks, caplog
):
    entries = JournalEntry.objects.count()
    send(client, "payment_intent.succeeded", {"id": "pi_nobody", "object": "payment_intent"})
    with caplog.at_level(logging.WARNING, logger="donors.payments.services"):
        run_worker()
    event = StripeEvent.objects.get()
    assert event.processed_at is not None and event.outcome.startswith("unknown payment intent")
    assert JournalEntry.objects.count() == entries
    assert "pi_nobody" in caplog.text


def test_catch_up_stores_and_books_a_payment_whose_webhook_never_arrived_and_only_once(
    card_appeal, fund, database_tasks
):
    """The endpoint does not wait for the disk on PostgreSQL, so an
    acknowledged event can be lost in a crash; ``--catch-up-hours`` asks
    Stripe's event list (here localstripe's, over HTTP) for what is missing."""
    payment = card_payment(card_appeal, "250")
    pay(payment)  # Stripe made payment_intent.succeeded; no webhook was delivered
    assert not StripeEvent.objects.exists()
    out = io.StringIO()
    call_command("process_stripe_events", older_than=0, catch_up_hours=1, stdout=out)
    assert "missing Stripe events stored" in out.getvalue()
    stored = StripeEvent.objects.filter(object_id=payment.payment_intent_id)
    assert stored.filter(type="payment_intent.succeeded").count() == 1
    assert Receipt.objects.filter(pledge=payment.pledge).count() == 1
    known = StripeEvent.objects.count()
    call_command("process_stripe_events", older_than=0, catch_up_hours=1, stdout=out)
    assert StripeEvent.objects.count() == known
    assert Receipt.objects.filter(pledge=payment.pledge).count() == 1


def test_catch_up_with_stripe_unreachable_says_so_and_still_processes_what_is_stored(
    card_appeal, fund, database_tasks, monkeypatch
):
    def down(since):
        raise stripe.APIConnectionError("network down")

    monkeypatch.setattr(gateway, "list_events", down)
    out, err = io.StringIO(), io.StringIO()
    call_command("process_stripe_events", older_than=0, catch_up_hours=1, stdout=out, stderr=err)
    assert "could not be read" in err.getvalue()
    assert "0 Stripe events processed" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_acknowledgement_does_not_wait_for_the_disk_and_the_books_do(
    client, card_appeal, fund, database_tasks
):
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's; SQLite runs WAL with synchronous=NORMAL")

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    assert setting() == "on"
    with transaction.atomic():
        # SET LOCAL holds to the end of the transaction: this block, which the
        # endpoint's own atomic joins (the test commits for real).
        assert post_signed(client, succeeded_event(card_appeal)).status_code == 200
        assert setting() == "off"
    assert setting() == "on"  # the next transaction (the worker's booking) waits for the disk
    run_worker()
    assert Receipt.objects.count() == 1
