"""The import commands refuse a malformed file as the pages do: a
CommandError naming the file and the problem (Django prints it on stderr,
without a traceback, and exits with status 1), and nothing saved."""

# ruff: noqa: F811 - fixtures imported from the grants tests are parameters here

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from donors.services.bank_statements import COLUMNS as STATEMENT_COLUMNS
from donors.services.pledge_register import COLUMNS as REGISTER_COLUMNS
from grants.services.nomination_import import COLUMNS as NOMINATION_COLUMNS
from tests.commands import run_manage
from tests.grants.conftest import PDF, event, officer  # noqa: F401 - fixtures

from .files import csv_bytes, xlsx_with_a_far_cell
from .test_import_refusals import (
    NOMINATION_ROW,
    RATE_COLUMNS,
    RATE_ROW,
    REGISTER_ROW,
    STATEMENT_ROW,
    saved,
)


def bad_files(tmp_path, header, row) -> list[tuple[Path, str]]:
    renamed = tmp_path / "renamed.xlsx"
    renamed.write_bytes(csv_bytes(header, row))
    far = tmp_path / "far.xlsx"
    far.write_bytes(xlsx_with_a_far_cell(header, row))
    alone = tmp_path / "alone.csv"
    alone.write_bytes(csv_bytes(header))
    return [
        (renamed, "not an XLSX workbook"),
        (far, "delete the unused rows and columns"),
        (alone, "no rows under it"),
    ]


def refused_by_command(command: str, path: Path, message: str, *args: str) -> None:
    before = saved()
    with pytest.raises(CommandError) as refused:
        call_command(command, str(path), *args)
    assert path.name in str(refused.value) and message in str(refused.value)
    assert "nothing was saved" in str(refused.value)
    assert saved() == before


def test_the_rates_command_refuses_malformed_files(db, tmp_path):
    for path, message in bad_files(tmp_path, RATE_COLUMNS, RATE_ROW):
        refused_by_command("import_exchange_rates", path, message)


def test_the_pledges_command_refuses_malformed_files(fund, rates, tmp_path):
    for path, message in bad_files(tmp_path, REGISTER_COLUMNS, REGISTER_ROW):
        refused_by_command("import_pledges", path, message, "--fund", fund.code)


def test_the_statement_command_refuses_malformed_files(fund, rates, tmp_path):
    for path, message in bad_files(tmp_path, STATEMENT_COLUMNS, STATEMENT_ROW):
        refused_by_command("import_bank_statement", path, message, "--fund", fund.code)


def test_the_nominations_command_refuses_malformed_files(event, officer, tmp_path):
    (tmp_path / "np.pdf").write_bytes(PDF)
    event.nomination_deadline = None
    event.save()
    for path, message in bad_files(tmp_path, NOMINATION_COLUMNS, NOMINATION_ROW):
        refused_by_command(
            "import_nominations", path, message, "--event", event.code, "--by", officer.username
        )


def test_a_file_the_command_cannot_read_is_refused_with_a_message(db, tmp_path, monkeypatch):
    path = tmp_path / "secret.csv"
    path.write_bytes(csv_bytes(RATE_COLUMNS, RATE_ROW))
    real_open = Path.open

    def denied(self, *args, **kwargs):  # as for a file of another user (the tests run as root)
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(CommandError, match="secret.csv: Permission denied"):
        call_command("import_exchange_rates", str(path))


def test_the_command_prints_no_traceback_and_exits_with_status_1(tmp_path):
    """As an operator runs it: a fresh process (the refusal comes before any
    database query, so a database that does not exist yet is enough)."""
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(csv_bytes(RATE_COLUMNS, RATE_ROW))
    result = run_manage(tmp_path / "none.sqlite3", "import_exchange_rates", str(path))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("CommandError: renamed.xlsx was not imported")
    assert "not an XLSX workbook" in result.stderr
