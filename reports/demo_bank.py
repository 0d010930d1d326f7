"""The bank part of the BAPA+40 demo: the fund's March 2019 bank statement
(illustrative), imported through the same service as an upload. One line pays
the demo donor's transfer pledge and is matched at once; the bank's monthly
charge, a month's interest and a gift nobody announced wait on the bank
reconciliation page for a finance officer to match or leave unreconciled.
Loading it twice changes nothing (the statement is found by its file name)."""

from __future__ import annotations

import io

from django.db import transaction

from donors.models import BankStatement, Pledge
from donors.services.bank_statements import COLUMNS, import_bank_statement
from fundmgr.demo import DEMO_ACTOR
from fundmgr.models import Fund

FILE_NAME = "demo-bank-statement-2019-03.csv"


@transaction.atomic
def load_bank_demo(fund: Fund) -> None:
    if BankStatement.objects.filter(fund=fund, file_name=FILE_NAME).exists():
        return
    transfer = Pledge.objects.filter(fund=fund, source_reference="DEMO-2").first()
    rows = [
        ("2019-03-15", "500.00", "USD", "GIFT FOR LDC DELEGATES", "Unknown sender", "DEMO-BK-2"),
        ("2019-03-29", "-25.00", "USD", "MONTHLY ACCOUNT FEE", "Example Bank", "DEMO-BK-3"),
        ("2019-03-29", "12.34", "USD", "CREDIT INTEREST MARCH", "Example Bank", "DEMO-BK-4"),
    ]
    if transfer is not None:
        rows.insert(0, ("2019-03-04", "250.00", "USD", transfer.reference, "A. Donor", "DEMO-BK-1"))
    text = "\n".join([",".join(COLUMNS), *(",".join(row) for row in rows)]) + "\n"
    import_bank_statement(io.BytesIO(text.encode()), fund, DEMO_ACTOR, name=FILE_NAME)
