"""Running ``manage.py`` as an operator does: a fresh process, its own SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_manage(database: Path, *args: str) -> subprocess.CompletedProcess:
    """``manage.py ARGS`` in a new process on the SQLite file ``database``
    (which need not exist when the command refuses before any query)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environment["DATABASE_URL"] = f"sqlite:///{database}"
    return subprocess.run(  # noqa: S603 - this interpreter, this project's manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def refused_in_one_line(result: subprocess.CompletedProcess) -> None:
    """Exit status 1, one CommandError line on stderr, no traceback."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("CommandError: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
