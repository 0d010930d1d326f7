"""``manage.py export_iati --fund CODE --output DIR`` writes both files, or
refuses in one line with exit status 1 and writes nothing."""

# ruff: noqa: F401, F811

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from fundmgr.chart import AccountKey
from fundmgr.money import Money
from fundmgr.services.ledger import credit, debit, post_entry
from iati.organisation import build_organisation
from iati.schemas import ACTIVITIES, ORGANISATIONS, schema_problems
from tests.commands import refused_in_one_line, run_manage
from tests.iati.conftest import books

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path):
    """The output folder (the test's own tmp_path also holds its uploads)."""
    path = tmp_path / "iati"
    path.mkdir()
    return path


def test_the_command_writes_both_files_valid_against_the_schemas(books, fund, folder):
    out = StringIO()
    call_command("export_iati", "--fund", fund.code, "--output", str(folder), stdout=out)
    assert sorted(p.name for p in folder.iterdir()) == ["activities.xml", "organisation.xml"]
    activities = etree.parse(str(folder / "activities.xml"))
    organisation = etree.parse(str(folder / "organisation.xml"))
    assert schema_problems(activities, ACTIVITIES) == []
    assert schema_problems(organisation, ORGANISATIONS) == []
    assert "Wrote activities.xml (7 transactions) and organisation.xml" in out.getvalue()


def test_the_organisation_file_reports_each_year_s_expenditure_as_the_statement(
    books, fund, folder
):
    call_command("export_iati", "--fund", fund.code, "--output", str(folder), stdout=StringIO())
    organisation = etree.parse(str(folder / "organisation.xml")).getroot()
    years = {
        e.find("period-start").get("iso-date")[:4]: e.find("value").text
        for e in organisation.iter("total-expenditure")
    }
    assert years[str(timezone.localdate().year)] == "3600.00"
    assert years["2019"] == "0.00"


def test_the_organisation_file_reads_each_year_s_line_from_the_day_totals_not_the_legs(books, fund):
    """A query for the first entry, then one of the day totals per year: it
    drew up the whole statement for each year (every contribution and
    receivable leg traced to its donor or pledge) for its one line."""
    today = timezone.localdate()
    first = fund.entries.posted().order_by("date").first().date
    with CaptureQueriesContext(connection) as queries:
        build_organisation(fund, today)
    assert len(queries) == 1 + today.year - first.year + 1
    assert [q["sql"] for q in queries if '"fundmgr_leg"' in q["sql"]] == []


def test_an_unknown_fund_is_refused(fund, folder):
    with pytest.raises(CommandError, match="There is no fund 'NOPE' \\(funds: TESTF\\)"):
        call_command("export_iati", "--fund", "NOPE", "--output", str(folder))
    assert list(folder.iterdir()) == []


def test_a_folder_that_does_not_exist_is_refused(fund, folder):
    with pytest.raises(CommandError, match="could not be written: there is no such folder"):
        call_command("export_iati", "--fund", fund.code, "--output", str(folder / "nowhere"))


def test_books_that_break_the_product_rule_are_refused_and_nothing_is_written(
    books, fund, admin_user, folder
):
    money = Money("125.00", "USD")
    post_entry(
        fund,
        timezone.localdate(),
        "Travel booked by hand (test)",
        [debit(AccountKey.TRAVEL_EXPENDITURE, money), credit(AccountKey.BANK, money)],
        admin_user,
    )
    with pytest.raises(CommandError, match="were not written: Transaction type 4"):
        call_command("export_iati", "--fund", fund.code, "--output", str(folder))
    assert list(folder.iterdir()) == []


def test_an_operator_gets_one_line_and_exit_status_1_for_an_unknown_fund(tmp_path):
    database = tmp_path / "ops.sqlite3"
    assert run_manage(database, "migrate", "-v0").returncode == 0
    result = run_manage(database, "export_iati", "--fund", "NOPE", "--output", str(tmp_path))
    refused_in_one_line(result)
    assert "There is no fund 'NOPE'" in result.stderr


def test_an_operator_gets_one_line_and_exit_status_1_for_a_missing_folder(tmp_path):
    result = run_manage(
        tmp_path / "none.sqlite3", "export_iati", "--fund", "X", "--output", str(tmp_path / "a/b")
    )
    refused_in_one_line(result)


def test_a_folder_where_the_file_cannot_be_written_is_refused_in_one_line(books, fund, folder):
    (folder / "activities.xml").mkdir()  # a folder in the file's place
    with pytest.raises(CommandError, match="could not be written: Is a directory"):
        call_command("export_iati", "--fund", fund.code, "--output", str(folder))
    assert [p.name for p in folder.iterdir()] == ["activities.xml"]  # no temporary left


def test_a_bad_as_of_date_is_refused(fund, folder):
    with pytest.raises(CommandError, match="--as-of must be a date as YYYY-MM-DD"):
        call_command(
            "export_iati", "--fund", fund.code, "--output", str(folder), "--as-of", "1/3/2019"
        )
