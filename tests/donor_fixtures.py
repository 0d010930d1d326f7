"""Fixtures and helpers shared by the tests of the public donor flows."""

import pytest

from donors.models import Appeal
from fundmgr.money import Money


@pytest.fixture
def appeal(fund):
    fund.bank_instructions = "IBAN XX00 TEST 0000 0000"
    fund.save()
    return Appeal.objects.create(
        fund=fund,
        slug="ldc-travel",
        title="LDC delegates' travel",
        purpose="Pays for delegates of least developed countries.",
        target=Money("1000", "USD"),
    )


def form_data(**overrides):
    """A valid public pledge form: a bank transfer of USD 250."""
    data = {
        "name": "Giver",
        "kind": "individual",
        "country": "",
        "email": "giver@example.org",
        "amount": "250",
        "currency": "USD",
        "method": "bank_transfer",
        "checkout_token": "token-of-one-rendering",
        "instalments-TOTAL_FORMS": "3",
        "instalments-INITIAL_FORMS": "0",
        "instalments-MIN_NUM_FORMS": "0",
        "instalments-MAX_NUM_FORMS": "20",
    }
    data.update(overrides)
    return data
