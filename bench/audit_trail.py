"""Benchmark: the audit trail's page and its CSV with N records, against a
bare Django view served the same way in the same run.

Builds a scratch database (SQLite in a temp dir by default, or DATABASE_URL:
a PostgreSQL database whose name contains "bench", emptied first; made if
missing), migrates it and loads N audit records with ``bulk_create`` (40
actions, 8 people and a system actor, a tenth of them refusals, spread over
seven years, each about one of three kinds of record). Then, through
``django.test.Client`` in this process, signed in as the auditor, DEBUG off:
the page unfiltered, by action, by person with only refused attempts, and for
one year; and the CSV of every record (read to its end). Each is timed in
runs of four requests alternating with runs of the bare view, the first
request of each run untimed (as bench/grant_queue.py; docs/performance.md
says why); the script prints the medians, each ratio to the bare view's
median taken beside it, and the queries per request.

    .venv/bin/python bench/audit_trail.py [--records 200000] [--repeat 12]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fundmgr_auditbench \\
        .venv/bin/python bench/audit_trail.py
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.books import create_if_missing  # noqa: E402
from bench.grant_queue import BASELINE_PATH, RUN, bare_view  # noqa: E402

#: This module is the URLconf of the run; filled in by ``_run`` once Django is set up.
urlpatterns: list = []
PEOPLE = 8
ACTIONS = 40
BATCH = 5000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=12, help="timed requests per address")
    args = parser.parse_args()
    if args.records < 100 or args.repeat < RUN:
        parser.error(f"--records >= 100, --repeat >= {RUN}")
    scratch = tempfile.mkdtemp(prefix="fundmgr-auditbench-")
    database_url = os.environ.get("DATABASE_URL")
    if database_url:
        create_if_missing(database_url)
    else:
        database_url = f"sqlite:///{scratch}/bench.sqlite3"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fundmgr.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["MEDIA_ROOT"] = scratch
    try:
        return _run(args)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _load(records: int):
    """The auditor who reads the trail, and ``records`` records. ``at`` is
    set by the load (the field fills itself with the moment of saving)."""
    from django.contrib.auth.models import Group, User
    from django.contrib.contenttypes.models import ContentType

    from fundmgr.models import AuditRecord, Fund, JournalEntry
    from fundmgr.refusals import ACTION as REFUSED
    from fundmgr.roles import Role

    auditor = User.objects.create_user("bench-auditor", "auditor@example.org", "bench")
    auditor.groups.add(Group.objects.get(name=Role.AUDITOR))
    people = [
        User.objects.create_user(f"person-{i}", f"person{i}@example.org", "bench")
        for i in range(PEOPLE)
    ]
    kinds = [ContentType.objects.get_for_model(m) for m in (Fund, JournalEntry, User)]
    field = AuditRecord._meta.get_field("at")
    field.auto_now_add = False  # the records' own moments, not the load's
    start = datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)
    span = 7 * 365 * 24 * 3600
    try:
        for first in range(0, records, BATCH):
            AuditRecord.objects.bulk_create(
                AuditRecord(
                    at=start + datetime.timedelta(seconds=i * span // records),
                    actor=people[i % PEOPLE] if i % 9 else None,
                    system_actor="" if i % 9 else "stripe-webhook",
                    action=REFUSED if i % 10 == 0 else f"action-{i % ACTIONS}",
                    target_type=kinds[i % 3],
                    target_id=str(1 + i % 50),
                    target_repr=f"record {i}",
                    reason="why" if i % 4 == 0 else "",
                    data={"n": i},
                )
                for i in range(first, min(first + BATCH, records))
            )
    finally:
        field.auto_now_add = True
    return auditor


def _run(args) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.urls import include, path

    from bench.books import scratch_database

    global urlpatterns
    urlpatterns = [
        path(BASELINE_PATH.strip("/") + "/", bare_view),
        path("", include("fundmgr.urls")),
    ]
    scratch_database(settings, connection)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    auditor = _load(args.records)
    loaded = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    client = Client()
    client.force_login(auditor)
    year = "start=2024-01-01&end=2024-12-31"
    urls = [
        ("page, unfiltered", "/audit/"),
        ("page, one action", "/audit/?action=action-7"),
        ("page, a person's refused attempts", "/audit/?person=person-3&refused=on"),
        ("page, one year", f"/audit/?{year}"),
        ("CSV of every record", "/audit/audit-trail.csv"),
    ]

    def get(url: str) -> int:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        body = response.streaming_content if response.streaming else [response.content]
        return sum(len(chunk) for chunk in body)

    def timed(url: str) -> float:
        t0 = time.perf_counter()
        get(url)
        return time.perf_counter() - t0

    class Counted:
        def __init__(self) -> None:
            self.count = 0

        def __call__(self, execute, sql, params, many, context):
            self.count += 1
            return execute(sql, params, many, context)

    results = []
    with override_settings(ROOT_URLCONF=__name__):
        for _label, url in urls:
            get(url)
        get(BASELINE_PATH)
        for label, url in urls:
            counter = Counted()
            with connection.execute_wrapper(counter):
                size = get(url)
            # The CSV takes seconds: fewer of it, as many of the pages as asked.
            repeat = RUN if url.endswith(".csv") else args.repeat
            samples, bases = [], []
            while len(samples) < repeat:
                get(BASELINE_PATH)
                bases.extend(timed(BASELINE_PATH) for _ in range(RUN))
                get(url)
                samples.extend(timed(url) for _ in range(RUN))
            results.append(
                (label, statistics.median(samples), statistics.median(bases), counter.count, size)
            )
    print(f"database: {connection.vendor}; records: {args.records}")
    print(f"setup: migrate and load {loaded - started:.1f} s")
    for label, median, base, queries, size in results:
        print(
            f"{label:36s} {1000 * median:9.1f} ms  {median / base:7.1f}x the bare view beside it "
            f"({1000 * base:.2f} ms)  {queries} queries  {size} bytes"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
