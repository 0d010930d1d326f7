"""localstripe for the whole session, a webhook receiver, and settings pointing at both.

localstripe (a dev dependency) runs as a real HTTP server on 127.0.0.1; the
tests talk to it through donors.payments.gateway exactly as production talks
to Stripe. Where it cannot start the tests are skipped with the reason, except
when FUNDMGR_REQUIRE_STRIPE=1 (CI), where that is a failure.
"""

from __future__ import annotations

import datetime
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from donors.models import Appeal
from donors.payments import localstripe_server
from fundmgr.models import ExchangeRate
from fundmgr.money import Money

WEBHOOK_SECRET = "whsec_test_fundmgr_session"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[localstripe_server.LocalStripe]:
    try:
        server = localstripe_server.start()
    except (localstripe_server.LocalStripeError, OSError) as error:
        message = f"localstripe could not start: {error}"
        if os.environ.get("FUNDMGR_REQUIRE_STRIPE") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message + " (FUNDMGR_REQUIRE_STRIPE=1 makes this a failure)")
    yield server
    server.stop()


@dataclass(frozen=True)
class Delivery:
    """One webhook request as the receiver got it: raw body and headers."""

    body: bytes
    headers: dict[str, str]

    @property
    def signature(self) -> str | None:
        return self.headers.get("stripe-signature")

    def json(self) -> dict:
        return json.loads(self.body)


class WebhookReceiver:
    """A tiny HTTP server in a thread that records every POST it gets."""

    def __init__(self) -> None:
        self.deliveries: queue.Queue[Delivery] = queue.Queue()
        self.seen: list[Delivery] = []
        received = self.deliveries

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                received.put(Delivery(body, headers))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stripe/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, matches: Callable[[dict], bool], timeout: float = 15.0) -> Delivery:
        """The first delivery (already seen or still to come) whose event matches."""
        deadline = time.monotonic() + timeout
        while True:
            for delivery in self.seen:
                if matches(delivery.json()):
                    return delivery
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                kinds = [d.json().get("type") for d in self.seen]
                raise AssertionError(f"no matching webhook within {timeout} s; got {kinds}")
            try:
                self.seen.append(self.deliveries.get(timeout=min(remaining, 0.5)))
            except queue.Empty:
                pass

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture(scope="session")
def webhook_receiver(localstripe) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    localstripe.register_webhook(receiver.url, WEBHOOK_SECRET, endpoint_id="fundmgr-tests")
    yield receiver
    receiver.close()


@pytest.fixture
def stripe_settings(settings, localstripe):
    """Django settings pointing the gateway at this session's localstripe."""
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_local"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe.api_base
    settings.STRIPE_JS_URL = localstripe.js_url
    return settings


EUR_PER_USD = Decimal("0.925")


def eur_rates_around_today() -> None:
    """EUR this month and next (a payout arrives two days later)."""
    first = timezone.localdate().replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    for day in (first, following):
        ExchangeRate.objects.get_or_create(
            currency="EUR", effective_date=day, defaults={"units_per_usd": EUR_PER_USD}
        )


@pytest.fixture
def card_appeal(fund, stripe_settings):
    eur_rates_around_today()
    return Appeal.objects.create(
        fund=fund,
        slug="ldc-travel",
        title="LDC delegates' travel",
        purpose="Pays for delegates of least developed countries.",
        target=Money("100000", "USD"),
    )
