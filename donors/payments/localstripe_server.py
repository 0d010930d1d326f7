"""Start, configure and stop localstripe, the fake Stripe server for development and tests.

From Python (the pytest session fixture in ``tests/donors/conftest.py``)::

    server = localstripe_server.start()            # a free loopback port
    server.register_webhook("http://127.0.0.1:8000/...", "whsec_local")
    ...  # point STRIPE_API_BASE at server.api_base
    server.stop()

From the shell (``make run`` can start it in the background first)::

    python -m donors.payments.localstripe_server --port 8420 \\
        --webhook-url http://127.0.0.1:8000/donors/stripe/webhook

localstripe only emits some of the events Stripe sends (see docs/stripe.md);
``deliver_event`` posts any other event, built from real localstripe objects,
to a webhook URL signed the way Stripe signs, for tests and manual trials.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import stripe

__all__ = [
    "DEFAULT_PORT",
    "LocalStripe",
    "LocalStripeError",
    "deliver_event",
    "free_port",
    "start",
]

DEFAULT_PORT = 8420
HOST = "127.0.0.1"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class LocalStripeError(RuntimeError):
    """localstripe is not installed, did not start, or refused a configuration call."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _request(
    method: str, url: str, body: dict[str, Any] | None = None, timeout: float = 5.0
) -> tuple[int, bytes]:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an HTTP URL: {url!r}")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


@dataclass
class LocalStripe:
    """A running localstripe child process on 127.0.0.1."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def api_base(self) -> str:
        """What ``STRIPE_API_BASE`` must be to talk to this server."""
        return f"http://{HOST}:{self.port}"

    @property
    def js_url(self) -> str:
        """What ``STRIPE_JS_URL`` must be: localstripe's stand-in for Stripe.js v3."""
        return f"{self.api_base}/js.stripe.com/v3/"

    def running(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        """What the server printed so far (requests, webhook deliveries, errors)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def register_webhook(
        self,
        url: str,
        secret: str,
        events: list[str] | None = None,
        endpoint_id: str = "fundmgr",
    ) -> None:
        """Have localstripe POST its events to ``url``, signed with ``secret``.

        ``events`` limits the event types (None: all). Registering the same
        ``endpoint_id`` again replaces that endpoint."""
        body: dict[str, Any] = {"url": url, "secret": secret}
        if events is not None:
            body["events"] = list(events)
        status, answer = _request("POST", f"{self.api_base}/_config/webhooks/{endpoint_id}", body)
        if status != 200:
            raise LocalStripeError(f"webhook registration refused ({status}): {answer!r}")

    def flush(self) -> None:
        """Forget every object (and idempotency key) the server holds."""
        status, answer = _request("DELETE", f"{self.api_base}/_config/data")
        if status != 200:
            raise LocalStripeError(f"flush refused ({status}): {answer!r}")

    def stop(self, timeout: float = 5.0) -> None:
        if self.running():
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self._log is not None:
            self._log.close()
            self._log = None
            self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> LocalStripe:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _answers(api_base: str) -> bool:
    try:
        status, _ = _request("GET", f"{api_base}/js.stripe.com/v3/", timeout=1.0)
    except OSError:
        return False
    return status == 200


def start(
    port: int | None = None,
    *,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    python: str | None = None,
    timeout: float = 20.0,
) -> LocalStripe:
    """Start localstripe on 127.0.0.1 and wait until it answers.

    ``port`` None picks a free one. ``python`` is the interpreter that has
    localstripe installed (default: this one). With ``webhook_url`` and
    ``webhook_secret`` it also registers that webhook endpoint.
    Raises LocalStripeError, with the server's output, if it cannot start."""
    python = python or sys.executable
    if python == sys.executable and importlib.util.find_spec("localstripe") is None:
        raise LocalStripeError(
            "localstripe is not installed in this environment (it is a dev dependency: "
            "`make install` installs it)"
        )
    chosen = port or free_port()
    log_file = tempfile.NamedTemporaryFile(  # closed by LocalStripe.stop
        prefix=f"localstripe-{chosen}-", suffix=".log", delete=False
    )
    process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
        [python, "-m", "donors.payments.localstripe_app", "--port", str(chosen)],
        cwd=PROJECT_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    server = LocalStripe(chosen, process, Path(log_file.name), log_file)
    deadline = time.monotonic() + timeout
    while not _answers(server.api_base):
        if not server.running() or time.monotonic() > deadline:
            output = server.log()[-2000:]
            server.stop()
            reason = (
                f"exited with status {process.returncode}"
                if process.returncode is not None
                else f"did not answer within {timeout:.0f} s"
            )
            raise LocalStripeError(f"localstripe on port {chosen} {reason}:\n{output}")
        time.sleep(0.1)
    if webhook_url:
        if not webhook_secret:
            server.stop()
            raise LocalStripeError("a webhook URL needs its signing secret")
        server.register_webhook(webhook_url, webhook_secret)
    return server


def deliver_event(
    event_type: str,
    data_object: dict[str, Any],
    url: str,
    secret: str,
    *,
    timestamp: int | None = None,
    previous_attributes: dict[str, Any] | None = None,
) -> int:
    """POST a Stripe event wrapping ``data_object`` to ``url``, signed as Stripe signs.

    For the event types localstripe never sends (``charge.refunded``,
    ``charge.dispute.*``...): build ``data_object`` from the real object
    localstripe returns (``charge.to_dict()``), so the receiving code sees
    what it would see from Stripe. Returns the receiver's HTTP status."""
    now = int(time.time())
    event: dict[str, Any] = {
        "id": f"evt_local_{secrets.token_hex(8)}",
        "object": "event",
        "api_version": stripe.api_version,
        "created": now,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": data_object},
    }
    if previous_attributes is not None:
        event["data"]["previous_attributes"] = previous_attributes
    payload = json.dumps(event, indent=2, sort_keys=True)
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=now if timestamp is None else timestamp
    )
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an HTTP URL: {url!r}")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=payload.encode(),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": header},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run localstripe on 127.0.0.1 until interrupted (development)."
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOCALSTRIPE_PORT", 8420)))
    parser.add_argument("--webhook-url", help="where localstripe POSTs its events")
    parser.add_argument(
        "--webhook-secret",
        default=os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_local_development_only"),
        help="signing secret (default: the development STRIPE_WEBHOOK_SECRET)",
    )
    args = parser.parse_args(argv)
    try:
        server = start(args.port, webhook_url=args.webhook_url, webhook_secret=args.webhook_secret)
    except LocalStripeError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"localstripe: API {server.api_base}, Stripe.js {server.js_url}", flush=True)
    if args.webhook_url:
        print(f"localstripe: webhooks to {args.webhook_url}", flush=True)
    print(f"localstripe: log in {server.log_path}", flush=True)

    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    while not stopping.is_set() and server.running():
        stopping.wait(0.5)
    server.stop()
    return 0 if stopping.is_set() else 1


if __name__ == "__main__":
    sys.exit(main())
