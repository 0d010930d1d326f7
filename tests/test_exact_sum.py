"""Sums of money columns are exact on SQLite as on PostgreSQL
(fundmgr.db.exact_sum): account balances, and so the trial balance and every
report built on them, add up to the cent however large the books."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db.models import Q

from fundmgr.chart import AccountKey
from fundmgr.db.exact_sum import ExactSum
from fundmgr.models import Leg
from fundmgr.money import Money
from fundmgr.services.ledger import account_balances, credit, debit, post_entry

DAY = datetime.date(2019, 3, 1)


def amounts(count: int, seed: int) -> list[Decimal]:
    """Gifts of up to a billion dollars, to the cent: their sum has more
    significant digits than a float keeps."""
    rng = random.Random(seed)
    return [Decimal(rng.randint(1, 10**11)) / 100 for _ in range(count)]


def post_one_entry(fund, by, parts: list[Decimal]) -> Decimal:
    total = sum(parts)
    post_entry(
        fund,
        DAY,
        "many gifts in one deposit",
        [
            *(debit(AccountKey.BANK, Money(part, "USD")) for part in parts),
            credit(AccountKey.CONTRIBUTIONS, Money(total, "USD")),
        ],
        by,
    )
    return total


def test_a_balance_over_many_large_legs_is_their_exact_sum(fund, admin_user):
    # Seeds 6-10 give a float sum that rounds to ...986.639 instead of ...986.64.
    expected = sum(post_one_entry(fund, admin_user, amounts(400, seed)) for seed in range(6, 11))
    balances = account_balances(fund)
    assert balances[AccountKey.BANK].debit == expected
    assert balances[AccountKey.CONTRIBUTIONS].credit == expected
    # and so the trial balance's two columns are equal, not a float's width apart
    assert balances[AccountKey.BANK].debit == balances[AccountKey.CONTRIBUTIONS].credit


def test_exact_sum_with_a_filter_sums_only_the_matching_rows(fund, admin_user):
    expected = post_one_entry(fund, admin_user, amounts(300, 7))
    totals = Leg.objects.aggregate(
        debits=ExactSum("debit", filter=Q(account__key=AccountKey.BANK)),
        none=ExactSum("debit", filter=Q(account__key=AccountKey.CONTRIBUTIONS)),
    )
    assert totals["debits"] == expected
    assert totals["none"] == 0  # the credit leg's debit column


def test_the_fund_positions_reserve_rounds_half_up_like_every_other_amount(fund, admin_user):
    """10% of USD 100.05 is 10.005: half up gives 10.01 (half to even gave 10.00),
    and available to commit is the cash less exactly that reserve."""
    from fundmgr.services.funds import positions

    post_one_entry(fund, admin_user, [Decimal("100.05")])
    position = positions([fund], DAY)[0]
    assert position.operating_reserve == Money("10.01", "USD")
    assert position.available_to_commit == Money("90.04", "USD")
