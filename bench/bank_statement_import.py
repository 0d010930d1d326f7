"""Benchmark: importing a large bank statement.

Builds a scratch database (SQLite by default, or DATABASE_URL; DEBUG off as in
production) with a fund and
MATCHED pledges, writes a statement of N lines (MATCHED of them quote a pledge's
reference, the rest quote nothing a pledge has) as a CSV, a CAMT.053 (one
entry per line, each with its transaction details, as banks write them) or
an MT940 file (--format), and reports, in one run:
- baseline: reading the same file with pandas (CSV), lxml's iterparse (CAMT.053)
  or the mt-940 package alone (MT940);
- fundmgr: import_bank_statement (checking, dedupe, matching, states, receipts);
and the ratio, lines per second, and the process's peak memory (and its peak
before the import, for what the import itself adds).

    .venv/bin/python bench/bank_statement_import.py [--lines 100000] [--matched 1000] \
        [--format csv|camt053|mt940]
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
    parser.add_argument("--format", choices=("csv", "camt053", "mt940"), default="csv")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="fundmgr-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
    # As in production (and as the other benchmarks run): DEBUG on makes
    # Django keep and format every query it runs.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fundmgr.settings")
    import django

    django.setup()
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
    path = WRITERS[args.format](scratch, refs, args.lines)
    size_mb = path.stat().st_size / 1024 / 1024

    def run_baseline():
        t0 = time.perf_counter()
        return BASELINES[args.format](path), time.perf_counter() - t0

    # The CSV baseline runs first, as it always has (its frame is small); the
    # others after the import, whose peak memory they would otherwise set
    # (the mt-940 package alone holds every transaction of the file).
    if args.format == "csv":
        count, baseline = run_baseline()
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    result = import_bank_statement(path, fund, "bench")
    ours = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.format != "csv":
        count, baseline = run_baseline()
    print(
        f"database: {django.db.connection.vendor}; format: {args.format} ({size_mb:.0f} MB); "
        f"lines: {count}; matched: {result.matched}; DEBUG={django.conf.settings.DEBUG}"
    )
    print(f"baseline read ({BASELINE_NAMES[args.format]}): {baseline:.2f} s")
    print(f"import_bank_statement: {ours:.2f} s ({count / ours:,.0f} lines/s)")
    print(f"ratio: {ours / baseline:.1f}x baseline; peak memory of the process: {peak_mb:.0f} MB")
    # Django, pandas, the migrations, the pledges and this script's own frame
    # of the file: the process's peak before import_bank_statement starts.
    print(f"peak memory before the import: {before_mb:.0f} MB")
    print(f"states: {result.counts}")


def _ref(refs, i):
    return refs[i] if i < len(refs) else f"INVOICE {i}"


def write_csv(scratch: Path, refs, lines: int) -> Path:
    path = scratch / "statement.csv"
    with path.open("w") as out:
        out.write("value_date,amount,currency,reference,counterparty,bank_ref\n")
        for i in range(lines):
            out.write(f"2019-03-{1 + i % 28:02d},100.00,USD,{_ref(refs, i)},Payer {i},BK{i:09d}\n")
    return path


def write_camt053(scratch: Path, refs, lines: int) -> Path:
    path = scratch / "statement.xml"
    with path.open("w") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">\n'
            "<BkToCstmrStmt><GrpHdr><MsgId>BENCH</MsgId></GrpHdr>\n<Stmt><Id>BENCH-1</Id>"
            "<Acct><Id><IBAN>CH9300762011623852957</IBAN></Id><Ccy>USD</Ccy></Acct>\n"
        )
        for i in range(lines):
            day = f"2019-03-{1 + i % 28:02d}"
            out.write(
                f'<Ntry>\n<Amt Ccy="USD">100.00</Amt>\n<CdtDbtInd>CRDT</CdtDbtInd>\n'
                f"<Sts><Cd>BOOK</Cd></Sts>\n<BookgDt><Dt>{day}</Dt></BookgDt>\n"
                f"<ValDt><Dt>{day}</Dt></ValDt>\n<AcctSvcrRef>BK{i:09d}</AcctSvcrRef>\n"
                "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd>"
                "</Fmly></Domn></BkTxCd>\n<NtryDtls><TxDtls>\n"
                f"<Refs><EndToEndId>E2E{i}</EndToEndId></Refs>\n"
                '<AmtDtls><InstdAmt><Amt Ccy="USD">100.00</Amt></InstdAmt></AmtDtls>\n'
                f"<RltdPties><Dbtr><Pty><Nm>Payer {i}</Nm></Pty></Dbtr></RltdPties>\n"
                f"<RmtInf><Ustrd>{_ref(refs, i)}</Ustrd></RmtInf>\n</TxDtls></NtryDtls>\n"
                "</Ntry>\n"
            )
        out.write("</Stmt></BkToCstmrStmt></Document>\n")
    return path


def write_mt940(scratch: Path, refs, lines: int) -> Path:
    path = scratch / "statement.sta"
    with path.open("w") as out:
        out.write(":20:BENCH\n:25:CH9300762011623852957\n:28C:1/1\n:60F:C190301USD0,00\n")
        for i in range(lines):
            day = f"1903{1 + i % 28:02d}"
            out.write(
                f":61:{day}{day[2:]}C100,00NTRFNONREF//BK{i:09d}\n"
                f":86:/EREF/E2E{i}/NAME/Payer {i}/REMI/{_ref(refs, i)}/\n"
            )
        out.write(f":62F:C190328USD{lines * 100},00\n-\n")
    return path


def read_csv(path: Path) -> int:
    import pandas as pd

    return len(pd.read_csv(path, dtype=str, keep_default_na=False))


def read_camt053(path: Path) -> int:
    from lxml import etree

    count = 0
    for _event, element in etree.iterparse(path, tag="{*}Ntry", resolve_entities=False):
        count += 1
        element.clear()
    return count


def read_mt940(path: Path) -> int:
    import mt940

    return len(mt940.models.Transactions(options=mt940.Options.all()).parse(path.read_text()))


WRITERS = {"csv": write_csv, "camt053": write_camt053, "mt940": write_mt940}
BASELINES = {"csv": read_csv, "camt053": read_camt053, "mt940": read_mt940}
BASELINE_NAMES = {
    "csv": "pandas",
    "camt053": "lxml iterparse of the entries",
    "mt940": "mt-940 package alone",
}


if __name__ == "__main__":
    main()
