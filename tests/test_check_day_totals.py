"""`manage.py check_day_totals`: the statement reads the ledger's day totals;
an operator can check they still agree with the legs and rebuild them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fundmgr.chart import AccountKey
from fundmgr.models import AuditRecord, DayTotal
from fundmgr.money import Money
from fundmgr.services.ledger import credit, day_totals_drift, debit, post_entry
from tests.commands import refused_in_one_line, run_manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def posted(fund, admin_user):
    return post_entry(
        fund,
        datetime.date(2019, 3, 5),
        "Interest",
        [
            debit(AccountKey.BANK, Money("12.34", "USD")),
            credit(AccountKey.INTEREST, Money("12.34", "USD")),
        ],
        admin_user,
    )


def test_totals_kept_by_posting_agree_with_the_legs(fund, posted):
    out = StringIO()
    call_command("check_day_totals", stdout=out)
    assert "TESTF: the day totals agree with the legs." in out.getvalue()


def test_a_total_changed_behind_the_ledger_s_back_is_found_and_rebuilt(fund, posted):
    DayTotal.objects.filter(account__fund=fund).update(debits=1)

    with pytest.raises(CommandError, match=r"TESTF \(1 days, first 2019-03-05\): run with"):
        call_command("check_day_totals", stdout=StringIO())

    out = StringIO()
    call_command("check_day_totals", "--rebuild", stdout=out)
    assert "the day totals of 1 day differed; rebuilt from the legs" in out.getvalue()
    assert day_totals_drift(fund) == []
    assert AuditRecord.objects.filter(action="ledger:day-totals-rebuilt").count() == 1
    bank = DayTotal.objects.get(account__fund=fund, account__key=AccountKey.BANK)
    assert bank.debits == 12340 and Decimal(bank.debits) / 1000 == Decimal("12.34")


def test_an_unknown_fund_is_one_line_and_exit_status_1(tmp_path):
    database = tmp_path / "books.sqlite3"
    assert run_manage(database, "migrate", "-v0").returncode == 0

    result = run_manage(database, "check_day_totals", "--fund", "NOPE")

    refused_in_one_line(result)
    assert "No fund with the code 'NOPE'." in result.stderr
