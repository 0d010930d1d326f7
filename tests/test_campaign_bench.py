"""bench/campaign.py at a tiny size: the production layout starts (gunicorn,
a task worker, localstripe, Redis, a fresh PostgreSQL database), the campaign
runs over HTTP, and the books hold: every pledge once, each webhook event
booked once although some are delivered twice, the ledger balanced. Nothing is
timed here: ``--no-goals`` leaves the throughput and p99 goals out of the exit
status (a request that fails still fails the run)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=2).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the benchmark runs the production layout: PostgreSQL only",
    ),
    pytest.mark.skipif(not _redis_answers(), reason="needs Redis at 127.0.0.1:6379"),
]


def test_a_tiny_campaign_over_http_books_every_pledge_and_event_once_and_drops_its_database():
    db = settings.DATABASES["default"]
    server = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}"
    done = subprocess.run(  # noqa: S603 - this interpreter, the project's benchmark
        [
            sys.executable,
            "bench/campaign.py",
            "--visitors=5",
            "--requests=3",
            "--bank-pledges=3",
            "--events=10",  # 8 card payments, 2 repeated deliveries
            "--donors=3",
            "--webhook-concurrency=5",
            "--no-goals",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "BENCH_PG": server, "HOME": str(Path.home())},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "books hold" in done.stdout
    assert "burst: 10 webhook posts for 8 distinct events" in done.stdout
    assert (
        "books: 3 bank-transfer and 8 card pledges, 8 card receipts, 8 events stored" in done.stdout
    )
    for kind in ("bare view (baseline)", "appeal page", "webhook (POST)"):
        row = next(line for line in done.stdout.splitlines() if line.strip().startswith(kind))
        assert row.split()[-1] == "0", row  # no errors
    database = re.search(r"database (fundmgr_campaign_bench_\w+)", done.stdout).group(1)
    with psycopg.connect(f"{server}/postgres") as admin:
        left = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    assert left is None
