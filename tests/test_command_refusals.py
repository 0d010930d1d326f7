"""Every management command turns a refusal into a CommandError: one line on
stderr and exit status 1, never a traceback. (Refusals of malformed import
files: tests/uploads/test_import_commands.py; load_demo in production:
tests/test_settings.py; open_fund: tests/test_fund_opening.py; backup, restore and
compare_backup: tests/test_backup.py; backup_drill: tests/test_backup_drill.py;
export_iati: tests/iati/test_export_command.py. demo_logins, prune_exports,
prune_imports, process_stripe_events and rundev take no value they could
refuse: Stripe's errors are reported per event and the run goes on.)"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.commands import refused_in_one_line, run_manage
from tests.uploads.files import csv_bytes
from tests.uploads.test_import_refusals import RATE_COLUMNS, RATE_ROW


def test_export_reconciliation_refuses_an_output_it_cannot_write(fund, tmp_path):
    output = tmp_path / "no such folder" / "books.xlsx"
    with pytest.raises(CommandError, match="books.xlsx could not be written: there is no folder"):
        call_command(
            "export_reconciliation",
            "--fund",
            fund.code,
            "--as-of",
            "2019-04-30",
            "--output",
            str(output),
            stdout=StringIO(),
        )


def test_export_reconciliation_run_by_an_operator_exits_1_without_a_traceback(tmp_path):
    result = run_manage(
        tmp_path / "none.sqlite3",
        "export_reconciliation",
        "--fund",
        "UNFSSC",
        "--as-of",
        "31/12/2019",
        "--output",
        str(tmp_path / "x.xlsx"),
    )
    refused_in_one_line(result)
    assert "--as-of must be a date as YYYY-MM-DD" in result.stderr


@pytest.mark.parametrize("command", ["import_pledges", "import_bank_statement"])
def test_the_fund_imports_refuse_an_unknown_fund_a_missing_file_and_an_unknown_user(
    command, fund, tmp_path
):
    path = tmp_path / "file.csv"
    path.write_bytes(b"x\n1\n")
    with pytest.raises(CommandError, match="no fund with the code 'NOPE'"):
        call_command(command, str(path), "--fund", "NOPE")
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        call_command(command, str(path), "--fund", fund.code, "--by", "ghost")
    with pytest.raises(CommandError, match="missing.csv: no such file"):
        call_command(command, str(tmp_path / "missing.csv"), "--fund", fund.code)


def test_the_rates_import_refuses_a_missing_file_and_an_unknown_user(db, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_bytes(csv_bytes(RATE_COLUMNS, RATE_ROW))
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        call_command("import_exchange_rates", str(path), "--by", "ghost")
    with pytest.raises(CommandError, match="missing.csv: no such file"):
        call_command("import_exchange_rates", str(tmp_path / "missing.csv"))


def test_the_nominations_import_refuses_a_missing_file_or_documents_folder(db, tmp_path):
    path = tmp_path / "nominations.csv"
    path.write_bytes(b"x\n1\n")
    with pytest.raises(CommandError, match="missing.csv: no such file"):
        call_command(
            "import_nominations", str(tmp_path / "missing.csv"), "--event", "E", "--by", "u"
        )
    with pytest.raises(CommandError, match="no such folder"):
        call_command(
            "import_nominations",
            str(path),
            "--event",
            "E",
            "--by",
            "u",
            "--documents",
            str(tmp_path / "nowhere"),
        )


def test_load_demo_refuses_production_mode_with_a_command_error(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="Refusing to load demo users"):
        call_command("load_demo")


# -- a wrong argument is a refusal like any other ------------------------------------

PROJECT_APPS = ("fundmgr", "donors", "grants", "reports", "iati")


def test_every_project_command_is_an_operator_command():
    """So each answers a wrong argument in one line (fundmgr.management.base)."""
    from django.core.management import get_commands, load_command_class

    from fundmgr.management.base import OperatorCommand

    ours = {name: app for name, app in get_commands().items() if app in PROJECT_APPS}
    assert len(ours) >= 13
    for name, app in ours.items():
        assert isinstance(load_command_class(app, name), OperatorCommand), name


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("import_bank_statement",), "FILE"),
        (("import_exchange_rates", "rates.csv", "--no-such-option"), "--no-such-option"),
        (("open_fund", "NEWF", "--currency", "USD"), "--name"),
        (("export_reconciliation", "--fund", "X", "--as-of", "2019-04-30"), "--output"),
        (("prune_imports", "surplus"), "surplus"),
    ],
)
def test_a_wrong_argument_is_refused_in_one_line_with_exit_status_1(tmp_path, args, named):
    """Django prints a usage block and exits 2; an operator's script gets the
    same answer as for any other refusal."""
    result = run_manage(tmp_path / "none.sqlite3", *args)
    refused_in_one_line(result)
    assert named.lower() in result.stderr.lower() and "--help" in result.stderr
