"""Benchmark: account balances from the ledger against a raw SQL baseline.

Builds a scratch database (SQLite by default, or DATABASE_URL) with a fund and
N balanced entries, then times, in the same process and run:
- baseline: one hand-written GROUP BY over the legs table through a raw cursor;
- fundmgr: ``account_balances(fund)`` (the ORM query plus Decimal results).
Reports each median, the ratio, and the query count of account_balances.

    .venv/bin/python bench/ledger_balances.py [--entries 20000]
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="fundmgr-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fundmgr.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fundmgr.models import Account, JournalEntry, Leg
    from fundmgr.services.funds import open_fund
    from fundmgr.services.ledger import account_balances

    call_command("migrate", verbosity=0)
    fund = open_fund(
        code="BENCH",
        name="Benchmark fund",
        by="bench",
        psc_rate_pct=Decimal(8),
        psc_from=datetime.date(2019, 1, 1),
    )
    accounts = list(Account.objects.filter(fund=fund, segregated=False))
    day = datetime.date(2019, 3, 1)
    # Bulk-load through the same draft -> legs -> posted path the guards check.
    batch = 1000
    for start in range(0, args.entries, batch):
        entries = JournalEntry.objects.bulk_create(
            JournalEntry(fund=fund, date=day, memo="bench", system_actor="bench")
            for _ in range(start, min(start + batch, args.entries))
        )
        legs = []
        for i, entry in enumerate(entries):
            amount = Decimal(100 + (start + i) % 977) / 100
            a, b = accounts[i % len(accounts)], accounts[(i + 7) % len(accounts)]
            legs += [
                Leg(entry=entry, account=a, debit=amount, credit=0, original=(amount, "USD")),
                Leg(entry=entry, account=b, debit=0, credit=amount, original=(amount, "USD")),
            ]
        Leg.objects.bulk_create(legs)
        JournalEntry.objects.filter(pk__in=[e.pk for e in entries]).update(status="posted")

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.key, SUM(l.debit), SUM(l.credit) FROM fundmgr_leg l "
                "JOIN fundmgr_journalentry e ON e.id = l.entry_id "
                "JOIN fundmgr_account a ON a.id = l.account_id "
                "WHERE e.fund_id = %s AND e.status = 'posted' GROUP BY a.key",
                [fund.pk],
            )
            return cursor.fetchall()

    def measured():
        return account_balances(fund)

    def timed(fn):
        samples = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
        return statistics.median(samples)

    timed(baseline), timed(measured)  # warm up
    base, ours = timed(baseline), timed(measured)
    with CaptureQueriesContext(connection) as queries:
        measured()
    print(f"database: {connection.vendor}; entries: {args.entries}; legs: {2 * args.entries}")
    print(f"baseline raw GROUP BY: {base * 1000:.2f} ms (median of {args.repeat})")
    print(f"account_balances:      {ours * 1000:.2f} ms (median of {args.repeat})")
    print(f"ratio: {ours / base:.2f}x baseline; queries per call: {len(queries)}")


if __name__ == "__main__":
    main()
