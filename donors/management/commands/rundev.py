"""``manage.py rundev [addrport]``: the task worker and localstripe, then runserver;
both stop with it.

Used by ``make run``. One worker (``manage.py db_worker``, django-tasks-db)
runs as a subprocess in its own process group and works every queue of
``settings.TASKS`` (webhooks, e-mail, imports, exports, default); production
gives each queue its own workers instead (Procfile, docs/deploy.md).

localstripe (donors.payments.localstripe_server) listens where
``STRIPE_API_BASE`` points (127.0.0.1, port ``LOCALSTRIPE_PORT``, 8420 by
default) and POSTs its signed events to this server's ``/stripe/webhook/``.
If card payments point elsewhere (real Stripe test mode), or localstripe
cannot start, runserver starts alone and says so.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from donors.payments import localstripe_server
from donors.payments.services import development_cards_enabled
from fundmgr.management.base import OperatorCommand


def worker_command() -> list[str]:
    """``manage.py db_worker`` on every queue the settings declare (its own
    default is the "default" queue alone)."""
    queues = ",".join(settings.TASKS["default"]["QUEUES"])
    return [
        sys.executable,
        str(settings.BASE_DIR / "manage.py"),
        "db_worker",
        "--queue-name",
        queues,
        "--interval",
        "0.5",
    ]


def start_worker() -> subprocess.Popen:
    """The worker in its own session, so Ctrl-C reaches it only through us."""
    return subprocess.Popen(  # noqa: S603 - this interpreter, this project's manage.py
        worker_command(), cwd=settings.BASE_DIR, start_new_session=True
    )


def stop_worker(worker: subprocess.Popen) -> None:
    """SIGTERM to its process group (the worker and its autoreloader child), then wait."""
    if worker.poll() is not None:
        return
    try:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    except ProcessLookupError:
        pass


class Command(OperatorCommand):
    help = "Start the task worker and localstripe, then the development server; stop both on exit."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        # runserver's autoreloader runs this command again in a child process
        # (RUN_MAIN=true): only the parent starts the worker and localstripe.
        if os.environ.get("RUN_MAIN") == "true":
            call_command("runserver", addrport)
            return

        def interrupted(signum, frame):
            raise KeyboardInterrupt  # SIGTERM as Ctrl-C: runserver returns, the rest stops

        signal.signal(signal.SIGTERM, interrupted)
        worker = start_worker()
        self.stdout.write(f"task worker: manage.py db_worker, every queue (pid {worker.pid})")
        try:
            self._serve(addrport)
        finally:
            stop_worker(worker)
            self.stdout.write("task worker stopped")

    def _serve(self, addrport: str) -> None:
        if not development_cards_enabled():
            call_command("runserver", addrport)
            return
        host, _, port = addrport.rpartition(":")
        webhook_url = f"http://{host or '127.0.0.1'}:{port}{reverse('stripe-webhook')}"
        try:
            server = localstripe_server.start(
                urlsplit(settings.STRIPE_API_BASE).port or localstripe_server.DEFAULT_PORT,
                webhook_url=webhook_url,
                webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
            )
        except (localstripe_server.LocalStripeError, OSError) as error:
            self.stderr.write(f"localstripe did not start, card payments will fail: {error}")
            call_command("runserver", addrport)
            return
        self.stdout.write(
            f"localstripe: API {server.api_base}, webhooks to {webhook_url}, "
            f"log in {server.log_path}"
        )
        try:
            call_command("runserver", addrport)
        finally:
            server.stop()
            self.stdout.write("localstripe stopped")
