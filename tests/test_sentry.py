"""With SENTRY_DSN set, errors reach Sentry tagged with the request id and
without personal data; without it, Sentry is not started. Proved against a
local HTTP server standing in for Sentry's ingest, in a process started as an
operator's is (the SDK patches Django for the life of the process)."""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.test_settings import run_manage


@pytest.fixture
def ingest():
    """A stand-in for Sentry's ingest on a free loopback port: keeps every
    envelope posted to it, decompressed."""
    received: list[bytes] = []

    class Ingest(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "br":
                import brotli

                body = brotli.decompress(body)
            received.append(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ingest)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], received
    finally:
        server.shutdown()
        server.server_close()


# A signed-in-looking request (a cookie), a form with a password and an
# address, a token in the query string: none of it may leave the server.
FAILING_REQUEST = """
import sentry_sdk
from django.test import Client, override_settings
print("initialised", sentry_sdk.is_initialized())
with override_settings(ROOT_URLCONF="tests.error_urls"):
    client = Client(raise_request_exception=False)
    client.cookies["csrftoken"] = "cookie-secret-value"
    response = client.post(
        "/boom/?token=query-secret",
        {"password": "typed-secret", "email": "donor@example.net"},
        headers={"X-Request-ID": "req-sentry-1"},
    )
print("status", response.status_code)
sentry_sdk.flush(timeout=10)
"""


def envelope_items(raw: bytes) -> list[dict]:
    items = []
    for line in raw.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            items.append(value)
    return items


def test_an_error_reaches_sentry_with_its_request_id_and_no_personal_data(ingest, tmp_path):
    port, received = ingest

    # From a file: the SDK reports the process's command line (sys.argv).
    script = tmp_path / "failing_request.py"
    script.write_text(FAILING_REQUEST, encoding="utf-8")
    result = run_manage(
        "shell",
        "-c",
        f"exec(open({str(script)!r}).read())",
        SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/1",
        FUNDMGR_RELEASE="fundmgr@test-release",
        DEBUG="0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    )

    assert result.returncode == 0, result.stderr
    assert "initialised True" in result.stdout and "status 500" in result.stdout
    events = [item for raw in received for item in envelope_items(raw) if item.get("exception")]
    assert events, received
    event = events[0]
    (exception,) = [e for e in event["exception"]["values"] if e["type"] == "RuntimeError"]
    assert exception["value"] == "the view failed"
    assert event["tags"]["request_id"] == "req-sentry-1"
    assert event["tags"]["user"] == "anonymous"
    assert event["release"] == "fundmgr@test-release"
    assert event["environment"] == "development"
    everything = b"".join(received).decode("utf-8", "replace")
    for secret in ("cookie-secret-value", "typed-secret", "donor@example.net", "query-secret"):
        assert secret not in everything


def test_sentry_is_not_started_without_a_dsn():
    result = run_manage("shell", "-c", "import sentry_sdk; print(sentry_sdk.is_initialized())")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_a_wrong_traces_sample_rate_refuses_to_start():
    result = run_manage(
        "check",
        SENTRY_DSN="http://publickey@127.0.0.1:9/1",
        SENTRY_TRACES_SAMPLE_RATE="all",
    )

    assert result.returncode != 0
    assert "SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1" in result.stderr
