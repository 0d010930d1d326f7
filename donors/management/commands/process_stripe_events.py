"""``manage.py process_stripe_events``: process stored Stripe events still unprocessed.

The safety net behind the background task (donors.payments.tasks): an event
whose processing failed (Stripe unreachable, retries used up) or whose task
was lost stays unprocessed; this processes each such event now, in this
process, oldest first. Run it from cron (e.g. every 15 minutes) in production.
Events younger than ``--older-than`` seconds are left to the worker.

``--catch-up-hours H`` first asks Stripe for the events of the last H hours and
stores any fundmgr does not hold: an acknowledgement lost in a crash (the
endpoint does not wait for the disk on PostgreSQL) or a delivery Stripe gave up
on. Run it so from cron, e.g. ``process_stripe_events --catch-up-hours 72``.
"""

from __future__ import annotations

import datetime

import stripe
from django.utils import timezone

from donors.payments import services
from donors.payments.models import StripeEvent
from fundmgr.management.base import OperatorCommand


class Command(OperatorCommand):
    help = "Process the stored Stripe events that are still unprocessed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=float,
            default=600,
            help="Only events received at least this many seconds ago (default: 600).",
        )
        parser.add_argument(
            "--catch-up-hours",
            type=float,
            default=0,
            help="First store the events Stripe sent in these last hours that are missing.",
        )

    def handle(self, *args, older_than: float, catch_up_hours: float, **options):
        if catch_up_hours > 0:
            since = timezone.now() - datetime.timedelta(hours=catch_up_hours)
            try:
                found = services.catch_up_events(since)
            except stripe.StripeError as error:
                self.stderr.write(f"Stripe's event list could not be read: {error}")
            else:
                self.stdout.write(f"{found} missing Stripe events stored from Stripe's list")
        cutoff = timezone.now() - datetime.timedelta(seconds=older_than)
        pending = StripeEvent.objects.filter(
            processed_at__isnull=True, received_at__lte=cutoff
        ).order_by("received_at", "id")
        done = failed = 0
        for event_id in pending.values_list("event_id", flat=True):
            try:
                outcome = services.process_stored_event(event_id)
            except stripe.StripeError as error:
                failed += 1
                self.stderr.write(f"{event_id}: Stripe error, left unprocessed: {error}")
                continue
            done += 1
            if options["verbosity"] > 1:
                self.stdout.write(f"{event_id}: {outcome}")
        self.stdout.write(f"{done} Stripe events processed, {failed} left unprocessed")
