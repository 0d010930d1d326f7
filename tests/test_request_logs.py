"""Every request has an id, returned in X-Request-ID and written, with the
person's user id, on every log line made while it is handled; background
tasks' lines carry their task id; production writes one JSON object a line."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from fundmgr.logs import JsonFormatter, TextFormatter
from fundmgr.request_id import RequestContextFilter
from tests import error_urls
from tests.test_settings import deployment, run_manage

pytestmark = pytest.mark.django_db

NEW_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def console_lines():
    """The configured console handler (settings.LOGGING, its filter included)
    writing JSON into a buffer for the test to read back."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    buffer = io.StringIO()
    stream, formatter = handler.setStream(buffer), handler.formatter
    handler.setFormatter(JsonFormatter())
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        handler.setStream(stream)
        handler.setFormatter(formatter)


@pytest.fixture
def probe_urls(settings):
    settings.ROOT_URLCONF = "tests.error_urls"


def test_a_safe_incoming_request_id_is_kept_and_returned(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.9_x-1"})

    assert response["X-Request-ID"] == "lb-7f3a.9_x-1"


@pytest.mark.parametrize(
    "incoming", [None, "", "two\nlines", "<b>x</b>", "a b", "x" * 65, 'quote"d', "é"]
)
def test_an_unsafe_or_missing_request_id_is_replaced_by_a_new_one(client, incoming):
    headers = {} if incoming is None else {"X-Request-ID": incoming}

    response = client.get("/healthz", headers=headers)

    assert NEW_ID.fullmatch(response["X-Request-ID"])


def test_each_request_gets_its_own_new_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")

    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_refusals_made_before_any_view_carry_the_request_id(client, settings):
    # A host not allowed (400), a body too large (413), the HTTPS redirect (301):
    # answered by middleware, or by Django before a view runs.
    settings.MAX_PUBLIC_REQUEST_BYTES = 10
    bad_host = client.get("/healthz", headers={"X-Request-ID": "r-host"}, HTTP_HOST="evil.test")
    too_large = client.post(
        "/accounts/login/", {"username": "x" * 50}, headers={"X-Request-ID": "r-size"}
    )
    settings.SECURE_SSL_REDIRECT = True  # read when the middleware is built: a new client
    redirect = Client().get("/healthz", headers={"X-Request-ID": "r-https"})

    assert (bad_host.status_code, bad_host["X-Request-ID"]) == (400, "r-host")
    assert (too_large.status_code, too_large["X-Request-ID"]) == (413, "r-size")
    assert (redirect.status_code, redirect["X-Request-ID"]) == (301, "r-https")


def test_every_line_of_a_request_names_its_id_and_the_user_id_never_the_address(
    client, probe_urls, console_lines, make_user
):
    donor = make_user("donor@example.org")
    client.force_login(donor)

    client.get("/logs/", headers={"X-Request-ID": "req-1"})
    client.get("/nowhere/", headers={"X-Request-ID": "req-2"})  # django.request, after middleware

    lines = console_lines()
    view = next(line for line in lines if line["message"] == "the view was here")
    not_found = next(line for line in lines if line["message"] == "Not Found: /nowhere/")
    assert (view["request_id"], view["user"], view["logger"]) == (
        "req-1",
        str(donor.pk),
        "fundmgr.tests.probe",
    )
    assert (not_found["request_id"], not_found["user"], not_found["level"]) == (
        "req-2",
        str(donor.pk),
        "WARNING",
    )
    assert not_found["status_code"] == 404
    assert "donor@example.org" not in json.dumps(lines)


def test_an_anonymous_request_is_logged_as_anonymous(client, probe_urls, console_lines):
    client.get("/logs/", headers={"X-Request-ID": "req-anon"})

    (line,) = [line for line in console_lines() if line["message"] == "the view was here"]
    assert (line["request_id"], line["user"]) == ("req-anon", "anonymous")


def test_lines_after_the_request_ended_name_no_request(client, probe_urls, console_lines):
    client.get("/logs/", headers={"X-Request-ID": "req-over"})
    logging.getLogger("fundmgr.tests.probe").warning("between requests")

    (line,) = [line for line in console_lines() if line["message"] == "between requests"]
    assert line["request_id"] is None and line["user"] is None


def test_a_background_task_s_lines_name_the_task(console_lines):
    result = error_urls.logging_task.enqueue()

    lines = console_lines()
    (line,) = [line for line in lines if line["message"] == "the task was here"]
    assert line["task_id"] == str(result.id)
    # Django's "state=SUCCESSFUL" line too (its "RUNNING" line, written before
    # any other receiver runs, names the task in its message only).
    (finished,) = [line for line in lines if "state=SUCCESSFUL" in line["message"]]
    assert finished["task_id"] == str(result.id)
    logging.getLogger("fundmgr.tests.probe").warning("after the task")
    assert "task_id" not in console_lines()[-1]


def test_a_task_enqueued_by_a_request_is_logged_with_the_request_s_id(
    client, probe_urls, console_lines
):
    task_id = client.get("/enqueue/", headers={"X-Request-ID": "req-task"}).content.decode()

    lines = console_lines()
    (enqueued,) = [line for line in lines if line["message"].startswith("task ")]
    assert enqueued["message"] == f"task {task_id} enqueued: tests.error_urls.logging_task"
    assert enqueued["request_id"] == "req-task"
    (ran,) = [line for line in lines if line["message"] == "the task was here"]
    assert (ran["task_id"], ran["request_id"]) == (task_id, "req-task")  # immediate backend


def _record(message: str, *args, exc_info=None) -> logging.LogRecord:
    record = logging.LogRecord("fundmgr.probe", logging.ERROR, __file__, 1, message, args, exc_info)
    RequestContextFilter().filter(record)
    return record


def test_a_json_line_holds_time_level_logger_message_and_the_exception():
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        import sys

        record = _record("failed for %s", "line one\nline two", exc_info=sys.exc_info())

    line = JsonFormatter().format(record)

    assert "\n" not in line
    data = json.loads(line)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", data["time"])
    assert data["level"] == "ERROR" and data["logger"] == "fundmgr.probe"
    assert data["message"] == "failed for line one\nline two"
    assert "ZeroDivisionError: division by zero" in data["exception"]
    assert data["request_id"] is None and data["user"] is None


def test_a_text_line_cannot_be_split_by_a_newline_in_the_message():
    line = TextFormatter().format(_record("Not Found: %s", "/x\n2026-01-01 ERROR forged"))

    assert line.count("\n") == 0
    assert re.fullmatch(
        r"\S+Z ERROR fundmgr\.probe \[-\] Not Found: /x\\n2026-01-01 ERROR forged", line
    )


def test_production_writes_json_lines_on_stderr_and_development_text():
    probe = "import logging; logging.getLogger('fundmgr.probe').warning('probe %s', 'here')"
    production = run_manage("shell", "-c", probe, **deployment())
    development = run_manage("shell", "-c", probe)
    overridden = run_manage("shell", "-c", probe, LOG_FORMAT="json")

    (line,) = [json.loads(x) for x in production.stderr.splitlines() if "probe here" in x]
    assert {"time", "level", "logger", "message", "request_id", "user"} <= set(line)
    assert (line["level"], line["logger"], line["message"]) == (
        "WARNING",
        "fundmgr.probe",
        "probe here",
    )
    assert re.search(r"^\S+Z WARNING fundmgr\.probe \[-\] probe here$", development.stderr, re.M)
    assert json.loads(overridden.stderr.strip().splitlines()[-1])["message"] == "probe here"


@pytest.mark.parametrize(
    ("variable", "value", "refusal"),
    [
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be json or text"),
        ("ADMINS", "ops at example", "ADMINS must be e-mail addresses"),
    ],
)
def test_a_wrong_logging_setting_refuses_to_start(variable, value, refusal):
    result = run_manage("check", **{variable: value})

    assert result.returncode != 0
    assert refusal in result.stderr and ImproperlyConfigured.__name__ in result.stderr
