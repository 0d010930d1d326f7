"""``manage.py rundev [addrport]``: localstripe, then runserver; localstripe stops with it.

Used by ``make run``. localstripe (donors.payments.localstripe_server) listens
where ``STRIPE_API_BASE`` points (127.0.0.1, port ``LOCALSTRIPE_PORT``, 8420 by
default) and POSTs its signed events to this server's ``/stripe/webhook/``.
If card payments point elsewhere (real Stripe test mode), or localstripe
cannot start, runserver starts alone and says so.
"""

from __future__ import annotations

import os
import signal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.urls import reverse

from donors.payments import localstripe_server
from donors.payments.services import development_cards_enabled


class Command(BaseCommand):
    help = "Start localstripe, then the development server; stop localstripe on exit."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        # runserver's autoreloader runs this command again in a child process
        # (RUN_MAIN=true): only the parent starts localstripe.
        if os.environ.get("RUN_MAIN") == "true" or not development_cards_enabled():
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

        def interrupted(signum, frame):
            raise KeyboardInterrupt  # SIGTERM as Ctrl-C: runserver returns, localstripe stops

        signal.signal(signal.SIGTERM, interrupted)
        try:
            call_command("runserver", addrport)
        finally:
            server.stop()
            self.stdout.write("localstripe stopped")
