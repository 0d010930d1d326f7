"""Benchmark: every list of the REST API (docs/api.md) against a bare DRF view
served the same way, at two volumes, in one run.

Builds a scratch database (SQLite in a temp dir by default, or DATABASE_URL: a
PostgreSQL database whose name contains "bench", emptied first), migrates it,
and loads the books of ``bench/books.py`` twice: first a tenth of the volume
(one fund), when each list's queries per request are counted; then the full
volume (a second fund: 100,000 receipts, 20,000 grants, 2,000 pledges by
default), when they are counted again and timed. Besides the books, each
volume adds exchange rates (20 currencies a month), events, and the reader's
own exports and background imports, in bulk.

Each operation is requested through ``django.test.Client`` in this process,
with the full middleware stack, DEBUG off, with a personal API token of a
finance officer (every scope): the first page (50 rows, the default), the first
page of 200 (``page_size=200``), and a deep page (a cursor placed at the
middle of the rows, as following ``next`` would reach it). The baseline is a
bare DRF view: an ``APIView`` answering a small fixed JSON, with the API's
own authentication, permission, rate limit and audit record of the call (what
every API call costs whatever it reads). A second baseline reads the same
page as DRF does it bare: a ``ListAPIView`` of the list's model with a
``ModelSerializer`` of all its columns (keys as ids, nothing nested), the
same cursor pagination, ordering and page size, and the same authentication,
permission, rate limit and audit. The rate limit is raised for the run.
Before timing, what the process has loaded is set aside from the garbage
collector, as each production worker does (deploy/gunicorn.conf.py).

Timing as bench/grant_queue.py: each target in short runs alternating with runs
of the baseline, the first request of each run untimed; each ratio is a
target's median over the baseline's median taken beside it. Goals: every list
at most 3 times the baseline, and a query count that does not change with the
volume.

    .venv/bin/python bench/api_lists.py [--receipts 100000] [--grants 20000] [--repeat 12]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fundmgr_apibench \\
        .venv/bin/python bench/api_lists.py
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import datetime
import gc
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.books import create_if_missing  # noqa: E402

BASELINE_PATH = "/bench/bare/"
#: The bare DRF list of the same rows as each list: this, then the list's name.
BARE_LIST_PATH = "/bench/bare-list/"
TARGET_RATIO = 3.0
#: Timed requests in each run of one kind (after one untimed).
RUN = 4
CURRENCIES = "ARS BRL CNY EGP ETB GHS INR KES MXN NGN NPR PEN PHP PKR RUB THB TRY UGX VND ZAR"
#: Each list: its path and the field its cursor is placed by (its ordering's first).
#: Each list's model (the bare DRF list's).
MODELS = {
    "funds": "fundmgr.Fund",
    "exchange-rates": "fundmgr.ExchangeRate",
    "events": "fundmgr.Event",
    "pledges": "donors.Pledge",
    "receipts": "donors.Receipt",
    "donors": "donors.Donor",
    "journal-entries": "fundmgr.JournalEntry",
    "grants": "grants.Grant",
    "exports": "reports.Export",
    "imports": "fundmgr.ImportJob",
}
LISTS = {
    "funds": ("/api/v1/funds/", "code"),
    "exchange-rates": ("/api/v1/exchange-rates/", "effective_date"),
    "events": ("/api/v1/events/", "starts_on"),
    "pledges": ("/api/v1/pledges/", "pledge_date"),
    "receipts": ("/api/v1/receipts/", "value_date"),
    "donors": ("/api/v1/donors/", "id"),
    "journal-entries": ("/api/v1/journal-entries/", "date"),
    "grants": ("/api/v1/grants/", "reference"),
    "exports": ("/api/v1/exports/", "requested_at"),
    "imports": ("/api/v1/imports/", "requested_at"),
}

#: This module is the URLconf of the run; filled in by ``_run`` once Django is set up.
urlpatterns: list = []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=100_000)
    parser.add_argument("--grants", type=int, default=20_000)
    parser.add_argument("--pledges", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=12, help="requests per target (median)")
    parser.add_argument("--only", help="only these lists, comma-separated (e.g. grants,receipts)")
    parser.add_argument(
        "--no-timing", action="store_true", help="count queries and check the answers only"
    )
    parser.add_argument("--profile", help="profile this list's first page of 200 (cProfile)")
    parser.add_argument(
        "--profile-page",
        default="first page of 200",
        help='the page --profile profiles: "first page (50)", "first page of 200", '
        '"deep page (50)"',
    )
    args = parser.parse_args()
    if args.receipts < 10 or args.grants < 10 or args.repeat < RUN:
        parser.error(f"--receipts >= 10, --grants >= 10, --repeat >= {RUN}")
    scratch = tempfile.mkdtemp(prefix="fundmgr-apibench-")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{scratch}/bench.sqlite3"
    create_if_missing(database_url)  # a PostgreSQL scratch database a new machine lacks
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fundmgr.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ["MEDIA_ROOT"] = scratch
    try:
        return _run(args)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _bare_view():
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from api.audit import AuditedMixin
    from api.scopes import Scope

    class BareView(AuditedMixin, APIView):
        """What every API call costs: the token, the scope and roles, the rate
        limit, the audit record; then a small fixed JSON."""

        required_scope = Scope.READ_BOOKS

        def get(self, request):
            return Response({"next": None, "previous": None, "results": [{"id": 1}]})

    return BareView.as_view()


def _bare_lists() -> list:
    """Each list's bare DRF list: its model's rows as DRF lists them without
    the product (a ModelSerializer of every column), paged as the list is."""
    from django.apps import apps
    from django.db import models
    from django.urls import path, resolve
    from rest_framework import generics, serializers

    from api.audit import AuditedMixin
    from api.scopes import Scope

    patterns = []
    for name, (list_path, _field) in LISTS.items():
        model = apps.get_model(MODELS[name])
        meta = type("Meta", (), {"model": model, "fields": "__all__"})
        serializer = type(
            "BareSerializer",
            (serializers.ModelSerializer,),
            {
                "Meta": meta,
                # Private files have no URL (fundmgr.private_files): their names.
                "serializer_field_mapping": {
                    **serializers.ModelSerializer.serializer_field_mapping,
                    models.FileField: serializers.CharField,
                },
            },
        )
        view = type(
            "BareList",
            (AuditedMixin, generics.ListAPIView),
            {
                "required_scope": Scope.READ_BOOKS,
                "queryset": model.objects.all(),
                "serializer_class": serializer,
                "pagination_class": resolve(list_path).func.view_class.pagination_class,
            },
        )
        patterns.append(path(f"{BARE_LIST_PATH.strip('/')}/{name}/", view.as_view()))
    return patterns


def _bare_list_url(url: str) -> str:
    """The bare DRF list's URL for a list's ``url`` (same query string)."""
    for name, (list_path, _field) in LISTS.items():
        if url.startswith(list_path):
            return f"{BARE_LIST_PATH}{name}/{url[len(list_path) :]}"
    raise KeyError(url)


def _extras(books, scale: int, code: str) -> None:
    """What the books do not hold: rates, events, the reader's exports and imports."""
    from django.utils import timezone

    from fundmgr.models import Country, Event, ExchangeRate, ImportJob
    from reports.models import Export

    months = max(1, scale // 20)
    start = 2000 if code.endswith("S") else 2100  # the two volumes' dates never meet
    ExchangeRate.objects.bulk_create(
        ExchangeRate(
            currency=currency,
            effective_date=datetime.date(start + m // 12, m % 12 + 1, 1),
            units_per_usd=Decimal(10 + n) + Decimal(m) / 100,
        )
        for n, currency in enumerate(CURRENCIES.split())
        for m in range(months)
    )
    argentina = Country.objects.get(iso2="AR")
    Event.objects.bulk_create(
        Event(
            code=f"{code[-1]}{n:05d}",
            name=f"Meeting {n}",
            fund=books.fund,
            starts_on=datetime.date(2019, 1, 1) + datetime.timedelta(days=n % 365),
            ends_on=datetime.date(2019, 1, 2) + datetime.timedelta(days=n % 365),
            city="Buenos Aires",
            country=argentina,
            eligibility_date=datetime.date(2019, 1, 1),
        )
        for n in range(scale)
    )
    now = timezone.now()
    Export.objects.bulk_create(
        Export(
            requested_by=books.officer,
            requested_at=now - datetime.timedelta(minutes=n),
            fund=books.fund,
            kind=Export.Kind.RECONCILIATION,
            as_of=datetime.date(2019, 12, 31),
            status=Export.Status.EXPIRED,
            started_at=now - datetime.timedelta(minutes=n),
            finished_at=now - datetime.timedelta(minutes=n),
        )
        for n in range(scale)
    )
    ImportJob.objects.bulk_create(
        ImportJob(
            requested_by=books.officer,
            requested_at=now - datetime.timedelta(minutes=n),
            fund=books.fund,
            kind=ImportJob.Kind.BANK_STATEMENT,
            status=ImportJob.Status.DONE,
            started_at=now - datetime.timedelta(minutes=n),
            finished_at=now - datetime.timedelta(minutes=n),
            fingerprint=f"{code}{n}",
            file_names=[f"statement-{n}.csv"],
            summary={
                "statement": 1,
                "matched": 1,
                "already": 0,
                "unmatched": 0,
                "discarded": 0,
                "errors": 0,
            },
        )
        for n in range(scale)
    )


def _cursor(position) -> str:
    """A cursor as DRF's CursorPagination writes one (``p``: the position)."""
    return base64.b64encode(urlencode({"p": str(position)}).encode()).decode()


def _targets(only) -> list[tuple[str, str]]:
    """(label, URL) of each list's three pages; deep cursors placed at the middle.
    The same query on the list's bare DRF list: ``_bare_list_url``."""
    from django.apps import apps

    targets = []
    for name, (path, field) in LISTS.items():
        if only and name not in only:
            continue
        rows = apps.get_model(MODELS[name]).objects.order_by(field)
        middle = rows.values_list(field, flat=True)[rows.count() // 2]
        targets += [
            (f"{name}: first page (50)", path),
            (f"{name}: first page of 200", f"{path}?page_size=200"),
            (f"{name}: deep page (50)", f"{path}?{urlencode({'cursor': _cursor(middle)})}"),
        ]
    return targets


class Counted:
    """Counts queries with a cheap execute wrapper."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _run(args) -> int:
    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.urls import include, path

    from api.scopes import Scope
    from api.services.tokens import create_token
    from bench.books import load_books, scratch_database

    global urlpatterns
    urlpatterns = [
        path(BASELINE_PATH.strip("/") + "/", _bare_view()),
        path("", include("fundmgr.urls")),
    ]
    urlpatterns += _bare_lists()
    only = set(args.only.split(",")) if args.only else None
    vendor = connection.vendor
    scratch_database(settings, connection)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    small = load_books(
        receipts=args.receipts // 10,
        grants=args.grants // 10,
        pledges=args.pledges // 10,
        code="ABENCS",
    )
    _extras(small, 100, "ABENCS")
    plain = create_token(
        small.officer, name="bench", scopes=list(Scope.values), days=30, by=small.officer
    ).plain
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    loaded = time.perf_counter()

    def get(url: str):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]}")
        return response

    def queries(url: str) -> tuple[int, int]:
        """The queries of one request (its answer's rows beside it)."""
        counter = Counted()
        with connection.execute_wrapper(counter):
            rows = len(get(url).json()["results"])
        return counter.count, rows

    counts: dict[str, list] = {}
    with override_settings(ROOT_URLCONF=__name__, FUNDMGR_API_REQUESTS_PER_MINUTE=10**9):
        for label, url in _targets(only):
            get(url)  # warm-up
            counts[label] = [queries(url)]
        base_small = queries(BASELINE_PATH)
        big = load_books(
            receipts=args.receipts, grants=args.grants, pledges=args.pledges, code="ABENCH"
        )
        _extras(big, 1000, "ABENCH")
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        filled = time.perf_counter()
        print(
            f"database: {vendor}; volumes: {args.receipts // 10} then {args.receipts} receipts, "
            f"{args.grants // 10} then {args.grants} grants, {args.pledges // 10} then "
            f"{args.pledges} pledges (plus 100 then 1,000 events, exports and imports); "
            f"DEBUG={settings.DEBUG}"
        )
        print(
            f"setup: migrate {migrated - t0:.1f} s, load {loaded - migrated:.1f} s "
            f"then {filled - loaded:.1f} s"
        )
        targets = _targets(only)
        for label, url in targets:
            get(url)
            counts[label].append(queries(url))
        base_big = queries(BASELINE_PATH)
        if args.profile:
            gc.collect()
            gc.freeze()
            _profile(get, dict(targets)[f"{args.profile}: {args.profile_page}"], args.repeat)
            return 0
        results = {}
        if not args.no_timing:
            clock = time.perf_counter

            def timed_get(url: str) -> float:
                t = clock()
                get(url)
                return clock() - t

            # As a production worker after start-up (deploy/gunicorn.conf.py).
            gc.collect()
            gc.freeze()
            for label, url in targets:
                samples, bases, lists = [], [], []
                bare_list = _bare_list_url(url)
                while len(samples) < args.repeat:
                    get(BASELINE_PATH)
                    bases.extend(timed_get(BASELINE_PATH) for _ in range(RUN))
                    get(url)
                    samples.extend(timed_get(url) for _ in range(RUN))
                    get(bare_list)
                    lists.extend(timed_get(bare_list) for _ in range(RUN))
                results[label] = (
                    statistics.median(samples),
                    statistics.median(bases),
                    statistics.median(lists),
                )

    print(
        f"{'bare DRF view (baseline)':34s} queries {base_small[0]} and {base_big[0]}"
        + (
            f"; {1000 * statistics.median(r[1] for r in results.values()):.2f} ms "
            f"(medians {1000 * min(r[1] for r in results.values()):.2f} to "
            f"{1000 * max(r[1] for r in results.values()):.2f} beside the lists)"
            if results
            else ""
        )
    )
    fixed, worst, worst_list = True, 0.0, 0.0
    for label, _url in targets:
        (q_small, rows_small), (q_big, rows_big) = counts[label]
        same = q_small == q_big
        fixed &= same
        line = (
            f"{label:34s} queries {q_small} and {q_big} ({'fixed' if same else 'CHANGES'}); "
            f"rows {rows_small} and {rows_big}"
        )
        if label in results:
            median, base, bare_list = results[label]
            worst = max(worst, median / base)
            worst_list = max(worst_list, median / bare_list)
            line += (
                f"; {1000 * median:8.2f} ms, {median / base:5.2f}x the bare view beside it, "
                f"{median / bare_list:5.2f}x the bare DRF list of its rows "
                f"({1000 * bare_list:.2f} ms)"
            )
        print(line)
    print(f"query counts: {'fixed whatever the volume' if fixed else 'NOT FIXED'}")
    if results:
        verdict = "meets" if worst <= TARGET_RATIO else "MISSES"
        print(f"slowest list: {worst:.2f}x the bare view ({verdict} the {TARGET_RATIO:g}x goal)")
        verdict = "meets" if worst_list <= TARGET_RATIO else "MISSES"
        print(
            f"slowest list: {worst_list:.2f}x the bare DRF list of its rows "
            f"({verdict} the {TARGET_RATIO:g}x goal)"
        )
    return 0 if fixed else 1


def _profile(get, url: str, repeat: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        get(url)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats(
        os.environ.get("BENCH_SORT", "cumulative")
    ).print_stats(int(os.environ.get("BENCH_LINES", "45")))
    print(stream.getvalue())


if __name__ == "__main__":
    sys.exit(main())
