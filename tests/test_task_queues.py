"""Background tasks are split by kind into queues, each with its own workers in
production (Procfile, deploy/systemd), so a long export or import never delays
a webhook or an e-mail; ``make run``'s one worker works every queue."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django.conf import settings
from django.core.management import call_command
from django.tasks import Task
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from donors.management.commands import rundev
from donors.payments.tasks import process_stripe_event
from donors.services.notifications import send_receipt_acknowledgements
from donors.services.signin import send_sign_in_link_task
from fundmgr.models import OutgoingMail
from fundmgr.services.mail import deliver_mail, queue_mail
from fundmgr.tasks import run_import_job
from grants.notices import announce_transitions
from reports.tasks import build_export
from tests.conftest import DATABASE_TASKS, QUEUES

#: Every task of the project and the queue its kind of work belongs to. A new
#: task must be added here: its queue decides which workers run it.
EXPECTED = {
    "donors.payments.tasks.process_stripe_event": "webhooks",
    "fundmgr.services.mail.deliver_mail": "email",
    "donors.services.signin.send_sign_in_link_task": "email",
    "donors.services.notifications.send_receipt_acknowledgements": "email",
    "grants.notices.announce_transitions": "email",
    "fundmgr.tasks.run_import_job": "imports",
    "reports.tasks.build_export": "exports",
    "iati.tasks.regenerate_iati": "exports",
}
APPS = ("fundmgr", "donors", "grants", "reports", "iati")
#: Not imported, and no task in them: the entry points of the application
#: server, the settings, and localstripe's child program (development only).
NOT_IMPORTED = (
    "fundmgr.wsgi",
    "fundmgr.asgi",
    "fundmgr.settings",
    "donors.payments.localstripe_app",
)


def project_tasks() -> dict[str, Task]:
    """Every ``@task`` object defined at the top of a module of the apps."""
    found = {}
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or info.name in NOT_IMPORTED:
                continue
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if isinstance(value, Task) and value.func.__module__ == info.name:
                    found[value.module_path] = value
    return found


def test_the_settings_declare_one_queue_per_kind_of_work_and_the_default():
    assert settings.TASKS["default"]["QUEUES"] == QUEUES
    assert set(QUEUES) == {"default", "webhooks", "email", "imports", "exports"}


def test_every_task_in_the_apps_is_on_its_kinds_queue_which_the_settings_declare():
    tasks = project_tasks()

    assert {path: task.queue_name for path, task in tasks.items()} == EXPECTED
    assert {task.queue_name for task in tasks.values()} <= set(QUEUES)


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        (process_stripe_event, "webhooks"),
        (deliver_mail, "email"),
        (send_sign_in_link_task, "email"),
        (send_receipt_acknowledgements, "email"),
        (announce_transitions, "email"),
        (run_import_job, "imports"),
        (build_export, "exports"),
    ],
)
def test_a_task_enqueued_with_the_deployed_backend_waits_in_its_queue(task, queue, settings, db):
    settings.TASKS = DATABASE_TASKS

    result = task.enqueue(123456789)  # any argument: the task is only stored

    assert DBTaskResult.objects.get(pk=result.id).queue_name == queue


@pytest.fixture
def database_tasks(settings, monkeypatch, db):
    settings.TASKS = DATABASE_TASKS
    # The worker checks its connection between tasks; inside a test's
    # transaction that would drop it.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def work(queue_name: str) -> None:
    call_command(
        "db_worker",
        queue_name=queue_name,
        batch=True,
        reload=False,
        startup_delay=False,
        interval=0,
        verbosity=0,
    )


def test_a_mail_is_sent_by_the_email_worker_and_never_by_another_queues(
    database_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mail = queue_mail(kind="test", to="donor@example.org", subject="Hello", body="Text")

    for other in ("default", "webhooks", "imports", "exports"):
        work(other)
    assert mailoutbox == []

    work("email")
    assert [m.to for m in mailoutbox] == [["donor@example.org"]]
    mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.SENT


def test_make_runs_one_worker_on_every_queue_of_the_settings(
    database_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    command = rundev.worker_command()
    assert command[1:3] == [str(settings.BASE_DIR / "manage.py"), "db_worker"]
    queue_names = command[command.index("--queue-name") + 1]
    assert sorted(queue_names.split(",")) == sorted(QUEUES)

    # That worker, given the same queues, sends a mail and leaves nothing waiting.
    with django_capture_on_commit_callbacks(execute=True):
        queue_mail(kind="test", to="donor@example.org", subject="Hello", body="Text")
    work(queue_names)
    assert len(mailoutbox) == 1
    assert not DBTaskResult.objects.ready().exists()
