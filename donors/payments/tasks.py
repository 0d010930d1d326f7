"""Background processing of Stripe webhooks (Django's tasks framework, django.tasks).

The webhook view stores each verified event once and enqueues
``process_stripe_event`` (donors.payments.services.acknowledge_event); the
worker (``manage.py db_worker``, the django-tasks-db backend) runs it. If
Stripe cannot be reached the task fails, the event stays unprocessed, and —
where the backend can defer tasks (the database backend can) — a retry is
enqueued to run later, with a growing delay. Whatever is still unprocessed
after that is picked up by ``manage.py process_stripe_events``.
"""

from __future__ import annotations

import datetime
import logging

import stripe
from django.tasks import task
from django.utils import timezone

from donors.payments import services

logger = logging.getLogger(__name__)

#: Delay before each retry after Stripe could not be reached (then give up:
#: ``manage.py process_stripe_events`` picks the event up).
RETRY_DELAYS = tuple(
    datetime.timedelta(seconds=s) for s in (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)
)


@task(queue_name="webhooks")
def process_stripe_event(event_id: str, attempt: int = 1) -> str:
    """Process one stored Stripe event; returns its outcome."""
    try:
        return services.process_stored_event(event_id)
    except stripe.StripeError:
        retry = _schedule_retry(event_id, attempt)
        logger.warning(
            "Stripe event %s could not be processed (attempt %d)%s",
            event_id,
            attempt,
            f"; retry at {retry:%Y-%m-%d %H:%M:%S} UTC" if retry else "; left unprocessed",
            exc_info=True,
        )
        raise


def _schedule_retry(event_id: str, attempt: int) -> datetime.datetime | None:
    if attempt > len(RETRY_DELAYS) or not process_stripe_event.get_backend().supports_defer:
        return None
    run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
    process_stripe_event.using(run_after=run_after).enqueue(event_id, attempt + 1)
    return run_after
