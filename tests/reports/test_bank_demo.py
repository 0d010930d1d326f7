"""The demo's March 2019 bank statement: the donor's transfer is matched at
once, three lines wait on the bank reconciliation page, and loading the demo
again imports nothing twice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from donors.models import BankLine, BankStatement, Pledge, Receipt
from fundmgr.models import Fund
from reports.demo_bank import FILE_NAME
from reports.services.bank_reconciliation import bank_lines_summary

pytestmark = pytest.mark.django_db


def test_the_demo_statement_pays_the_transfer_pledge_and_leaves_three_lines_open():
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)

    fund = Fund.objects.get(code="UNFSSC")
    statement = BankStatement.objects.get(fund=fund, file_name=FILE_NAME)
    assert statement.line_count == 4 and statement.matched_count == 1
    transfer = Pledge.objects.get(source_reference="DEMO-2")
    paid = BankLine.objects.get(bank_ref="DEMO-BK-1")
    assert paid.state == BankLine.State.MATCHED and paid.pledge == transfer
    assert Receipt.objects.get(pledge=transfer).base_amount == Decimal("250.00")
    summary = bank_lines_summary(fund)
    assert summary.open_count == 3
    assert {line.bank_ref for line in summary.open_lines} == {
        "DEMO-BK-2",
        "DEMO-BK-3",
        "DEMO-BK-4",
    }
