"""bench/iati.py, bench/api_lists.py and bench/audit_trail.py at a tiny size, each in a process of
its own on a scratch SQLite database: the scripts run, the product's IATI
file holds the same transactions as the bare dump it is measured against (and
passes the schemas and the product rule, or export_iati would refuse it), and
every API list answers with the same number of queries at both volumes.
Nothing is timed here (``--no-timing``; one round of the IATI file)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - this interpreter, the project's benchmark
        [sys.executable, *arguments],
        cwd=ROOT,
        # No DATABASE_URL: each script makes its own SQLite database in a temp dir.
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(Path.home())},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_tiny_iati_bench_writes_every_transaction_its_baseline_writes():
    done = _bench("bench/iati.py", "--receipts=300", "--grants=60", "--pledges=30", "--rounds=1")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    found = re.search(
        r"transactions: (\d+) in both files \((\d+) receipts and pledges", done.stdout
    )
    assert found, done.stdout
    # Every receipt and pledge is a transaction, and the grants add their sums.
    assert int(found.group(2)) == 330
    assert int(found.group(1)) > 330
    assert "the product rule and the schemas passed" in done.stdout
    assert re.search(r"peak memory: product \d+ MB", done.stdout)


def test_the_tiny_api_bench_finds_every_list_s_query_count_fixed():
    done = _bench(
        "bench/api_lists.py", "--receipts=100", "--grants=100", "--pledges=20", "--no-timing"
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "query counts: fixed whatever the volume" in done.stdout
    lines = [line for line in done.stdout.splitlines() if ": " in line and "queries" in line]
    for name in (
        "funds",
        "exchange-rates",
        "events",
        "pledges",
        "receipts",
        "donors",
        "journal-entries",
        "grants",
        "exports",
        "imports",
    ):
        pages = [line for line in lines if line.startswith(f"{name}: ")]
        assert len(pages) == 3, (name, pages)
        assert all("(fixed)" in line for line in pages), pages
    # The receipts' pages hold what was loaded: 10, then 110 receipts in all
    # (a list with no row on a page may skip a query: each volume fills its pages).
    first = next(line for line in lines if line.startswith("receipts: first page of 200"))
    assert first.endswith("rows 10 and 110"), first


def test_the_tiny_audit_trail_bench_reads_every_page_and_the_whole_csv():
    done = _bench("bench/audit_trail.py", "--records=300", "--repeat=4")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows = dict(
        re.findall(r"^(page, [^\n]*?|CSV of every record)\s{2,}.*?(\d+) queries", done.stdout, re.M)
    )
    assert set(rows) == {
        "page, unfiltered",
        "page, one action",
        "page, a person's refused attempts",
        "page, one year",
        "CSV of every record",
    }, done.stdout
    # The CSV was read to its end: 300 records of some 60 bytes at least.
    csv_size = re.search(r"CSV of every record .* (\d+) bytes", done.stdout)
    assert csv_size and int(csv_size.group(1)) > 300 * 60, done.stdout
