"""Errors reach the administrators (settings.ADMINS) by e-mail through the
outbox, never sent from inside the request; one report per kind of error per
10 minutes; the report names the request id; the handler never raises."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client

from fundmgr.models import OutgoingMail
from tests import error_urls

pytestmark = pytest.mark.django_db

ADMINS = ["ops@example.org", "Duty Officer <duty@example.org>"]


@pytest.fixture
def failing_site(settings):
    settings.ROOT_URLCONF = "tests.error_urls"
    settings.ADMINS = ADMINS
    return Client(raise_request_exception=False)


def reports():
    return list(OutgoingMail.objects.filter(kind="error-report").order_by("to", "pk"))


def test_a_server_error_queues_a_report_to_each_administrator_naming_the_request(failing_site):
    response = failing_site.get("/boom/", headers={"X-Request-ID": "req-500"})

    assert response.status_code == 500 and response["X-Request-ID"] == "req-500"
    duty, ops = reports()
    assert (duty.to, ops.to) == ("duty@example.org", "ops@example.org")
    assert duty.subject == ops.subject and duty.body == ops.body
    assert "req-500" in ops.subject and "Internal Server Error: /boom/" in ops.subject
    assert "Request id: req-500" in ops.body and "Request: GET /boom/" in ops.body
    assert "User: anonymous" in ops.body
    assert "RuntimeError: the view failed" in ops.body and "Traceback" in ops.body
    assert ops.status == OutgoingMail.Status.WAITING
    assert mail.outbox == []  # Django's own handler would have sent it in the request


def test_the_report_names_the_user_by_id_never_their_address_nor_what_they_typed(
    failing_site, make_user
):
    donor = make_user("donor@example.org")
    failing_site.force_login(donor)

    failing_site.post(
        "/boom/?token=query-secret",
        {"password": "typed-secret", "email": "someone@example.net"},
        headers={"X-Request-ID": "req-user"},
    )

    (report, _) = reports()
    text = report.subject + report.body
    assert f"User: {donor.pk}" in report.body
    for secret in ("donor@example.org", "typed-secret", "someone@example.net", "query-secret"):
        assert secret not in text
    assert "sessionid" not in text and "SECRET_KEY" not in text


def test_repeats_of_an_error_are_reported_once_and_a_different_error_again(failing_site):
    for request_id in ("first", "second", "third"):
        failing_site.get("/boom/", headers={"X-Request-ID": request_id})
    failing_site.get("/boom-otherwise/", headers={"X-Request-ID": "other"})

    subjects = sorted({mail.subject for mail in reports()})
    assert len(reports()) == 2 * len(ADMINS)
    assert any("[request first]" in s for s in subjects)
    assert any("[request other]" in s for s in subjects)


def test_a_failed_background_task_is_reported_with_its_task_id(settings):
    settings.ADMINS = ["ops@example.org"]

    result = error_urls.failing_task.enqueue()

    (report,) = reports()
    assert f"[task {result.id}]" in report.subject and f"Task id: {result.id}" in report.body
    assert "RuntimeError: the task failed" in report.body


def test_nobody_is_mailed_without_administrators_or_in_development(failing_site, settings):
    settings.ADMINS = []
    failing_site.get("/boom/")
    settings.ADMINS, settings.DEBUG = ADMINS, True
    failing_site.get("/boom-otherwise/")

    assert reports() == []


def test_a_wrong_host_header_is_logged_but_never_mailed(failing_site, caplog):
    failing_site.get("/boom/", HTTP_HOST="scanner.test")

    assert "Invalid HTTP_HOST header" in caplog.text
    assert reports() == []


def test_the_handler_never_raises_in_a_transaction_being_rolled_back(settings, caplog):
    settings.ADMINS = ADMINS

    with transaction.atomic():
        transaction.set_rollback(True)
        logging.getLogger("fundmgr.probe").error("failed inside a doomed transaction")

    assert reports() == []
    assert "error report for the administrators not queued" in caplog.text
    assert "being rolled back" in caplog.text


def test_the_handler_never_raises_when_the_outbox_cannot_be_written(failing_site, caplog):
    # A real database failure: the outbox's table is gone (until the test's
    # transaction is rolled back).
    table = OutgoingMail._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_gone")

    response = failing_site.get("/boom/", headers={"X-Request-ID": "req-db"})

    assert response.status_code == 500 and response["X-Request-ID"] == "req-db"
    assert "error report for the administrators not queued" in caplog.text
    assert "the error was from django.request" in caplog.text
