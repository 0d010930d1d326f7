"""Benchmark: an appeal campaign against the production layout, over HTTP.

What runs (all started here, all stopped at the end): a fresh PostgreSQL
database (its name contains "bench"; dropped at the end), Redis as the shared
cache (the machine's, under a key prefix of this run, deleted at the end),
localstripe as Stripe, gunicorn with 4 sync workers (``fundmgr.wsgi``) and one
task worker on every queue (``manage.py db_worker --queue-name '*'``), in
production mode: FUNDMGR_ENV=production, secrets generated for the run,
collectstatic into a temporary folder (whitenoise's manifest storage), the mail
server down (a closed port: every e-mail waits in the outbox). Plain HTTP on
loopback stands in for the TLS proxy (SECURE_SSL_REDIRECT=0). The data:
``manage.py load_demo --allow-production`` (the UNFSSC fund, the BAPA+40
appeal, exchange rates).

The only difference from the product's settings is the URLconf
(``bench/campaign_settings.py``): it adds the baseline, a bare Django view
(``bench/campaign_urls.py``: no database, no template) served by the same
server, through the same middleware, in the same run.

The client is asyncio with aiohttp, in this process. Three phases:

1. baseline: V concurrent visitors, each reading the bare view R times;
2. appeal page: the same V visitors, each reading ``/appeals/<slug>/`` R times
   (the throughput ratio appeal/baseline is the first goal);
3. the campaign: the V visitors read the appeal page again, without pause,
   while D donors at a time pledge: B by bank transfer (GET the form, POST it:
   302 to the thank-you page) and C by card (GET, POST: the server creates the
   PaymentIntent on Stripe, 302 to the payment page; GET the payment page).
   Then each card is paid on Stripe as Stripe.js would pay it from the
   donor's browser: the bench confirms the intent on localstripe with the
   test card ``pm_card_visa`` (Stripe's time, not the server's: not measured;
   on localstripe the page offers development cards instead of Stripe.js, so
   the intent's id is read from the database). Once every card is paid, the
   burst: one ``payment_intent.succeeded`` event per card payment, plus
   repeated deliveries of some (the same event id, the same body, signed
   again) so that they make a fifth of the burst, shuffled, posted W at a time
   to ``/stripe/webhook/`` and signed as Stripe signs
   (``t=...,v1=HMAC-SHA256``).
   The visitors stop when the burst is answered. Then the task worker drains
   the queue (the webhooks' booking: it reads each payment back from Stripe
   and books the ledger), timed.

Each donor sends ``X-Forwarded-For`` with an address of its own and the server
runs with FUNDMGR_TRUSTED_PROXIES=1, as behind the TLS proxy: public pledges
are limited to 10 an hour per client address (``donors.views.PLEDGES_PER_HOUR``),
and one client address for every donor would be refused after ten. No limit is
raised.

For each kind of request: requests, throughput (requests per second over the
phase's span for that kind), p50/p95/p99 latency (client-side, from sending to
the whole body read) and errors (a status other than the one expected, or an
exception such as a timeout or a reset connection).

Then the books, from the database (``manage.py shell``, Decimal sums through
the ORM): every pledge once (one pledge per successful POST, each reference
answered once, none more under the run's donors' addresses), every event
booked once (one stored event per distinct event, every one processed, one
card receipt and one ledger entry per card payment whatever the duplicates),
the ledger balanced (debits = credits in every fund), and
``manage.py check_day_totals`` agrees. Lines logged at ERROR by the server or
the worker are counted too.

Goals: 0 errors, 0 double counts, the appeal page at least half the bare
view's throughput, p99 under 1 s for every kind. Exit 0 when all hold, 1 if a
goal is missed or the books do not hold (one line on stderr each).
``--no-goals`` leaves the two timing goals out of the exit status (they are
still printed): for a run at a tiny size, which proves the books and counts
the errors but measures nothing (tests/test_campaign_bench.py).

    .venv/bin/python bench/campaign.py [--visitors 200] [--requests 20]
        [--bank-pledges 200] [--events 1000] [--donors 20] [--webhook-concurrency 50]

The event count is the burst's size: with --events 1000, 800 card payments
and 200 repeated deliveries (``--duplicate-share 0.2``). PostgreSQL and Redis
are taken from BENCH_PG (``postgres://postgres@127.0.0.1:5432``) and
BENCH_REDIS (``redis://127.0.0.1:6379/0``). The processes' logs stay in a
temporary folder when the run fails (its path is printed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402 - after the path, as the other benchmarks

from donors.payments import localstripe_server  # noqa: E402

PYTHON = sys.executable
BIN = Path(PYTHON).parent
HOST = "127.0.0.1"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0")
WEB_WORKERS = 4
APPEAL = "bapa40-ldc-participation"  # load_demo's appeal
BARE_PATH = "/bench/bare/"
WEBHOOK_PATH = "/stripe/webhook/"
TARGET_RATIO = 0.5
TARGET_P99 = 1.0  # seconds
REQUEST_TIMEOUT = 60.0  # seconds: a request slower than this counts as an error

BARE = "bare view (baseline)"
APPEAL_PAGE = "appeal page"
BANK_FORM = "bank transfer: form (GET)"
BANK_POST = "bank transfer: pledge (POST)"
CARD_FORM = "card: form (GET)"
CARD_POST = "card: pledge (POST, creates the PaymentIntent)"
CARD_PAGE = "card: payment page (GET)"
WEBHOOK = "webhook (POST)"


class BenchFailed(Exception):
    """The run could not be made (a process did not start, a command failed)."""


# -- measuring -------------------------------------------------------------------


@dataclass
class Kind:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    first: float = float("inf")
    last: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors)

    def rate(self) -> float:
        span = self.last - self.first
        return len(self.latencies) / span if span > 0 else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)  # nearest rank
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class Recorder:
    def __init__(self) -> None:
        self.kinds: dict[str, Kind] = defaultdict(Kind)

    async def request(
        self,
        session: aiohttp.ClientSession,
        kind: str,
        method: str,
        url: str,
        expected: int,
        **options,
    ) -> tuple[int, str, aiohttp.ClientResponse] | None:
        """One request, timed to the last byte; None (an error recorded) unless
        it answered ``expected``."""
        record = self.kinds[kind]
        started = time.perf_counter()
        record.first = min(record.first, started)
        try:
            async with session.request(method, url, allow_redirects=False, **options) as answer:
                text = await answer.text()
        except (aiohttp.ClientError, TimeoutError) as failed:
            record.last = max(record.last, time.perf_counter())
            record.errors.append(f"{type(failed).__name__}: {failed}"[:200])
            return None
        ended = time.perf_counter()
        record.last = max(record.last, ended)
        if answer.status != expected:
            record.errors.append(f"HTTP {answer.status} (expected {expected}): {text[:120]!r}")
            return None
        record.latencies.append(ended - started)
        return answer.status, text, answer


# -- the installation -------------------------------------------------------------


class Installation:
    """Everything this run starts, so that all of it is stopped whatever happens."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="fundmgr-campaign-bench-"))
        self.token = secrets.token_hex(4)
        self.database = f"fundmgr_campaign_bench_{self.token}"
        self.cache_prefix = f"campaign-bench-{self.token}"
        self.webhook_secret = "whsec_" + secrets.token_hex(16)
        self.stripe_key = f"sk_test_{secrets.token_hex(12)}"
        self.port = localstripe_server.free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.stripe: localstripe_server.LocalStripe | None = None
        self.database_created = False

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')
        self.database_created = True

    def drop_database(self) -> None:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def clear_cache(self) -> None:
        import redis

        client = redis.Redis.from_url(REDIS)
        keys = list(client.scan_iter(match=f"{self.cache_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)

    def environment(self) -> dict:
        assert self.stripe is not None
        closed_port = localstripe_server.free_port()  # nothing listens: the mail server is down
        env = {
            key: value
            for key, value in os.environ.items()
            if key in ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="bench.campaign_settings",
            FUNDMGR_ENV="production",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS=HOST,
            SECURE_SSL_REDIRECT="0",
            DATABASE_URL=f"{PG}/{self.database}",
            REDIS_URL=REDIS,
            CACHE_KEY_PREFIX=self.cache_prefix,
            STATIC_ROOT=str(self.folder / "static"),
            MEDIA_ROOT=str(self.folder / "media"),
            DOCUMENTS_ROOT=str(self.folder / "documents"),
            IMPORTS_ROOT=str(self.folder / "imports"),
            EXPORTS_ROOT=str(self.folder / "exports"),
            SECURITY_CONTACT="mailto:security@campaign-bench.example.org",
            # As behind one TLS proxy: the donors' addresses come from X-Forwarded-For.
            FUNDMGR_TRUSTED_PROXIES="1",
            STRIPE_SECRET_KEY=self.stripe_key,
            STRIPE_PUBLISHABLE_KEY=f"pk_test_{secrets.token_hex(12)}",
            STRIPE_WEBHOOK_SECRET=self.webhook_secret,
            STRIPE_API_BASE=self.stripe.api_base,
            STRIPE_JS_URL=self.stripe.js_url,
            EMAIL_HOST=HOST,
            EMAIL_PORT=str(closed_port),
            EMAIL_USE_TLS="0",
            DEFAULT_FROM_EMAIL="fund@campaign-bench.example.org",
            PYTHONUNBUFFERED="1",
        )
        return env

    def manage(self, env: dict, *arguments: str, timeout: float = 600) -> str:
        done = subprocess.run(  # noqa: S603 - fixed argument lists
            [PYTHON, "manage.py", *arguments],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            said = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
            raise BenchFailed(
                f"manage.py {arguments[0]} exited {done.returncode}: {' | '.join(said[-3:])}"
            )
        return done.stdout

    def spawn(self, name: str, command: list[str], env: dict) -> None:
        log = (self.folder / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 - fixed argument lists
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped with its children
        )
        self.processes.append((name, process))

    def start_server(self, env: dict) -> None:
        self.spawn(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "fundmgr.wsgi",
                "-w",
                str(WEB_WORKERS),
                "-b",
                f"{HOST}:{self.port}",
                # Not the shared default under ~/.gunicorn: another run's server may be up.
                "--no-control-socket",
            ],
            env,
        )
        # Every queue: one worker does the webhooks' booking and the e-mails.
        self.spawn(
            "worker",
            [
                PYTHON,
                "manage.py",
                "db_worker",
                "--queue-name",
                "*",
                "--no-reload",
                "--no-startup-delay",
            ],
            env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for name, process in self.processes:
                if process.poll() is not None:
                    raise BenchFailed(f"{name} exited {process.returncode} at start")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as answer:  # noqa: S310 - loopback
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.25)
        raise BenchFailed(f"{self.base}/healthz did not answer within 60 s")

    def stop(self) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for _name, process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        if self.stripe is not None:
            self.stripe.stop()

    def logged_errors(self) -> list[str]:
        """Lines the server and the worker logged at ERROR or above (JSON logs)."""
        found = []
        for name, _process in self.processes:
            for line in (self.folder / f"{name}.log").read_text(errors="replace").splitlines():
                if '"level": "ERROR"' in line or '"level": "CRITICAL"' in line:
                    found.append(f"{name}: {line[:200]}")
                elif "Traceback (most recent call last)" in line:
                    found.append(f"{name}: a traceback")
        return found

    def queue_left(self) -> tuple[int, int]:
        """Tasks waiting or running, and Stripe events not processed yet."""
        import psycopg

        with psycopg.connect(f"{PG}/{self.database}", autocommit=True) as connection:
            tasks = connection.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                "WHERE status IN ('READY', 'RUNNING')"
            ).fetchone()[0]
            events = connection.execute(
                "SELECT count(*) FROM donors_stripeevent WHERE processed_at IS NULL"
            ).fetchone()[0]
        return tasks, events


# -- the campaign's people -------------------------------------------------------------


def hidden(name: str, html: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    if not found:
        raise ValueError(f"no {name} in the page")
    return found.group(1)


def cookie_header(answer: aiohttp.ClientResponse, jar: dict) -> str:
    """The cookies a browser would send back (kept by hand: production's are
    Secure, and aiohttp would not send them over plain HTTP to loopback)."""
    for name, morsel in answer.cookies.items():
        jar[name] = morsel.value
    return "; ".join(f"{name}={value}" for name, value in jar.items())


async def visitor(session, recorder: Recorder, kind: str, url: str, times: int | None, stop=None):
    """Reads the page ``times`` times, or until ``stop`` is set."""
    done = 0
    while (times is None or done < times) and not (stop is not None and stop.is_set()):
        await recorder.request(session, kind, "GET", url, 200)
        done += 1


@dataclass
class Campaign:
    bank_references: list[str] = field(default_factory=list)
    card_references: list[str] = field(default_factory=list)
    intents: list[dict] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


async def donor(
    number: int, method: str, run: Installation, session, recorder: Recorder, campaign: Campaign
) -> None:
    """One donor's pledge from its own address: the form, the pledge, and for a
    card the payment page (paid on Stripe later: ``pay_on_stripe``)."""
    card = method == "card"
    address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
    headers = {"X-Forwarded-For": address}
    jar: dict = {}
    form_url = f"{run.base}/appeals/{APPEAL}/pledge/"
    got = await recorder.request(
        session, CARD_FORM if card else BANK_FORM, "GET", form_url, 200, headers=headers
    )
    if got is None:
        return
    _status, html, answer = got
    cookies = cookie_header(answer, jar)
    amount = Decimal("25.00") + Decimal(number % 997) / 4
    try:
        tokens = {name: hidden(name, html) for name in ("csrfmiddlewaretoken", "checkout_token")}
    except ValueError as missing:
        campaign.refused.append(f"donor {number}: the form page has {missing}")
        return
    data = {
        **tokens,
        "name": f"Campaign donor {number}",
        "kind": "individual",
        "country": "",
        "email": f"donor-{number}@{run.cache_prefix}.example.org",
        "amount": str(amount),
        "currency": "USD",
        "method": method,
    }
    posted = await recorder.request(
        session,
        CARD_POST if card else BANK_POST,
        "POST",
        form_url,
        302,
        data=data,
        headers={**headers, "Cookie": cookies},
    )
    if posted is None:
        return
    location = posted[2].headers.get("Location", "")
    found = re.search(r"/pledges/([^/]+)/(thanks|pay)/$", location)
    if not found or found.group(2) != ("pay" if card else "thanks"):
        campaign.refused.append(f"donor {number}: sent to {location!r}")
        return
    reference = found.group(1)
    if not card:
        campaign.bank_references.append(reference)
        return
    campaign.card_references.append(reference)
    cookies = cookie_header(posted[2], jar)
    await recorder.request(
        session,
        CARD_PAGE,
        "GET",
        f"{run.base}{location}",
        200,
        headers={**headers, "Cookie": cookies},
    )


def payment_intents(run: Installation, references: list[str]) -> list[str]:
    """The PaymentIntent of each card pledge. On localstripe the payment page
    offers the development cards instead of Stripe.js and its client secret,
    so the bench reads the intent from the database, as the browser would
    have read it from the page."""
    import psycopg

    with psycopg.connect(f"{PG}/{run.database}", autocommit=True) as connection:
        rows = connection.execute(
            "SELECT c.payment_intent_id FROM donors_cardpayment c "
            "JOIN donors_pledge p ON p.id = c.pledge_id WHERE p.reference = ANY(%s)",
            (references,),
        ).fetchall()
    return [row[0] for row in rows if row[0]]


async def pay_on_stripe(session, run: Installation, intent_id: str) -> dict:
    """What Stripe.js does in the donor's browser: the test card, then confirm."""
    assert run.stripe is not None
    auth = {"Authorization": f"Bearer {run.stripe_key}"}
    url = f"{run.stripe.api_base}/v1/payment_intents/{intent_id}"
    card = {"payment_method": "pm_card_visa"}
    try:
        async with session.post(url, data=card, headers=auth) as answer:
            if answer.status != 200:
                raise BenchFailed(f"localstripe refused the card for {intent_id}: {answer.status}")
        async with session.post(f"{url}/confirm", headers=auth) as answer:
            intent = await answer.json()
    except (aiohttp.ClientError, TimeoutError) as failed:
        raise BenchFailed(f"localstripe: {type(failed).__name__}: {failed}") from None
    if answer.status != 200 or intent.get("status") != "succeeded":
        raise BenchFailed(f"localstripe did not confirm {intent_id}: {intent}")
    return intent


def event_body(intent: dict) -> str:
    return json.dumps(
        {
            "id": f"evt_campaign_{secrets.token_hex(10)}",
            "object": "event",
            "api_version": "2017-08-15",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": "payment_intent.succeeded",
            "data": {"object": intent},
        }
    )


def signature(body: str, secret: str) -> str:
    """Stripe's scheme: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<body>")."""
    stamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


async def burst(session, run: Installation, recorder: Recorder, bodies: list[str], width: int):
    queue: asyncio.Queue[str] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def sender() -> None:
        while not queue.empty():
            body = queue.get_nowait()
            await recorder.request(
                session,
                WEBHOOK,
                "POST",
                f"{run.base}{WEBHOOK_PATH}",
                200,
                data=body.encode(),
                headers={
                    "Content-Type": "application/json",
                    "Stripe-Signature": signature(body, run.webhook_secret),
                },
            )

    await asyncio.gather(*(sender() for _ in range(width)))


async def drive(args, run: Installation) -> tuple[Recorder, Recorder, Campaign, dict]:
    """The three phases; returns the baseline phases' recorder, the campaign's,
    what the campaign made, and the burst's composition."""
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    rng = random.Random(args.seed)
    phases = Recorder()
    async with aiohttp.ClientSession(
        timeout=timeout, connector=connector, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        # Warm-up, not measured: every worker process imports and connects.
        warm = Recorder()
        for path in (BARE_PATH, f"/appeals/{APPEAL}/", f"/appeals/{APPEAL}/pledge/"):
            await asyncio.gather(
                *(visitor(session, warm, path, f"{run.base}{path}", 3) for _ in range(8))
            )
        for path, kind in ((BARE_PATH, BARE), (f"/appeals/{APPEAL}/", APPEAL_PAGE)):
            say(f"phase: {args.visitors} visitors x {args.requests} reads of {path}")
            await asyncio.gather(
                *(
                    visitor(session, phases, kind, f"{run.base}{path}", args.requests)
                    for _ in range(args.visitors)
                )
            )

        distinct = args.events - round(args.events * args.duplicate_share)
        say(
            f"phase: the campaign: {args.visitors} visitors on the appeal page, "
            f"{args.bank_pledges} bank-transfer and {distinct} card pledges "
            f"({args.donors} donors at a time), then {args.events} webhook events"
        )
        recorder = Recorder()
        campaign = Campaign()
        stop = asyncio.Event()
        appeal_url = f"{run.base}/appeals/{APPEAL}/"
        methods = ["bank_transfer"] * args.bank_pledges + ["card"] * distinct
        rng.shuffle(methods)
        burst_facts: dict = {}

        async def donors_then_burst() -> None:
            try:
                queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
                for number, method in enumerate(methods, start=1):
                    queue.put_nowait((number, method))

                async def pledger() -> None:
                    while not queue.empty():
                        number, method = queue.get_nowait()
                        await donor(number, method, run, session, recorder, campaign)

                await asyncio.gather(*(pledger() for _ in range(args.donors)))
                intents = await asyncio.to_thread(payment_intents, run, campaign.card_references)
                if len(intents) != len(campaign.card_references):
                    campaign.refused.append(
                        f"{len(intents)} PaymentIntents for "
                        f"{len(campaign.card_references)} card pledges"
                    )
                paying: asyncio.Queue[str] = asyncio.Queue()
                for intent_id in intents:
                    paying.put_nowait(intent_id)

                async def payer() -> None:
                    while not paying.empty():
                        intent_id = paying.get_nowait()
                        campaign.intents.append(await pay_on_stripe(session, run, intent_id))

                await asyncio.gather(*(payer() for _ in range(args.donors)))
                unique = [event_body(intent) for intent in campaign.intents]
                repeats = args.events - len(unique) if unique else 0
                bodies = unique + [rng.choice(unique) for _ in range(repeats)]
                rng.shuffle(bodies)
                burst_facts.update(distinct=len(unique), posted=len(bodies))
                await burst(session, run, recorder, bodies, args.webhook_concurrency)
            finally:
                stop.set()

        await asyncio.gather(
            donors_then_burst(),
            *(
                visitor(session, recorder, APPEAL_PAGE, appeal_url, None, stop)
                for _ in range(args.visitors)
            ),
        )
    return phases, recorder, campaign, burst_facts


# -- the books ---------------------------------------------------------------------

BOOKS = """
import json
from decimal import Decimal
from django.db.models import Count, Sum
from django_tasks_db.models import DBTaskResult
from donors.models import Pledge, Receipt
from donors.payments.models import CardPayment, StripeEvent
from fundmgr.models import Fund, JournalEntry, Leg
from fundmgr.models.mail import OutgoingMail
facts = json.load(open({facts!r}))
mine = Pledge.objects.filter(donor__email__endswith={domain!r})
funds = {{}}
for fund in Fund.objects.all():
    sums = Leg.objects.filter(entry__fund=fund).aggregate(debit=Sum("debit"), credit=Sum("credit"))
    funds[fund.code] = [str(sums["debit"] or Decimal(0)), str(sums["credit"] or Decimal(0))]
card = CardPayment.objects.filter(pledge__in=mine)
print(json.dumps({{
    "bank_pledges": mine.filter(method="bank_transfer").count(),
    "bank_found": Pledge.objects.filter(
        reference__in=facts["bank"], method="bank_transfer").count(),
    "card_pledges": mine.filter(method="card").count(),
    "card_found": Pledge.objects.filter(reference__in=facts["card"], method="card").count(),
    "card_payments": card.count(),
    "card_succeeded": card.filter(status="succeeded").count(),
    "card_receipts": Receipt.objects.filter(pledge__in=mine, method="card").count(),
    "card_receipts_most_per_pledge": max(
        [row["n"] for row in Receipt.objects.filter(pledge__in=mine).values("pledge")
         .annotate(n=Count("id"))] or [0]),
    "card_entries": JournalEntry.objects.filter(idempotency_key__startswith="card:").count(),
    "events_stored": StripeEvent.objects.count(),
    "events_unprocessed": StripeEvent.objects.filter(processed_at__isnull=True).count(),
    "tasks_failed": DBTaskResult.objects.filter(status="FAILED").count(),
    "mail_waiting": OutgoingMail.objects.exclude(status="sent").count(),
    "funds": funds,
}}))
"""


def check_books(run: Installation, env: dict, campaign: Campaign, facts: dict) -> list[str]:
    stored = run.folder / "facts.json"
    stored.write_text(
        json.dumps({"bank": campaign.bank_references, "card": campaign.card_references})
    )
    books = json.loads(
        run.manage(
            env,
            "shell",
            "-c",
            BOOKS.format(facts=str(stored), domain=f"@{run.cache_prefix}.example.org"),
        )
        .strip()
        .splitlines()[-1]
    )
    facts["books"] = books
    problems = []
    bank, card = campaign.bank_references, campaign.card_references
    if len(set(bank)) != len(bank) or len(set(card)) != len(card):
        problems.append("a pledge reference was answered twice")
    if books["bank_pledges"] != len(bank) or books["bank_found"] != len(bank):
        problems.append(
            f"{books['bank_pledges']} bank-transfer pledges recorded for {len(bank)} "
            f"successful POSTs ({books['bank_found']} of their references found)"
        )
    if books["card_pledges"] != len(card) or books["card_found"] != len(card):
        problems.append(
            f"{books['card_pledges']} card pledges recorded for {len(card)} successful POSTs"
        )
    paid = len(campaign.intents)
    if books["card_payments"] != len(card) or books["card_succeeded"] != paid:
        problems.append(
            f"{books['card_succeeded']} of {books['card_payments']} card payments succeeded "
            f"for {paid} paid on Stripe"
        )
    if books["card_receipts"] != paid or books["card_entries"] != paid:
        problems.append(
            f"{books['card_receipts']} card receipts and {books['card_entries']} ledger "
            f"entries for {paid} card payments"
        )
    if books["card_receipts_most_per_pledge"] > 1:
        problems.append("a card pledge has more than one receipt (an event counted twice)")
    if books["events_stored"] != facts.get("distinct", 0) or books["events_unprocessed"]:
        problems.append(
            f"{books['events_stored']} events stored ({books['events_unprocessed']} "
            f"unprocessed) for {facts.get('distinct', 0)} distinct events"
        )
    if books["tasks_failed"]:
        problems.append(f"{books['tasks_failed']} background tasks failed")
    for code, (debit, credit) in books["funds"].items():
        if Decimal(debit) != Decimal(credit):
            problems.append(f"fund {code}: debits {debit} != credits {credit}")
    try:
        run.manage(env, "check_day_totals")
    except BenchFailed as failed:
        problems.append(f"day totals: {failed}")
    return problems


# -- the report ---------------------------------------------------------------------------


def say(message: str) -> None:
    print(f"campaign: {message}", flush=True)


def table(title: str, recorder: Recorder, order: list[str]) -> list[str]:
    lines = [
        title,
        f"  {'kind':<48} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>6}",
    ]
    for name in order:
        if name not in recorder.kinds:
            continue
        kind = recorder.kinds[name]
        lines.append(
            f"  {name:<48} {kind.requests:>8} {kind.rate():>8.1f} "
            f"{1000 * kind.percentile(0.50):>8.0f} {1000 * kind.percentile(0.95):>8.0f} "
            f"{1000 * kind.percentile(0.99):>8.0f} {len(kind.errors):>6}"
        )
    return lines


def verdict(phases: Recorder, recorder: Recorder) -> tuple[list[str], list[str], float]:
    """The requests that failed (always counted), the timing goals missed, the ratio."""
    errors, missed = [], []
    for phase, which in (("phases 1-2", phases), ("the campaign", recorder)):
        for name, kind in which.kinds.items():
            if kind.errors:
                sample = kind.errors[0]
                errors.append(f"{len(kind.errors)} errors on {name}, {phase} (first: {sample})")
            if kind.latencies and kind.percentile(0.99) >= TARGET_P99:
                missed.append(f"p99 of {name}, {phase}: {kind.percentile(0.99):.2f} s (goal < 1 s)")
    bare, appeal = phases.kinds[BARE].rate(), phases.kinds[APPEAL_PAGE].rate()
    ratio = appeal / bare if bare else 0.0
    if ratio < TARGET_RATIO:
        missed.append(f"the appeal page at {ratio:.2f} of the bare view's throughput (goal 0.5)")
    return errors, missed, ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=200, help="concurrent readers")
    parser.add_argument("--requests", type=int, default=20, help="reads per visitor, phases 1-2")
    parser.add_argument("--bank-pledges", type=int, default=200)
    parser.add_argument("--events", type=int, default=1000, help="webhook events in the burst")
    parser.add_argument("--duplicate-share", type=float, default=0.2)
    parser.add_argument("--donors", type=int, default=20, help="donors pledging at a time")
    parser.add_argument("--webhook-concurrency", type=int, default=50)
    parser.add_argument("--drain-timeout", type=float, default=600, help="seconds")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument(
        "--no-goals",
        action="store_true",
        help="exit 0 whatever the throughput ratio and p99 (errors and the books still count)",
    )
    args = parser.parse_args()
    if (
        min(args.visitors, args.requests, args.donors, args.webhook_concurrency) < 1
        or args.bank_pledges < 0
        or not 0 <= args.duplicate_share < 1
        or args.events - round(args.events * args.duplicate_share) < 1
    ):
        parser.error(
            "--visitors, --requests, --donors, --webhook-concurrency >= 1; "
            "--bank-pledges >= 0; --duplicate-share in [0, 1); at least one distinct event"
        )

    run = Installation()
    started = time.monotonic()
    failed = True
    try:
        say(f"run folder {run.folder}; database {run.database}; load {os.getloadavg()[0]:.2f}")
        run.create_database()
        run.stripe = localstripe_server.start()
        env = run.environment()
        run.manage(env, "migrate", "--noinput")
        run.manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        run.manage(env, "load_demo", "--allow-production")
        run.start_server(env)
        say(f"gunicorn ({WEB_WORKERS} workers) on {run.base}, one db_worker, localstripe")

        phases, recorder, campaign, facts = asyncio.run(drive(args, run))
        say("burst answered; waiting for the task worker to book it")
        t0 = time.monotonic()
        waiting = run.queue_left()
        while True:
            tasks, events = run.queue_left()
            if not tasks and not events:
                break
            if time.monotonic() - t0 > args.drain_timeout:
                break
            time.sleep(0.5)
        drain = time.monotonic() - t0
        problems = check_books(run, env, campaign, facts)
        if tasks or events:
            problems.append(f"{tasks} tasks still queued after {drain:.0f} s")
        problems += campaign.refused
        logged = run.logged_errors()
        if logged:
            problems.append(f"{len(logged)} lines logged at ERROR (first: {logged[0]})")
        errors, missed, ratio = verdict(phases, recorder)

        order = [BARE, APPEAL_PAGE, BANK_FORM, BANK_POST, CARD_FORM, CARD_POST, CARD_PAGE, WEBHOOK]
        for line in table(
            f"phases 1-2: {args.visitors} visitors x {args.requests} reads each", phases, order
        ):
            print(line)
        print(f"appeal page / bare view throughput: {ratio:.2f} (goal >= {TARGET_RATIO})")
        for line in table("phase 3: the campaign, all at once", recorder, order):
            print(line)
        books = facts["books"]
        hooks = recorder.kinds.get(WEBHOOK)
        burst_span = hooks.last - hooks.first if hooks and hooks.requests else 0.0
        print(
            f"burst: {facts.get('posted', 0)} webhook posts for {facts.get('distinct', 0)} "
            f"distinct events, answered in {burst_span:.1f} s; when the last was answered "
            f"{waiting[0]} tasks waited ({waiting[1]} events not booked yet), "
            f"drained {drain:.1f} s later"
        )
        print(
            f"books: {books['bank_pledges']} bank-transfer and {books['card_pledges']} card "
            f"pledges, {books['card_receipts']} card receipts, {books['events_stored']} events "
            f"stored, {books['mail_waiting']} e-mails waiting (mail server down); "
            + ", ".join(
                f"{code} Dr {Decimal(d).normalize():f} = Cr {Decimal(c).normalize():f}"
                for code, (d, c) in books["funds"].items()
            )
        )
        print(f"load average at the end {os.getloadavg()[0]:.2f}")
        print(f"total run time {time.monotonic() - started:.0f} s")
        for problem in problems:
            print(f"campaign: BOOKS: {problem}", file=sys.stderr)
        for error in errors:
            print(f"campaign: GOAL MISSED: {error}", file=sys.stderr)
        for miss in missed:
            print(
                f"campaign: GOAL MISSED{' (not counted: --no-goals)' if args.no_goals else ''}: "
                f"{miss}",
                file=sys.stderr,
            )
        if not problems:
            say("books hold: every pledge once, every event booked once, the ledger balanced")
        failed = bool(problems or errors or (missed and not args.no_goals))
        return 1 if failed else 0
    except Exception as error:  # noqa: BLE001 - one line, whatever failed; the logs are kept
        print(f"campaign: FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        run.stop()
        with contextlib.suppress(Exception):
            run.drop_database()
        with contextlib.suppress(Exception):
            run.clear_cache()
        if failed:
            print(f"campaign: the processes' logs are in {run.folder}", file=sys.stderr)
        else:
            shutil.rmtree(run.folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
