"""Property: however a binding pledge is paid off (any split, any dates in
March and April 2019), the receivable ends at exactly zero and the books
balance: cash = contributions + gains - losses."""

import datetime
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from donors.services.pledges import find_or_create_donor, record_pledge
from donors.services.receipts import ReceiptError, record_receipt
from fundmgr.chart import AccountKey
from fundmgr.models import ExchangeRate
from fundmgr.money import Money
from fundmgr.services.funds import open_fund
from fundmgr.services.ledger import account_balances
from fundmgr.services.rates import convert

counter = itertools.count()
days = st.dates(datetime.date(2019, 3, 5), datetime.date(2019, 4, 30))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    total_cents=st.integers(min_value=100, max_value=10_000_000),
    cuts=st.lists(st.integers(min_value=1, max_value=99), max_size=4, unique=True),
    currency=st.sampled_from(["EUR", "JPY", "KWD", "USD"]),
    pay_days=st.lists(days, min_size=5, max_size=5),
)
def test_paying_off_a_pledge_in_any_parts_clears_the_receivable_exactly(
    rates, admin_user, total_cents, cuts, currency, pay_days
):
    for code, rate in (("JPY", "112.500"), ("KWD", "0.304")):
        ExchangeRate.objects.get_or_create(
            currency=code, effective_date=datetime.date(2019, 4, 1), units_per_usd=Decimal(rate)
        )
    places = {"EUR": 2, "JPY": 0, "KWD": 3, "USD": 2}[currency]
    unit = Decimal(1).scaleb(-places)
    total = Decimal(total_cents) * unit
    fund = open_fund(
        code=f"P{next(counter)}",
        name="Property fund",
        by=admin_user,
        psc_rate_pct=Decimal(8),
        psc_from=datetime.date(2018, 1, 1),
    )
    donor = find_or_create_donor(name="D", kind="individual", email=f"d{fund.code}@example.org")
    pledge = record_pledge(
        fund=fund,
        donor=donor,
        amount=Money(total, currency),
        pledge_date=datetime.date(2019, 3, 5),
        method="bank_transfer",
        agreement_signed=True,
        by=admin_user,
    )
    # split the total at the given percentages, in the currency's minor unit
    marks = sorted({(total * cut / 100).quantize(unit) for cut in cuts} - {Decimal(0), total})
    parts = [b - a for a, b in zip([Decimal(0), *marks], [*marks, total], strict=True)]
    # Money worth less than a cent, or clearing less than a cent of the
    # receivable, is refused (test_a_payment_worth_less_than_a_cent_is_refused).
    booked = pledge.base_amount
    assume(
        all(
            convert(Money(part, currency), "USD", day).result.amount > 0
            and (booked * part / total).quantize(Decimal("0.01")) > 0
            for part, day in zip(parts, sorted(pay_days), strict=False)
        )
    )
    for part, day in zip(parts, sorted(pay_days), strict=False):
        record_receipt(
            fund=fund,
            donor=donor,
            pledge=pledge,
            amount=Money(part, currency),
            value_date=day,
            by=admin_user,
        )
    paid = sum(parts[: len(pay_days)], Decimal(0))
    b = {key: row.balance for key, row in account_balances(fund).items()}
    get = lambda key: b.get(key, Decimal(0))  # noqa: E731
    if paid == total:
        assert get(AccountKey.PLEDGES_RECEIVABLE) == 0
    assert get(AccountKey.PLEDGES_RECEIVABLE) >= 0
    assert get(AccountKey.BANK) + get(AccountKey.PLEDGES_RECEIVABLE) == (
        get(AccountKey.CONTRIBUTIONS) + get(AccountKey.FX_GAINS) - get(AccountKey.FX_LOSSES)
    )


def test_a_payment_worth_less_than_a_cent_is_refused_and_records_nothing(rates, admin_user):
    fund = open_fund(
        code="TINY",
        name="Tiny amounts",
        by=admin_user,
        psc_rate_pct=Decimal(8),
        psc_from=datetime.date(2018, 1, 1),
    )
    donor = find_or_create_donor(name="D", kind="individual", email="tiny@example.org")
    pledge = record_pledge(
        fund=fund,
        donor=donor,
        amount=Money("0.100", "KWD"),
        pledge_date=datetime.date(2019, 3, 5),
        method="bank_transfer",
        agreement_signed=True,
        by=admin_user,
    )
    before = {key: row.balance for key, row in account_balances(fund).items()}
    # 0.001 KWD / 0.303 = 0.0033 USD: less than a cent.
    with pytest.raises(ReceiptError, match="worth less than the smallest unit of USD"):
        record_receipt(
            fund=fund,
            donor=donor,
            pledge=pledge,
            amount=Money("0.001", "KWD"),
            value_date=datetime.date(2019, 3, 20),
            by=admin_user,
        )
    assert {key: row.balance for key, row in account_balances(fund).items()} == before
    assert not pledge.receipts.exists()
