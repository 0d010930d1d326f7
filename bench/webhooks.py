"""Benchmark: Stripe webhooks acknowledged per second, the real endpoint against a
baseline view that only verifies the signature; then the background worker's
processing rate.

Builds a scratch database (SQLite in a temp dir by default, or DATABASE_URL),
migrates it, opens a fund with the standard chart and EUR rates, starts
localstripe (``donors.payments.localstripe_server``: the real endpoint reads
every object back from Stripe), and makes N card pledges through the services
the pledge form uses (``pledge_by_card``, ``ensure_payment_intent``), each
confirmed on localstripe with ``pm_card_visa``. It builds one
``payment_intent.succeeded`` event per payment, plus D repeated deliveries of
some of them (same event id), shuffled.

Both endpoints are served the same way, by ``django.test.Client`` in this
process, through the full middleware stack and one URLconf (this module: the
project's ``fundmgr.urls`` plus the baseline at ``/bench/verify-only/``):

- baseline: a view that calls ``gateway.verify_webhook`` and answers 200;
- real: ``/stripe/webhook/`` (``donors.payments.views.webhook``), with the
  database task backend as deployed (django-tasks-db): it verifies, stores the
  event once and enqueues its task, nothing more.

Then the queued tasks are processed by the database worker (``manage.py
db_worker --batch``, in this process), timed separately: that is where the
objects are read back from Stripe and the ledger is booked.

Every event is signed when it is posted (Stripe's scheme, the current time), in
both passes, so none is stale. The baseline goes first, then the real endpoint.
A few extra payments are posted to both first as a warm-up (not timed); their
queries are listed with ``CaptureQueriesContext``. The timed real pass counts
queries with a cheap execute wrapper (CaptureQueriesContext formats every SQL
statement, and on SQLite runs an extra query per query, which would slow the
very thing being timed). After the worker pass the ledger must hold exactly one
receipt per payment, and exactly one task must have been enqueued per distinct
event.

    .venv/bin/python bench/webhooks.py [--events 200] [--duplicates 40] [--breakdown] [--profile]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fundmgr_whbench \
        .venv/bin/python bench/webhooks.py

``--breakdown`` adds the wall-clock time of the endpoint's and the worker's
main steps, ``--profile`` runs the real pass under cProfile; ``BENCH_SHOW_QUERIES=1`` lists
a new event's SQL, ``BENCH_PROFILE_OUT=file`` keeps the profile for pstats.
The warm-up count includes BEGIN/COMMIT (Django logs them); the timed-pass
count does not see them on PostgreSQL.

DEBUG is off (as in production) and LOG_LEVEL defaults to WARNING so the
per-event INFO line does not go to the console; set them in the environment to
change that.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import pstats
import random
import secrets
import shutil
import sys
import tempfile
import time
import warnings
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASELINE_PATH = "/bench/verify-only/"
WEBHOOK_PATH = "/stripe/webhook/"
WEBHOOK_SECRET = "whsec_bench_" + secrets.token_hex(8)
TARGET_RATIO = 1 / 3

#: This module is the URLconf of both passes; filled in by ``main`` once Django is set up.
urlpatterns: list = []


def baseline_view(request):
    """What any webhook endpoint must do at least: verify the signature, answer 200."""
    from django.http import HttpResponse, HttpResponseBadRequest

    from donors.payments import gateway

    try:
        gateway.verify_webhook(request.body, request.headers.get("Stripe-Signature"))
    except Exception:  # noqa: BLE001 - the bench fails loudly on any non-200
        return HttpResponseBadRequest("invalid signature")
    return HttpResponse("ok", content_type="text/plain")


def _configure_environment(database_url: str, api_base: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fundmgr.settings")
    # fundmgr.settings: TASKS default = django_tasks_db.DatabaseBackend (as deployed).
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["STRIPE_SECRET_KEY"] = "sk_test_local"  # noqa: S105 - localstripe's test key
    os.environ["STRIPE_PUBLISHABLE_KEY"] = "pk_test_local"
    os.environ["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    os.environ["STRIPE_API_BASE"] = api_base
    os.environ["STRIPE_JS_URL"] = f"{api_base}/js.stripe.com/v3/"


def _event_body(intent: dict) -> str:
    return json.dumps(
        {
            "id": f"evt_bench_{secrets.token_hex(10)}",
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


def main() -> int:  # noqa: PLR0915 - a linear script
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200, help="payments, one event each")
    parser.add_argument("--duplicates", type=int, default=40, help="repeated deliveries")
    parser.add_argument("--warmup", type=int, default=5, help="untimed payments posted first")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument(
        "--profile", action="store_true", help="run the real pass under cProfile (slower)"
    )
    parser.add_argument("--profile-lines", type=int, default=30)
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="wall-clock time of the real endpoint's steps (Stripe reads, receipt, ...)",
    )
    args = parser.parse_args()
    if args.events < 1 or args.duplicates < 0 or args.warmup < 1:
        parser.error("--events >= 1, --duplicates >= 0, --warmup >= 1")

    from donors.payments import localstripe_server

    started = time.perf_counter()
    scratch = None
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        scratch = tempfile.mkdtemp(prefix="fundmgr-whbench-")
        database_url = f"sqlite:///{scratch}/bench.sqlite3"
    server = localstripe_server.start()
    try:
        _configure_environment(database_url, server.api_base)
        return _run(args, server, database_url, started)
    finally:
        server.stop()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def _run(args, server, database_url: str, started: float) -> int:  # noqa: PLR0915
    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    import stripe
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.tasks import task_backends
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import include, path
    from django.utils import timezone
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from donors.models import Appeal, Receipt
    from donors.payments import gateway
    from donors.payments.models import CardPayment, StripeEvent
    from donors.payments.services import ensure_payment_intent, new_checkout_token, pledge_by_card
    from fundmgr.chart import AccountKey
    from fundmgr.models import ExchangeRate, JournalEntry
    from fundmgr.money import Money
    from fundmgr.services.funds import open_fund
    from fundmgr.services.ledger import account_balances

    global urlpatterns
    urlpatterns = [
        path(BASELINE_PATH.strip("/") + "/", baseline_view),
        path("", include("fundmgr.urls")),
    ]

    if not isinstance(task_backends["default"], DatabaseBackend):
        raise SystemExit(f"TASKS default is {task_backends['default']}, not the database one")
    vendor = connection.vendor
    if connection.introspection.table_names():
        # Only a scratch database is emptied: its name must say so.
        name = str(settings.DATABASES["default"]["NAME"])
        if vendor != "postgresql" or "bench" not in name:
            raise SystemExit(f"{name} is not empty: give a scratch database (name with 'bench')")
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    fund = open_fund(
        code="WHBENCH",
        name="Webhook benchmark fund",
        by="bench",
        psc_rate_pct=Decimal(8),
        psc_from=datetime.date(2019, 1, 1),
    )
    first = timezone.localdate().replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    for day in (first, following):
        ExchangeRate.objects.get_or_create(
            currency="EUR", effective_date=day, defaults={"units_per_usd": Decimal("0.925")}
        )
    appeal = Appeal.objects.create(
        fund=fund,
        slug="webhook-bench",
        title="Webhook benchmark",
        purpose="Card pledges for the webhook benchmark.",
        target=Money("10000000", "USD"),
    )

    def paid_intent(i: int) -> dict:
        """A card pledge as the form makes it, its PaymentIntent confirmed on localstripe."""
        payment = pledge_by_card(
            checkout_token=new_checkout_token(),
            appeal=appeal,
            name=f"Card Giver {i}",
            kind="individual",
            email=f"giver-{i}-{secrets.token_hex(3)}@example.org",
            country=None,
            amount=Money(Decimal("10.00") + Decimal("3.17") * i, "EUR"),
            listed_publicly=False,
        )
        payment = ensure_payment_intent(payment)
        intent = gateway.confirm_payment_intent(payment.payment_intent_id, "pm_card_visa")
        if intent.status != "succeeded":
            raise SystemExit(f"payment {i}: localstripe says {intent.status}")
        return intent.to_dict()

    rng = random.Random(args.seed)
    warm = [_event_body(paid_intent(args.events + i)) for i in range(args.warmup)]
    unique = [_event_body(paid_intent(i)) for i in range(args.events)]
    events = unique + [rng.choice(unique) for _ in range(args.duplicates)]
    rng.shuffle(events)
    prepared = time.perf_counter()

    client = Client()
    secret = settings.STRIPE_WEBHOOK_SECRET

    def post(path_: str, body: str) -> None:
        header = stripe.WebhookSignature.generate_signature_header(body, secret)
        response = client.post(
            path_, data=body.encode(), content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        )
        if response.status_code != 200:
            raise SystemExit(f"{path_} answered {response.status_code}: {response.content[:200]!r}")

    class Counted:
        def __init__(self) -> None:
            self.count = 0

        def __call__(self, execute, sql, params, many, context):
            self.count += 1
            return execute(sql, params, many, context)

    def run_worker() -> None:
        call_command(
            "db_worker",
            queue_name="webhooks",
            batch=True,
            reload=False,
            startup_delay=False,
            interval=0,
            verbosity=0,
        )

    with override_settings(ROOT_URLCONF=__name__):
        # Warm-up: both endpoints, a few payments. The real one's queries are
        # captured on the last (the first creates caches and the receipt sequence
        # row) and on a repeat of it; copied at once, as the next request
        # empties Django's query log.
        for body in warm:
            post(BASELINE_PATH, body)
        for body in warm[:-1]:
            post(WEBHOOK_PATH, body)
        with CaptureQueriesContext(connection) as captured:
            post(WEBHOOK_PATH, warm[-1])
        new_event_queries = list(captured.captured_queries)
        with CaptureQueriesContext(connection) as captured:
            post(WEBHOOK_PATH, warm[-1])
        duplicate_queries = list(captured.captured_queries)
        run_worker()  # the warm-up's tasks
        tasks_before = DBTaskResult.objects.count()

        t0 = time.perf_counter()
        for body in events:
            post(BASELINE_PATH, body)
        baseline_seconds = time.perf_counter() - t0

        counter = Counted()
        profiler = cProfile.Profile() if args.profile else None
        timers = _Timers(args.breakdown, _Timers.ENDPOINT)
        with timers, connection.execute_wrapper(counter):
            if profiler:
                profiler.enable()
            t0 = time.perf_counter()
            for body in events:
                post(WEBHOOK_PATH, body)
            real_seconds = time.perf_counter() - t0
            if profiler:
                profiler.disable()

    # -- the worker: every queued task, timed on its own --
    queued = DBTaskResult.objects.count() - tasks_before
    unprocessed_before = StripeEvent.objects.filter(processed_at__isnull=True).count()
    worker_timers = _Timers(args.breakdown, _Timers.WORKER)
    with worker_timers:
        t0 = time.perf_counter()
        run_worker()
        worker_seconds = time.perf_counter() - t0
    task_states = Counter(DBTaskResult.objects.values_list("status", flat=True))

    # -- the ledger: exactly one receipt per payment, every delivery acknowledged --
    payments = args.events + args.warmup
    receipts = Receipt.objects.filter(fund=fund, method=Receipt.Method.CARD)
    receipt_count = receipts.count()
    succeeded = CardPayment.objects.filter(status=CardPayment.Status.SUCCEEDED).count()
    stored_events = StripeEvent.objects.count()
    outcomes = Counter(
        "duplicate" if o == "duplicate" else o.split(" ")[0] + " " + o.split(" ")[-1]
        for o in StripeEvent.objects.values_list("outcome", flat=True)
    )
    entries = JournalEntry.objects.filter(fund=fund, idempotency_key__startswith="card:").count()
    base_total = sum(r.base_amount for r in receipts)
    clearing = account_balances(fund)[AccountKey.CARD_CLEARING].balance
    problems = []
    if receipt_count != payments:
        problems.append(f"{receipt_count} receipts for {payments} payments")
    if succeeded != payments or entries != payments:
        problems.append(f"{succeeded} payments succeeded, {entries} receipt entries")
    if stored_events != payments:
        problems.append(f"{stored_events} events stored for {payments} distinct events")
    if clearing != base_total:
        problems.append(f"card clearing {clearing} != receipts {base_total}")
    if queued != args.events:
        problems.append(f"{queued} tasks enqueued for {args.events} distinct events")
    if unprocessed_before != args.events:
        problems.append(f"{unprocessed_before} events unprocessed after the endpoint pass")
    if task_states != Counter({"SUCCESSFUL": payments}):
        problems.append(f"tasks: {dict(task_states)}")

    n = len(events)
    baseline_rate, real_rate = n / baseline_seconds, n / real_seconds
    ratio = real_rate / baseline_rate
    db_name = database_url.rsplit("/", 1)[-1] if vendor != "sqlite" else database_url
    print(f"database: {vendor} ({db_name}); localstripe {server.api_base}")
    print(
        f"events: {n} posted ({args.events} payments + {args.duplicates} repeated deliveries), "
        f"after {args.warmup} warm-up payments; setup {prepared - started:.1f} s"
    )
    print(
        f"baseline (verify only): {baseline_rate:8.1f} events/s "
        f"({1000 * baseline_seconds / n:.2f} ms/event)"
    )
    print(
        f"real /stripe/webhook/:  {real_rate:8.1f} events/s "
        f"({1000 * real_seconds / n:.2f} ms/event; verify, store, enqueue)"
        f"{'  [under cProfile]' if profiler else ''}"
    )
    verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
    print(f"ratio real/baseline: {ratio:.3f} ({verdict} the 1/3 target)")
    print(
        f"worker (db_worker --batch): {queued / worker_seconds:8.1f} events/s "
        f"({1000 * worker_seconds / queued:.2f} ms/event; {queued} tasks: read back from "
        "Stripe, book the ledger)"
    )
    print(
        f"queries per event (real, timed pass): {counter.count / n:.1f}; "
        f"a new event: {len(new_event_queries)}, a repeated delivery: {len(duplicate_queries)} "
        "(CaptureQueriesContext, warm-up)"
    )
    print(
        f"ledger: {receipt_count} card receipts for {payments} payments, "
        f"{stored_events} events stored, card clearing {clearing.normalize():f} USD; "
        + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
    )
    if os.environ.get("BENCH_SHOW_QUERIES"):
        for query in new_event_queries:
            print("  ", query["sql"][:160])
    timers.report(n, real_seconds)
    worker_timers.report(queued, worker_seconds)
    if profiler:
        _print_profile(profiler, args.profile_lines, n)
    print(f"total run time {time.perf_counter() - started:.1f} s")
    if problems:
        print("LEDGER CHECK FAILED: " + "; ".join(problems), file=sys.stderr)
        return 1
    print("ledger check: ok (one receipt per payment, one task per distinct event)")
    return 0


class _Timers:
    """Wall-clock time spent in a few steps of the real endpoint (--breakdown).

    Wraps module attributes looked up at call time, for the real pass only."""

    ENDPOINT = (
        "endpoint pass",
        (
            ("donors.payments.gateway", "verify_webhook", "verify the signature"),
            ("donors.payments.services", "_store", "store the event"),
            ("donors.payments.services", "acknowledge_event", "store + enqueue in all"),
        ),
    )
    WORKER = (
        "worker pass",
        (
            ("donors.payments.services", "_payment_for", "find the CardPayment"),
            ("donors.payments.services", "_fetch_payment", "read intent + charge (HTTP)"),
            ("donors.payments.services", "_locked", "lock the CardPayment row"),
            ("donors.payments.services", "record_receipt", "record_receipt (entry, receipt)"),
            ("donors.payments.services", "log_action", "audit records (services)"),
            ("donors.payments.services", "process_stored_event", "process_stored_event in all"),
        ),
    )

    def __init__(self, enabled: bool, steps: tuple) -> None:
        self.enabled = enabled
        self.title, self.STEPS = steps
        self.seconds: Counter = Counter()
        self.calls: Counter = Counter()
        self._saved: list = []

    def __enter__(self):
        if not self.enabled:
            return self
        import importlib

        for module_name, name, label in self.STEPS:
            module = importlib.import_module(module_name)
            original = getattr(module, name)
            self._saved.append((module, name, original))
            setattr(module, name, self._wrap(original, label))
        return self

    def _wrap(self, function, label):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - t0
                self.calls[label] += 1

        return timed

    def __exit__(self, *exc_info) -> None:
        for module, name, original in self._saved:
            setattr(module, name, original)
        self._saved.clear()

    def report(self, events: int, total: float) -> None:
        if not self.enabled:
            return
        print(f"breakdown of the {self.title} ({1000 * total / events:.2f} ms/event, wall clock):")
        for _, _, label in self.STEPS:
            seconds = self.seconds[label]
            print(
                f"  {1000 * seconds / events:6.2f} ms/event {seconds / total:6.1%}"
                f"  {label} ({self.calls[label]} calls)"
            )


def _print_profile(profiler: cProfile.Profile, lines: int, events: int) -> None:
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    if os.environ.get("BENCH_PROFILE_OUT"):
        stats.dump_stats(os.environ["BENCH_PROFILE_OUT"])
    total = stats.total_tt
    buckets = Counter()
    for (filename, _, name), (_, _, tottime, _, _) in stats.stats.items():
        if "/stripe/" in filename or "/requests/" in filename or "/urllib3/" in filename:
            bucket = "Stripe SDK + HTTP client (python side)"
        elif name in ("recv_into", "sendall", "send", "recv", "connect", "poll", "select"):
            bucket = "socket wait (localstripe answering, database server)"
        elif "/django/db/" in filename or "sqlite3" in filename or "/psycopg/" in filename:
            bucket = "database (driver + ORM SQL layer)"
        elif "/django/" in filename:
            bucket = "django (ORM models, request/response, middleware)"
        elif str(ROOT) in filename and ".venv" not in filename:
            bucket = "fundmgr code"
        else:
            bucket = "other (builtins, stdlib, json, decimal, djmoney...)"
        buckets[bucket] += tottime
    print(f"profile: {total:.2f} s in the real pass, {1000 * total / events:.2f} ms/event")
    for bucket, seconds in buckets.most_common():
        print(f"  {seconds / total:6.1%}  {1000 * seconds / events:6.2f} ms/event  {bucket}")
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(lines // 2)
    print(stream.getvalue())


if __name__ == "__main__":
    sys.exit(main())
