"""Benchmark: a fund with 100,000 receipts and 20,000 grants. Reports, in one
run, the financial statement page's server time and query count (against a
bare view served the same way), and the reconciliation workbook's export time
(written by XlsxWriter through ``fundmgr.exporters``) against a bare openpyxl
write-only dump of the same number of cells, made in the same run, with their
ratio (goal: at most 0.6) and the export's peak memory (a separate process,
as an operator runs it).

Builds a scratch database (SQLite in a temp dir by default, or DATABASE_URL: a
PostgreSQL database whose name contains "bench", emptied first), migrates it,
and loads the data in bulk, straight into the tables the services write (the
ledger's guards still check every entry when it is posted):

- 500 donors; 100,000 receipts in USD and EUR over 2019, each with its
  balanced entry (Dr bank, Cr contributions) at the month's rate;
- 20,000 grants committed for the same event, their commitment posted as one
  entry, 2,000 of them settled (expenditure and PSC posted in one entry each
  kind), so the statement and the workbook have every line to show.

    .venv/bin/python bench/reconciliation.py [--receipts 100000] [--grants 20000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fundmgr_reconbench \\
        .venv/bin/python bench/reconciliation.py
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASELINE_PATH = "/bench/bare/"
#: The export (XlsxWriter, through fundmgr.exporters) at most this many times
#: the bare openpyxl dump of the same cells (issue 12).
GOAL = 0.6
AS_OF = datetime.date(2019, 12, 31)
CENT = Decimal("0.01")
EUR_RATES = [Decimal("0.870") + Decimal("0.002") * month for month in range(12)]

urlpatterns: list = []


def bare_view(request):
    from django.http import HttpResponse
    from django.template import engines

    template = engines["django"].from_string("<!DOCTYPE html><title>bare</title><p>{{ user }}</p>")
    return HttpResponse(template.render({}, request))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=100_000)
    parser.add_argument("--grants", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5, help="statement requests (median)")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="fundmgr-reconbench-")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{scratch}/bench.sqlite3"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fundmgr.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ["MEDIA_ROOT"] = scratch
    try:
        return _run(args, database_url, Path(scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _entries(fund, rows, kind: str, actor: str = "bench"):
    """Insert entries as drafts with their legs, then post them all at once
    (the guards check each entry as it is posted). ``rows``: (date, memo,
    [(account, debit, credit, original Money, rate)]). Returns the entries."""
    from fundmgr.models import JournalEntry, Leg

    entries = JournalEntry.objects.bulk_create(
        JournalEntry(fund=fund, date=day, memo=memo, kind=kind, system_actor=actor)
        for day, memo, _legs in rows
    )
    Leg.objects.bulk_create(
        Leg(entry=entry, account=account, debit=dr, credit=cr, original=original, rate=rate)
        for entry, (_day, _memo, legs) in zip(entries, rows, strict=True)
        for account, dr, cr, original, rate in legs
    )
    JournalEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
        status=JournalEntry.Status.POSTED
    )
    return entries


def _load(args):
    from django.contrib.auth.models import Group, User

    from donors.models import Donor, Receipt
    from fundmgr.chart import AccountKey
    from fundmgr.models import Country, Event, ExchangeRate
    from fundmgr.money import Money
    from fundmgr.roles import Role
    from fundmgr.services.funds import open_fund
    from grants.models import Grant, GrantState, TravelPolicy

    fund = open_fund(
        code="RBENCH",
        name="Reconciliation benchmark fund",
        by="bench",
        psc_rate_pct=Decimal(8),
        psc_from=datetime.date(2018, 1, 1),
        operating_reserve_pct=Decimal(10),
    )
    accounts = {a.key: a for a in fund.accounts.all()}
    ExchangeRate.objects.bulk_create(
        ExchangeRate(
            currency="EUR", effective_date=datetime.date(2019, month + 1, 1), units_per_usd=rate
        )
        for month, rate in enumerate(EUR_RATES)
    )
    donors = Donor.objects.bulk_create(
        Donor(name=f"Donor {i}", kind="member_state", email=f"donor{i}@example.org")
        for i in range(500)
    )
    batch = 5000
    for start in range(0, args.receipts, batch):
        rows, receipts = [], []
        for i in range(start, min(start + batch, args.receipts)):
            month = i % 12
            day = datetime.date(2019, month + 1, 1 + i % 28)
            euro = i % 3 == 0
            original = Money(Decimal(100 + (i * 7919) % 90000) / 100, "EUR" if euro else "USD")
            rate = EUR_RATES[month] if euro else Decimal(1)
            usd = (original.amount / rate).quantize(CENT, rounding=ROUND_HALF_UP)
            rows.append(
                (
                    day,
                    f"Receipt {i}",
                    [
                        (accounts[AccountKey.BANK], usd, Decimal(0), original, rate),
                        (accounts[AccountKey.CONTRIBUTIONS], Decimal(0), usd, original, rate),
                    ],
                )
            )
            receipts.append((i, day, original, usd))
        entries = _entries(fund, rows, "receipt")
        Receipt.objects.bulk_create(
            Receipt(
                fund=fund,
                number=f"RB-2019-{i + 1:06d}",
                donor=donors[i % len(donors)],
                amount=original,
                value_date=day,
                method="bank",
                base_amount=usd,
                entry=entry,
            )
            for (i, day, original, usd), entry in zip(receipts, entries, strict=True)
        )

    event = Event.objects.create(
        code="RBENCH19",
        name="Reconciliation benchmark conference",
        fund=fund,
        starts_on=datetime.date(2019, 3, 20),
        ends_on=datetime.date(2019, 3, 22),
        city="Buenos Aires",
        country=Country.objects.get(iso2="AR"),
        eligibility_date=datetime.date(2019, 3, 20),
    )
    TravelPolicy.objects.create(event=event)
    officer = User.objects.create_user("bench-finance", "finance@example.org", "bench")
    officer.groups.add(Group.objects.get(name=Role.FINANCE_OFFICER))
    ldcs = list(Country.objects.ldc_on(event.eligibility_date).order_by("iso2"))
    settled_every = 10
    grants, committed, spent = [], Decimal(0), Decimal(0)
    for i in range(args.grants):
        cost = Decimal(1800 + (i * 37) % 1500)
        settled = i % settled_every == 0
        actual = cost - 100 if settled else Decimal(0)
        grants.append(
            Grant(
                event=event,
                reference=f"RB-{i + 1:06d}",
                state=GrantState.SETTLED if settled else GrantState.COMMITTED,
                nominee_name=f"Delegate {i + 1}",
                nominee_title="Director",
                gender="female" if i % 2 else "male",
                person_key=f"delegate {i + 1}",
                country=ldcs[i % len(ldcs)],
                nominated_by=officer,
                note_verbale="notes-verbales/bench.pdf",
                departure_city="Capital",
                departure_airport="AAA",
                depart_on=datetime.date(2019, 3, 18),
                return_on=datetime.date(2019, 3, 23),
                priority=1,
                ldc_on_eligibility_date=True,
                cost=cost,
                psc_pct=Decimal(8),
                psc_amount=(cost * Decimal("0.08")).quantize(CENT),
                approved_amount=cost,
                committed_amount=Decimal(0) if settled else cost,
                actual_cost=actual,
                balance_paid=actual,
            )
        )
        if settled:
            spent += actual
        else:
            committed += cost
    Grant.objects.bulk_create(grants, batch_size=2000)
    usd = lambda amount: Money(amount, "USD")  # noqa: E731
    psc = (spent * Decimal("0.08")).quantize(CENT, rounding=ROUND_HALF_UP)
    one = Decimal(1)
    # One entry of each kind the grants post (manual-kind entries would not be
    # the grants'; "grant" alone is no kind the ledger knows).
    for kind, row in zip(
        ("grant-commitment", "grant-settlement", "grant-psc"),
        [
            (
                datetime.date(2019, 3, 1),
                "Commitments of the grants still open",
                [
                    (accounts[AccountKey.COMMITMENTS], committed, 0, usd(committed), one),
                    (accounts[AccountKey.COMMITMENTS_CONTROL], 0, committed, usd(committed), one),
                ],
            ),
            (
                datetime.date(2019, 4, 15),
                "Settled travel claims",
                [
                    (accounts[AccountKey.TRAVEL_EXPENDITURE], spent, 0, usd(spent), one),
                    (accounts[AccountKey.BANK], 0, spent, usd(spent), one),
                ],
            ),
            (
                datetime.date(2019, 4, 15),
                "PSC on the settled claims",
                [
                    (accounts[AccountKey.PSC], psc, 0, usd(psc), one),
                    (accounts[AccountKey.BANK], 0, psc, usd(psc), one),
                ],
            ),
        ],
        strict=True,
    ):
        _entries(fund, [row], kind)
    # The entries were posted in bulk, not through post_entry: the ledger's
    # day totals (which the statement reads) are built from their legs.
    from fundmgr.services.ledger import rebuild_day_totals

    rebuild_day_totals(fund)
    return fund, officer


def _timed_statement(fund, officer, args):
    from django.db import connection
    from django.test import Client, override_settings
    from django.urls import include, path

    global urlpatterns
    urlpatterns = [
        path(BASELINE_PATH.strip("/") + "/", bare_view),
        path("", include("fundmgr.urls")),
    ]
    client = Client()
    client.force_login(officer)
    url = f"/reports/{fund.code}/statement/?as_of={AS_OF.isoformat()}"
    results = {}
    with override_settings(ROOT_URLCONF=__name__):
        for label, target in (("bare view", BASELINE_PATH), ("statement page", url)):
            client.get(target)  # warm-up
            count = [0]

            def counter(execute, sql, params, many, context, count=count):
                count[0] += 1
                return execute(sql, params, many, context)

            with connection.execute_wrapper(counter):
                response = client.get(target)
            if response.status_code != 200:
                raise SystemExit(f"{target} answered {response.status_code}")
            samples = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                client.get(target)
                samples.append(time.perf_counter() - t0)
            results[label] = (statistics.median(samples), count[0])
    return results


def _bare_dump(shape: list[tuple[str, int, int]], path: Path) -> float:
    """openpyxl write-only, the same sheets, rows and columns, plain values."""
    from openpyxl import Workbook

    t0 = time.perf_counter()
    book = Workbook(write_only=True)
    for title, rows, columns in shape:
        sheet = book.create_sheet(title)
        for r in range(rows):
            sheet.append([Decimal(r) + CENT if c % 2 else f"text {r}" for c in range(columns)])
    book.save(path)
    return time.perf_counter() - t0


def _shape(path: Path) -> list[tuple[str, int, int]]:
    from openpyxl import load_workbook

    # A streamed workbook records no dimensions: count the rows and the widest one.
    book = load_workbook(path, read_only=True)
    shape = []
    for sheet in book.worksheets:
        rows = columns = 0
        for row in sheet.iter_rows(values_only=True):
            rows += 1
            columns = max(columns, len(row))
        shape.append((sheet.title, rows, columns))
    book.close()
    return shape


def _run(args, database_url: str, scratch: Path) -> int:
    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    vendor = connection.vendor
    if connection.introspection.table_names():
        name = str(settings.DATABASES["default"]["NAME"])
        if vendor != "postgresql" or "bench" not in name:
            raise SystemExit(f"{name} is not empty: give a scratch database (name with 'bench')")
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    fund, officer = _load(args)
    loaded = time.perf_counter()
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"database: {vendor}; receipts: {args.receipts}; grants: {args.grants}")
    print(f"setup: migrate {migrated - t0:.1f} s, load {loaded - migrated:.1f} s")

    timings = _timed_statement(fund, officer, args)
    bare, bare_queries = timings["bare view"]
    page, page_queries = timings["statement page"]
    print(f"bare view            {1000 * bare:9.2f} ms  {bare_queries} queries")
    print(
        f"statement page       {1000 * page:9.2f} ms  {page_queries} queries "
        f"({page / bare:.1f}x the bare view; median of {args.repeat})"
    )

    try:
        from reports.workbook import write_reconciliation_workbook
    except ImportError:
        print("workbook: reports.workbook is not there yet; export not measured")
        return 0
    exported = scratch / "reconciliation.xlsx"
    t0 = time.perf_counter()
    write_reconciliation_workbook(fund, AS_OF, exported)
    export_seconds = time.perf_counter() - t0
    shape = _shape(exported)
    cells = sum(rows * columns for _title, rows, columns in shape)
    dump_seconds = _bare_dump(shape, scratch / "bare.xlsx")
    ratio = export_seconds / dump_seconds
    verdict = "meets" if ratio <= GOAL else "MISSES"
    print(
        f"export (in process)  {export_seconds:9.2f} s   {cells:,} cells, "
        f"{exported.stat().st_size / 1e6:.1f} MB"
    )
    print(f"bare openpyxl dump   {dump_seconds:9.2f} s   same sheets, rows and columns")
    print(f"ratio export/dump: {ratio:.2f} ({verdict} the {GOAL}x goal)")

    # Peak memory: the command an operator runs, in its own process.
    output = scratch / "command.xlsx"
    env = {**os.environ, "DATABASE_URL": database_url}
    t0 = time.perf_counter()
    subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "export_reconciliation",
            "--fund",
            fund.code,
            "--as-of",
            AS_OF.isoformat(),
            "--output",
            str(output),
        ],
        check=True,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    command_seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    verdict = "meets" if peak_mb < 300 else "MISSES"
    print(
        f"export_reconciliation command: {command_seconds:.1f} s, peak memory {peak_mb:.0f} MB "
        f"({verdict} the 300 MB goal)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
