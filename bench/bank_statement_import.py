"""Benchmark: importing a large bank statement.

Builds a scratch database (SQLite by default, or DATABASE_URL) with a fund and
MATCHED pledges, writes a CSV of N lines (MATCHED of them quote a pledge's
reference, the rest quote nothing a pledge has), and reports, in one run:
- baseline: reading the same file with pandas (the importer's own reader);
- fundmgr: import_bank_statement (checking, dedupe, matching, states, receipts);
and the ratio, lines per second, and the process's peak memory (and its peak
before the import, for what the import itself adds).

    .venv/bin/python bench/bank_statement_import.py [--lines 100000] [--matched 1000]
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--matched", type=int, default=1_000)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="fundmgr-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fundmgr.settings")
    import django

    django.setup()
    import pandas as pd
    from django.core.management import call_command

    from donors.services.bank_statements import import_bank_statement
    from donors.services.pledges import find_or_create_donor, record_pledge
    from fundmgr.money import Money
    from fundmgr.services.funds import open_fund

    call_command("migrate", verbosity=0)
    fund = open_fund(
        code="BENCH",
        name="Benchmark fund",
        by="bench",
        psc_rate_pct=Decimal(8),
        psc_from=datetime.date(2019, 1, 1),
    )
    donor = find_or_create_donor(name="Bench donor", kind="individual", email="b@example.org")
    refs = [
        record_pledge(
            fund=fund,
            donor=donor,
            amount=Money("100", "USD"),
            pledge_date=datetime.date(2019, 3, 1),
            method="bank_transfer",
            by="bench",
        ).reference
        for _ in range(args.matched)
    ]
    path = scratch / "statement.csv"
    with path.open("w") as out:
        out.write("value_date,amount,currency,reference,counterparty,bank_ref\n")
        for i in range(args.lines):
            ref = refs[i] if i < len(refs) else f"INVOICE {i}"
            out.write(f"2019-03-{1 + i % 28:02d},100.00,USD,{ref},Payer {i},BK{i:09d}\n")

    t0 = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    baseline = time.perf_counter() - t0
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    result = import_bank_statement(path, fund, "bench")
    ours = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"database: {django.db.connection.vendor}; lines: {len(frame)}; matched: {result.matched}"
    )
    print(f"baseline pandas read: {baseline:.2f} s")
    print(f"import_bank_statement: {ours:.2f} s ({len(frame) / ours:,.0f} lines/s)")
    print(f"ratio: {ours / baseline:.1f}x baseline; peak memory of the process: {peak_mb:.0f} MB")
    # Django, pandas, the migrations, the pledges and this script's own frame
    # of the file: the process's peak before import_bank_statement starts.
    print(f"peak memory before the import: {before_mb:.0f} MB")
    print(f"states: {result.counts}")


if __name__ == "__main__":
    main()
