"""Benchmark: the financial statement page against a hand-written SQL
aggregation of the same figures over the same legs, in one run.

Builds a scratch database (SQLite in a temp dir by default, or DATABASE_URL: a
PostgreSQL database whose name contains "bench", emptied first), migrates it,
and loads the books of ``bench/books.py`` in bulk, straight into the
tables the services write (the ledger's guards still check every entry when
it is posted): 500 donors; 100,000 receipts in USD and EUR over 2019, each
with its balanced entry (Dr bank, Cr contributions) at the month's rate;
20,000 grants, their commitment, expenditure and PSC posted in one entry each
(the same loader makes bench/iati.py's and bench/api_lists.py's books).

Then, medians of ``--repeat`` runs each:

- the statement page (``/reports/<FUND>/statement/?as_of=2019-12-31``,
  ``--from`` gives the start of the period) through Django's test client,
  signed in as a finance officer;
- the baseline: what a person would write by hand to get the statement's
  figures, through a raw cursor over the same legs: each account's debits and
  credits before and within the period, the period's contributions by donor
  and original currency (traced through the receipt or pledge of the entry or
  of the entry it reverses, as the statement traces them), the receivable by
  pledge, and the cash received.

It prints both times, the ratio and the query counts.

    .venv/bin/python bench/statement.py [--receipts 100000] [--grants 20000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fundmgr_stmtbench \\
        .venv/bin/python bench/statement.py
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
import warnings
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.books import create_if_missing  # noqa: E402

AS_OF = datetime.date(2019, 12, 31)
GOAL = 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=100_000)
    parser.add_argument("--grants", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7, help="runs of each (median)")
    parser.add_argument(
        "--from", dest="period_start", default="2019-04-01", help="start of the period"
    )
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="fundmgr-stmtbench-")
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


# --- the data: bench/books.py (shared with bench/iati.py and bench/api_lists.py) -----


def _load(args):
    from bench.books import load_books

    books = load_books(receipts=args.receipts, grants=args.grants, code="SBENCH")
    return books.fund, books.officer


# --- the baseline --------------------------------------------------------------------

BASELINE = {
    "accounts": """
        SELECT a.key, a.kind, CASE WHEN e.date < %(start)s THEN 0 ELSE 1 END,
               SUM(l.debit), SUM(l.credit)
        FROM fundmgr_leg l
        JOIN fundmgr_journalentry e ON e.id = l.entry_id
        JOIN fundmgr_account a ON a.id = l.account_id
        WHERE e.fund_id = %(fund)s AND e.status = 'posted' AND e.date <= %(as_of)s
          AND NOT a.segregated
        GROUP BY 1, 2, 3""",
    "contributions by donor": """
        SELECT COALESCE(p.donor_id, r.donor_id, pr.donor_id, rr.donor_id, pc.donor_id),
               l.original_currency,
               SUM(l.credit) - SUM(l.debit),
               SUM(CASE WHEN l.credit > 0 THEN l.original ELSE -l.original END)
        FROM fundmgr_leg l
        JOIN fundmgr_journalentry e ON e.id = l.entry_id
        JOIN fundmgr_account a ON a.id = l.account_id
        LEFT JOIN donors_pledge p ON p.receivable_entry_id = e.id
        LEFT JOIN donors_receipt r ON r.entry_id = e.id
        LEFT JOIN donors_pledge pr ON pr.receivable_entry_id = e.reverses_id
        LEFT JOIN donors_receipt rr ON rr.entry_id = e.reverses_id
        LEFT JOIN donors_pledge pc ON e.kind = 'pledge-cancellation' AND pc.id = e.source_id
        WHERE e.fund_id = %(fund)s AND e.status = 'posted'
          AND e.date >= %(start)s AND e.date <= %(as_of)s
          AND a.key = 'contributions' AND NOT a.segregated
        GROUP BY 1, 2""",
    "receivable by pledge": """
        SELECT COALESCE(p.id, r.pledge_id, pr.id, rr.pledge_id, pc.id),
               SUM(l.debit) - SUM(l.credit),
               SUM(CASE WHEN l.debit > 0 THEN l.original ELSE -l.original END)
        FROM fundmgr_leg l
        JOIN fundmgr_journalentry e ON e.id = l.entry_id
        JOIN fundmgr_account a ON a.id = l.account_id
        LEFT JOIN donors_pledge p ON p.receivable_entry_id = e.id
        LEFT JOIN donors_receipt r ON r.entry_id = e.id
        LEFT JOIN donors_pledge pr ON pr.receivable_entry_id = e.reverses_id
        LEFT JOIN donors_receipt rr ON rr.entry_id = e.reverses_id
        LEFT JOIN donors_pledge pc ON e.kind = 'pledge-cancellation' AND pc.id = e.source_id
        WHERE e.fund_id = %(fund)s AND e.status = 'posted' AND e.date <= %(as_of)s
          AND a.key = 'pledges-receivable' AND NOT a.segregated
        GROUP BY 1""",
    "cash received": """
        SELECT SUM(base_amount) FROM donors_receipt
        WHERE fund_id = %(fund)s AND value_date >= %(start)s AND value_date <= %(as_of)s""",
}


def _baseline(fund, start: datetime.date):
    from django.db import connection

    params = {"fund": fund.pk, "start": start, "as_of": AS_OF}
    results = {}
    with connection.cursor() as cursor:
        for name, sql in BASELINE.items():
            cursor.execute(sql, params)
            results[name] = cursor.fetchall()
    return results


# --- the run -------------------------------------------------------------------------


def _median(fn, repeat: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def _queries(fn) -> int:
    from django.db import connection

    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        fn()
    return count[0]


def _check_same_figures(fund, start, baseline) -> None:
    """The baseline computes what the page shows: refuse to compare otherwise."""
    from reports.services.statement import fund_statement

    statement = fund_statement(fund, AS_OF, start)
    by_donor = {}
    for donor, _currency, base, _original in baseline["contributions by donor"]:
        by_donor[donor] = by_donor.get(donor, Decimal(0)) + Decimal(str(base))
    shown = {line.donor_id: line.amount.amount for line in statement.contributions_by_donor}
    expected = {donor: round(amount, 2) for donor, amount in by_donor.items() if amount}
    if shown != expected:
        raise SystemExit("the statement's contributions by donor differ from the baseline's")
    cash = Decimal(str(baseline["cash received"][0][0] or 0))
    if statement.cash_received.amount != round(cash, 2):
        raise SystemExit("the statement's cash received differs from the baseline's")


def _run(args) -> int:
    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.books import scratch_database

    vendor = connection.vendor
    scratch_database(settings, connection)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    fund, officer = _load(args)
    loaded = time.perf_counter()
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    start = datetime.date.fromisoformat(args.period_start)
    print(f"database: {vendor}; receipts: {args.receipts}; grants: {args.grants}")
    print(f"setup: migrate {migrated - t0:.1f} s, load {loaded - migrated:.1f} s")
    print(f"statement of {fund.code} from {start} to {AS_OF}; medians of {args.repeat}")

    _check_same_figures(fund, start, _baseline(fund, start))
    client = Client()
    client.force_login(officer)
    url = f"/reports/{fund.code}/statement/?as_of={AS_OF.isoformat()}&from={start.isoformat()}"

    def page():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")

    baseline_seconds = _median(lambda: _baseline(fund, start), args.repeat)
    page_seconds = _median(page, args.repeat)
    page_queries = _queries(page)
    ratio = page_seconds / baseline_seconds
    print(f"baseline (raw SQL)   {1000 * baseline_seconds:9.2f} ms  {len(BASELINE)} queries")
    print(f"statement page       {1000 * page_seconds:9.2f} ms  {page_queries} queries")
    verdict = "meets" if ratio <= GOAL else "MISSES"
    print(f"ratio page/baseline: {ratio:.2f} ({verdict} the {GOAL}x goal)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
