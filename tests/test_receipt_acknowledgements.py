"""Donors are thanked for money received from a background task, after the
money's transaction commits: never inside the request or import that
recorded it, never for money rolled back, in the donor's language, and
one e-mail that cannot be sent does not keep the others from going."""

# ruff: noqa: F811 - the shared fixtures are imported
from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from donors.models import Receipt
from donors.services import notifications
from donors.services.receipts import record_receipt
from fundmgr.money import Money
from tests.test_bank_statements import (  # noqa: F401 - a fixture
    MARCH_10,
    do_import,
    make_pledge,
    write_statement,
)
from tests.test_import_jobs import (  # noqa: F401 - fixtures
    database_tasks,
    imports_root,
    run_worker,
)


def statement_paying(tmp_path, pledges):
    rows = [
        ("2019-03-20", "100", "EUR", pledge.reference, "", f"ACK{i}")
        for i, pledge in enumerate(pledges)
    ]
    return write_statement(tmp_path, rows)


def queued_acknowledgements():
    return DBTaskResult.objects.filter(task_path__endswith="send_receipt_acknowledgements")


def test_a_bank_import_sends_no_email_itself_and_queues_one_task_for_its_receipts(
    fund, admin_user, make_pledge, tmp_path, database_tasks, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    pledges = [make_pledge("100", email=f"donor{i}@example.org") for i in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        result = do_import(statement_paying(tmp_path, pledges), fund, admin_user)

    assert result.matched == 3
    assert mailoutbox == []
    (task,) = queued_acknowledgements()
    receipts = Receipt.objects.filter(pledge__in=pledges)
    assert sorted(task.args_kwargs["args"][0]) == sorted(r.pk for r in receipts)

    # The worker writes the thank-yous, then sends each once they commit.
    with django_capture_on_commit_callbacks(execute=True):
        run_worker("email")
    run_worker("email")

    assert sorted(m.to[0] for m in mailoutbox) == [f"donor{i}@example.org" for i in range(3)]
    assert {m.subject for m in mailoutbox} == {f"Receipt {r.number}: thank you" for r in receipts}


def test_a_large_import_is_thanked_for_in_tasks_of_at_most_receipts_per_task(
    fund, admin_user, make_pledge, tmp_path, database_tasks, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    monkeypatch.setattr(notifications, "RECEIPTS_PER_TASK", 2)
    pledges = [make_pledge("100", email=f"donor{i}@example.org") for i in range(5)]

    with django_capture_on_commit_callbacks(execute=True):
        do_import(statement_paying(tmp_path, pledges), fund, admin_user)

    sizes = sorted(len(task.args_kwargs["args"][0]) for task in queued_acknowledgements())
    assert sizes == [1, 2, 2]


def test_money_rolled_back_is_never_thanked_for(
    fund, admin_user, make_pledge, mailoutbox, django_capture_on_commit_callbacks
):
    pledge = make_pledge("100")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            record_receipt(
                fund=fund,
                donor=pledge.donor,
                pledge=pledge,
                amount=Money("100", "EUR"),
                value_date=MARCH_10,
                by=admin_user,
            )
            raise RuntimeError("the caller's transaction fails after the receipt")

    assert Receipt.objects.count() == 0
    assert mailoutbox == []


def test_the_email_is_in_the_donors_language_not_the_one_the_money_was_recorded_in(
    fund, admin_user, make_pledge, mailoutbox, django_capture_on_commit_callbacks
):
    pledge = make_pledge("100")
    pledge.donor.language = "fr"  # the language they pledged in
    pledge.donor.save()

    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        receipt = record_receipt(
            fund=fund,
            donor=pledge.donor,
            pledge=pledge,
            amount=Money("100", "EUR"),
            value_date=MARCH_10,
            by=admin_user,
        )

    (mail,) = mailoutbox
    assert mail.subject == f"Reçu {receipt.number}\u00a0: merci"


def test_one_email_that_cannot_be_written_does_not_stop_the_others_and_the_task_fails(
    fund, admin_user, make_pledge, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    receipts = []
    for i in range(3):
        pledge = make_pledge("100", email=f"donor{i}@example.org")
        receipts.append(
            record_receipt(
                fund=fund,
                donor=pledge.donor,
                pledge=pledge,
                amount=Money("100", "EUR"),
                value_date=MARCH_10,
                by=admin_user,
                notify=False,
            )
        )
    send = notifications.send_receipt_acknowledgement

    def refused_for_the_second(receipt):
        if receipt.pk == receipts[1].pk:
            raise ConnectionRefusedError("the mail server is down")
        send(receipt)

    monkeypatch.setattr(notifications, "send_receipt_acknowledgement", refused_for_the_second)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError, match="1 of 3 receipt acknowledgements were not sent"),
    ):
        notifications.send_receipt_acknowledgements.call([r.pk for r in receipts], "en")

    assert sorted(m.to[0] for m in mailoutbox) == ["donor0@example.org", "donor2@example.org"]
