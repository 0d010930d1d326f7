"""Benchmark: the fund's IATI activity file, written by the product's own
service (``iati.services.export_iati``, what ``manage.py export_iati`` runs),
against a bare lxml dump of the same elements, in one run.

Builds a scratch database (SQLite in a temp dir by default, or DATABASE_URL: a
PostgreSQL database whose name contains "bench", emptied first), migrates it,
and loads the books of ``bench/books.py``: 100,000 receipts, 20,000 travel
grants (each grant's commitment or settlement its own entry, as the workflow
posts them) and 2,000 binding pledges with their receivables. Then, each in a
process of its own (for its peak memory), alternating, ``--rounds`` times:

- the product: ``export_iati(fund, folder, as_of)``: the activity and
  organisation files built, checked against the IATI schemas and the product
  rule (docs/iati.md), and written;
- the baseline: the same transactions read by three plain queries through a
  raw cursor (receipts; pledge receivables; grant legs summed by day, country
  and currency) and written with the same elements (type, date, value,
  description, provider and receiver with their narratives) by a minimal
  ``lxml.etree.xmlfile`` incremental writer; no check, no organisation file.

Each process does the work twice and times the second (the first, untimed,
pays for loading the schemas and warming the database's cache, as the
grant queue's bench leaves the first request of each run untimed). It reports
each time, the ratio of each product run to the baseline run beside it, and
each process's peak resident memory (VmHWM: Django and lxml loaded
included; the figure after setting up is printed beside it). Goals: the
product at most 2 times the baseline, under 300 MB.

    .venv/bin/python bench/iati.py [--receipts 100000] [--grants 20000] [--rounds 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fundmgr_iatibench \\
        .venv/bin/python bench/iati.py
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.books import create_if_missing  # noqa: E402

AS_OF = datetime.date(2019, 12, 31)
CODE = "IBENCH"
GOAL_RATIO = 2.0
GOAL_MB = 300


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=100_000)
    parser.add_argument("--grants", type=int, default=20_000)
    parser.add_argument("--pledges", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3, help="product and baseline runs each")
    parser.add_argument("--child", choices=("product", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument(
        "--profile", action="store_true", help="profile one product run (cProfile) and stop"
    )
    args = parser.parse_args()
    if args.child:
        return _child(args)
    scratch = tempfile.mkdtemp(prefix="fundmgr-iatibench-")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{scratch}/bench.sqlite3"
    create_if_missing(database_url)  # a PostgreSQL scratch database a new machine lacks
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fundmgr.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ["MEDIA_ROOT"] = scratch
    try:
        return _run(args, Path(scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _setup() -> None:
    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


def _peak_mb() -> float:
    """This process's peak resident memory: VmHWM, not ``ru_maxrss``, which
    Linux carries over from the parent through fork and exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the baseline: plain queries, a bare incremental lxml writer ----------------------

RECEIPTS = """
    SELECT value_date, donor_id, amount, amount_currency FROM donors_receipt
    WHERE fund_id = %(fund)s AND value_date <= %(as_of)s ORDER BY value_date, id"""
PLEDGES = """
    SELECT e.date, p.donor_id, l.debit, l.original, l.original_currency
    FROM fundmgr_leg l
    JOIN fundmgr_journalentry e ON e.id = l.entry_id
    JOIN fundmgr_account a ON a.id = l.account_id
    JOIN donors_pledge p ON p.id = e.source_id
    WHERE e.fund_id = %(fund)s AND e.status = 'posted' AND e.date <= %(as_of)s
      AND e.kind = 'pledge' AND a.key = 'pledges_receivable' AND NOT a.segregated
    ORDER BY e.date, e.id, l.id"""
GRANTS = """
    SELECT e.date, e.kind, g.country_id, l.original_currency, SUM(l.original)
    FROM fundmgr_leg l
    JOIN fundmgr_journalentry e ON e.id = l.entry_id
    JOIN fundmgr_account a ON a.id = l.account_id
    JOIN grants_grant g ON g.id = e.source_id
    WHERE e.fund_id = %(fund)s AND e.status = 'posted' AND e.date <= %(as_of)s
      AND l.debit > 0 AND NOT a.segregated
      AND ((e.kind = 'grant-commitment' AND a.key = 'commitments')
        OR (e.kind = 'grant-advance' AND a.key = 'travel_advances')
        OR (e.kind = 'grant-settlement' AND a.key = 'travel_expenditure'))
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"""
GRANT_TYPES = {"grant-commitment": "2", "grant-advance": "3", "grant-settlement": "4"}
ORG = "Reporting organisation"


def _baseline(fund_id: int, path: Path) -> int:
    """The activity file's elements, written as the rows come: returns the
    number of transactions."""
    from decimal import Decimal

    from django.db import connection
    from lxml import etree

    params = {"fund": fund_id, "as_of": AS_OF}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name, listed_publicly FROM donors_donor")
        donors = {pk: (name, listed) for pk, name, listed in cursor.fetchall()}
        cursor.execute("SELECT iso2, name FROM fundmgr_country")
        countries = dict(cursor.fetchall())
        transactions = []
        cursor.execute(PLEDGES, params)
        transactions += [
            (day, "11", donor, original, currency, None)
            for day, donor, _dr, original, currency in cursor.fetchall()
        ]
        cursor.execute(RECEIPTS, params)
        transactions += [
            (day, "1", donor, amount, currency, None)
            for day, donor, amount, currency in cursor.fetchall()
        ]
        cursor.execute(GRANTS, params)
        transactions += [
            (day, GRANT_TYPES[kind], None, total, currency, country)
            for day, kind, country, currency, total in cursor.fetchall()
        ]
    order = {"11": 0, "1": 1, "2": 2, "3": 3, "4": 4}
    transactions.sort(key=lambda row: (str(row[0]), order[row[1]]))
    cent = Decimal("0.01")

    def narrated(out, tag, text, **attributes):
        with out.element(tag, attributes):
            with out.element("narrative"):
                out.write(text)

    with etree.xmlfile(str(path), encoding="utf-8") as out:
        out.write_declaration()
        with out.element("iati-activities", version="2.03"):
            with out.element("iati-activity", {"default-currency": "USD"}):
                with out.element("iati-identifier"):
                    out.write(f"XM-DAC-41114-{CODE}")
                narrated(out, "reporting-org", ORG, ref="XM-DAC-41114", type="40")
                narrated(out, "title", "Benchmark fund")
                for name, listed in donors.values():
                    if listed:
                        narrated(out, "participating-org", name, role="1", type="10")
                for day, code, donor, amount, currency, country in transactions:
                    day = str(day)
                    with out.element("transaction"):
                        out.write(etree.Element("transaction-type", code=code))
                        out.write(etree.Element("transaction-date", {"iso-date": day}))
                        with out.element("value", {"currency": currency, "value-date": day}):
                            out.write(f"{Decimal(amount).quantize(cent):f}")
                        if donor is not None:
                            narrated(out, "description", "Contribution received")
                            name, listed = donors[donor]
                            narrated(out, "provider-org", name if listed else "A donor")
                            narrated(out, "receiver-org", ORG)
                        else:
                            name = countries.get(country, country)
                            narrated(out, "description", f"Travel grants for {name}")
                            narrated(out, "provider-org", ORG)
                            narrated(out, "receiver-org", f"Delegates of {name}")
    return len(transactions)


# --- the child processes ---------------------------------------------------------------


def _child(args) -> int:
    _setup()
    from fundmgr.models import Fund

    fund = Fund.objects.get(code=CODE)
    folder = Path(args.folder)
    after_setup = _peak_mb()
    seconds = []
    for _ in range(2):  # the first is not timed
        t0 = time.perf_counter()
        if args.child == "product":
            from iati.services import export_iati

            count = export_iati(fund, folder, AS_OF).transactions
        else:
            count = _baseline(fund.pk, folder / "baseline.xml")
        seconds.append(time.perf_counter() - t0)
    print(
        json.dumps(
            {
                "seconds": seconds[1],
                "first": seconds[0],
                "transactions": count,
                "peak_mb": _peak_mb(),
                "setup_mb": after_setup,
            }
        )
    )
    return 0


def _spawn(kind: str, folder: Path) -> dict:
    done = subprocess.run(  # noqa: S603 - this interpreter, this script
        [sys.executable, __file__, f"--child={kind}", f"--folder={folder}"],
        capture_output=True,
        text=True,
        env=os.environ,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"the {kind} run failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run(args, scratch: Path) -> int:
    _setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bench.books import load_books, scratch_database

    vendor = connection.vendor
    scratch_database(settings, connection)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    books = load_books(
        receipts=args.receipts,
        grants=args.grants,
        pledges=args.pledges,
        code=CODE,
        grant_entries="each",
    )
    loaded = time.perf_counter()
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    connection.close()  # the children read the database; this process waits
    print(
        f"database: {vendor}; receipts: {args.receipts}; grants: {args.grants}; "
        f"pledges: {args.pledges}; DEBUG={settings.DEBUG}"
    )
    print(f"setup: migrate {migrated - t0:.1f} s, load {loaded - migrated:.1f} s")
    if args.profile:
        _profile(books.fund, scratch)
        return 0

    product_folder = scratch / "product"
    baseline_folder = scratch / "baseline"
    product_folder.mkdir()
    baseline_folder.mkdir()
    rounds = []
    for _ in range(args.rounds):
        base = _spawn("baseline", baseline_folder)
        product = _spawn("product", product_folder)
        rounds.append((product, base))
        print(
            f"  product {product['seconds']:6.2f} s ({product['peak_mb']:.0f} MB peak)   "
            f"baseline {base['seconds']:6.2f} s ({base['peak_mb']:.0f} MB peak)   "
            f"ratio {product['seconds'] / base['seconds']:.2f}",
            flush=True,
        )
    product, base = rounds[-1]
    if product["transactions"] != base["transactions"]:
        raise SystemExit(
            f"the product wrote {product['transactions']} transactions, "
            f"the baseline {base['transactions']}: they do not write the same file"
        )
    expected = args.receipts + args.pledges
    print(
        f"transactions: {product['transactions']} in both files "
        f"({expected} receipts and pledges, the rest grant sums by day and country); "
        f"the product rule and the schemas passed (export_iati wrote the files)"
    )
    size = (product_folder / "activities.xml").stat().st_size
    print(f"activities.xml: {size / 1e6:.1f} MB")
    ratios = [p["seconds"] / b["seconds"] for p, b in rounds]
    verdict = "meets" if statistics.median(ratios) <= GOAL_RATIO else "MISSES"
    peak = max(p["peak_mb"] for p, _b in rounds)
    print(
        f"product {statistics.median(p['seconds'] for p, _b in rounds):.2f} s "
        f"(first run of each process {statistics.median(p['first'] for p, _b in rounds):.2f} s), "
        f"baseline {statistics.median(b['seconds'] for _p, b in rounds):.2f} s; "
        f"ratios {min(ratios):.2f} to {max(ratios):.2f}, median {statistics.median(ratios):.2f} "
        f"({verdict} the {GOAL_RATIO:g}x goal)"
    )
    print(
        f"peak memory: product {peak:.0f} MB "
        f"({'meets' if peak < GOAL_MB else 'MISSES'} the {GOAL_MB} MB goal; "
        f"{rounds[-1][0]['setup_mb']:.0f} MB once Django is set up), "
        f"baseline {max(b['peak_mb'] for _p, b in rounds):.0f} MB"
    )
    return 0


def _profile(fund, scratch: Path) -> None:
    import cProfile
    import io
    import pstats

    from iati.services import export_iati

    folder = scratch / "profile"
    folder.mkdir()
    export_iati(fund, folder, AS_OF)
    profiler = cProfile.Profile()
    profiler.enable()
    export_iati(fund, folder, AS_OF)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats(
        os.environ.get("BENCH_SORT", "cumulative")
    ).print_stats(int(os.environ.get("BENCH_LINES", "40")))
    print(stream.getvalue())


if __name__ == "__main__":
    sys.exit(main())
