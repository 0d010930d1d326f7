"""What the workflow, commitment and grant-ledger tests share: money in the
fund, balances, a PDF upload, grants walked to a given state through the
services. (No tests here; the modules import what they need.)"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fundmgr.chart import AccountKey
from fundmgr.money import Money
from fundmgr.roles import Role
from fundmgr.services.ledger import account_balances, credit, debit, post_entry
from grants.services import workflow
from tests.grants.conftest import PDF


def fund_cash(fund, amount, by) -> None:
    """Cash received: Dr Bank / Cr Contributions, dated today."""
    value = Money(Decimal(amount), fund.base_currency)
    post_entry(
        fund,
        timezone.localdate(),
        "Contribution received (test)",
        [debit(AccountKey.BANK, value), credit(AccountKey.CONTRIBUTIONS, value)],
        by,
    )


def balances(fund) -> dict[str, Decimal]:
    return {key: row.balance for key, row in account_balances(fund).items()}


def balance(fund, key) -> Decimal:
    return balances(fund).get(key, Decimal(0))


def boarding_passes(content: bytes = PDF, name: str = "boarding-passes.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    """The people these tests make never sign in with a password; hashing each
    one with the production hasher (about half a second) is most of a test's
    time. Autouse in every module that imports it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def funded(fund, admin_user):
    """The test fund with 100,000 USD in the bank."""
    fund_cash(fund, "100000", admin_user)
    return fund


@pytest.fixture
def dual(make_user):
    """A person holding both signing roles (the README's `dual`)."""
    return make_user("dual", Role.FUND_OFFICER, Role.APPROVING_OFFICER)


@pytest.fixture
def walk(officer, approver, finance):
    """``walk(grant, "settled", actual=...)``: move a submitted grant on
    through the services, each step by the person whose job it is."""

    def to(grant, state: str, *, actual: str = "1500.00", advance=None):
        steps = [
            ("certified", lambda: workflow.certify(grant, officer)),
            ("committed", lambda: workflow.approve(grant, approver)),
            ("advance_paid", lambda: workflow.pay_advance(grant, finance, amount=advance)),
            ("travelled", lambda: workflow.confirm_attendance(grant, officer)),
            (
                "settled",
                lambda: workflow.settle(
                    grant,
                    finance,
                    actual_cost=Decimal(actual),
                    boarding_passes=boarding_passes(),
                    reason="test claim",
                ),
            ),
        ]
        for name, step in steps:
            step()
            if name == state:
                return grant
        raise AssertionError(f"no walk to {state}")

    return to
