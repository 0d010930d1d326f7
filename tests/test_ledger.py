"""Posting to the ledger through fundmgr.services.ledger."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from fundmgr.chart import AccountKey
from fundmgr.models import AuditRecord, JournalEntry, LedgerImmutable, Leg
from fundmgr.money import Money, money
from fundmgr.services.funds import open_fund
from fundmgr.services.ledger import (
    LedgerError,
    UnbalancedEntry,
    account_balances,
    balance,
    credit,
    debit,
    post_entry,
    reverse_entry,
)

MARCH = datetime.date(2019, 3, 15)
APRIL = datetime.date(2019, 4, 10)


def usd(amount: str) -> Money:
    return money(amount, "USD")


def receive(fund, by, amount="100.00", day=MARCH, **kwargs):
    return post_entry(
        fund,
        day,
        "Contribution received",
        [debit(AccountKey.BANK, usd(amount)), credit(AccountKey.CONTRIBUTIONS, usd(amount))],
        by,
        **kwargs,
    )


def test_post_entry_records_a_posted_balanced_entry(fund, admin_user):
    entry = receive(fund, admin_user, "250.00")

    entry.refresh_from_db()
    assert entry.status == JournalEntry.Status.POSTED
    legs = list(entry.legs.select_related("account"))
    assert len(legs) == 2
    assert sum(leg.debit for leg in legs) == sum(leg.credit for leg in legs) == Decimal("250")
    by_key = {leg.account.key: leg for leg in legs}
    assert by_key[AccountKey.BANK].debit == Decimal("250")
    assert by_key[AccountKey.BANK].credit == 0
    assert by_key[AccountKey.CONTRIBUTIONS].credit == Decimal("250")
    assert entry.created_by == admin_user
    assert entry.fund == fund


def test_post_entry_with_several_legs_balances_in_total(fund, admin_user):
    entry = post_entry(
        fund,
        MARCH,
        "Travel paid with bank fee",
        [
            debit(AccountKey.TRAVEL_EXPENDITURE, usd("1000.00")),
            debit(AccountKey.BANK_FEES, usd("15.50")),
            credit(AccountKey.BANK, usd("1015.50")),
        ],
        admin_user,
    )
    assert entry.legs.count() == 3
    assert balance(fund, AccountKey.BANK) == usd("-1015.50")
    assert balance(fund, AccountKey.TRAVEL_EXPENDITURE) == usd("1000.00")


def test_unbalanced_entry_is_refused_in_python_and_nothing_is_saved(fund, admin_user):
    audit_before = AuditRecord.objects.count()
    with pytest.raises(UnbalancedEntry, match="100"):
        post_entry(
            fund,
            MARCH,
            "Wrong",
            [debit(AccountKey.BANK, usd("100.00")), credit(AccountKey.CONTRIBUTIONS, usd("99.99"))],
            admin_user,
        )
    assert JournalEntry.objects.count() == 0
    assert Leg.objects.count() == 0
    assert AuditRecord.objects.count() == audit_before


def test_entry_with_a_single_leg_is_refused_and_nothing_is_saved(fund, admin_user):
    with pytest.raises(UnbalancedEntry):
        post_entry(fund, MARCH, "Lonely", [debit(AccountKey.BANK, usd("10"))], admin_user)
    assert JournalEntry.objects.count() == 0


def test_entry_without_a_memo_is_refused(fund, admin_user):
    with pytest.raises(LedgerError):
        post_entry(
            fund,
            MARCH,
            "   ",
            [debit(AccountKey.BANK, usd("1")), credit(AccountKey.CONTRIBUTIONS, usd("1"))],
            admin_user,
        )
    assert JournalEntry.objects.count() == 0


def test_leg_with_a_non_positive_amount_is_refused(fund, admin_user):
    with pytest.raises(LedgerError):
        post_entry(
            fund,
            MARCH,
            "Negative",
            [debit(AccountKey.BANK, usd("-5")), credit(AccountKey.CONTRIBUTIONS, usd("-5"))],
            admin_user,
        )
    assert JournalEntry.objects.count() == 0


def test_idempotency_key_returns_the_same_entry_and_records_nothing_twice(fund, admin_user):
    first = receive(fund, admin_user, idempotency_key="stripe:pi_123")
    second = receive(fund, admin_user, idempotency_key="stripe:pi_123")

    assert second.pk == first.pk
    assert JournalEntry.objects.count() == 1
    assert Leg.objects.count() == 2
    assert AuditRecord.objects.filter(action="ledger:posted").count() == 1
    assert balance(fund, AccountKey.BANK) == usd("100.00")


def test_different_idempotency_keys_record_different_entries(fund, admin_user):
    first = receive(fund, admin_user, idempotency_key="k1")
    second = receive(fund, admin_user, idempotency_key="k2")
    assert first.pk != second.pk
    assert balance(fund, AccountKey.BANK) == usd("200.00")


def test_reversal_mirrors_every_leg(fund, admin_user):
    entry = post_entry(
        fund,
        MARCH,
        "Travel paid",
        [
            debit(AccountKey.TRAVEL_EXPENDITURE, usd("700.00")),
            debit(AccountKey.BANK_FEES, usd("12.25")),
            credit(AccountKey.BANK, usd("712.25")),
        ],
        admin_user,
    )
    reversal = reverse_entry(entry, admin_user, "paid twice", date=APRIL)

    assert reversal.reverses == entry
    assert reversal.kind == "reversal"
    assert reversal.status == JournalEntry.Status.POSTED
    assert "paid twice" in reversal.memo
    original = {(leg.account_id, leg.debit, leg.credit, leg.original) for leg in entry.legs.all()}
    mirrored = {
        (leg.account_id, leg.credit, leg.debit, leg.original) for leg in reversal.legs.all()
    }
    assert mirrored == original
    assert reversal.legs.count() == entry.legs.count()


def test_reversal_nets_every_balance_to_zero(fund, admin_user, rates):
    entry = post_entry(
        fund,
        MARCH,
        "EUR contribution",
        [
            debit(AccountKey.BANK, money("1000", "EUR")),
            credit(AccountKey.CONTRIBUTIONS, money("1000", "EUR")),
        ],
        admin_user,
    )
    assert balance(fund, AccountKey.BANK) == usd("1136.36")

    reverse_entry(entry, admin_user, "entered in error", date=APRIL)

    balances = account_balances(fund)
    assert set(balances) == {AccountKey.BANK, AccountKey.CONTRIBUTIONS}
    for row in balances.values():
        assert row.debit == row.credit == Decimal("1136.36")
        assert row.balance == 0


def test_reversal_at_the_original_base_amount_does_not_need_a_later_rate(fund, admin_user, rates):
    # JPY has a March rate only; the reversal in May reuses the booked amounts.
    entry = post_entry(
        fund,
        MARCH,
        "JPY contribution",
        [
            debit(AccountKey.BANK, money("111000", "JPY")),
            credit(AccountKey.CONTRIBUTIONS, money("111000", "JPY")),
        ],
        admin_user,
    )
    reversal = reverse_entry(entry, admin_user, "wrong fund", date=datetime.date(2019, 5, 20))
    assert {leg.original for leg in reversal.legs.all()} == {money("111000", "JPY")}
    assert balance(fund, AccountKey.BANK) == usd("0")


def test_an_entry_can_be_reversed_only_once(fund, admin_user):
    entry = receive(fund, admin_user)
    reverse_entry(entry, admin_user, "first")
    with pytest.raises(LedgerError, match="already been reversed"):
        reverse_entry(entry, admin_user, "second")
    assert JournalEntry.objects.filter(reverses=entry).count() == 1
    assert JournalEntry.objects.count() == 2


def test_a_draft_entry_cannot_be_reversed(fund, admin_user):
    draft = JournalEntry.objects.create(fund=fund, date=MARCH, memo="draft", created_by=admin_user)
    with pytest.raises(LedgerError):
        reverse_entry(draft, admin_user, "no")


def test_segregated_host_country_accounts_cannot_share_an_entry_with_the_trust_fund(
    fund, admin_user
):
    with pytest.raises(LedgerError, match="Host-country"):
        post_entry(
            fund,
            MARCH,
            "Host cash into the trust fund",
            [debit(AccountKey.HOST_CASH, usd("500")), credit(AccountKey.CONTRIBUTIONS, usd("500"))],
            admin_user,
        )
    assert JournalEntry.objects.count() == 0


def test_segregated_accounts_may_share_an_entry_with_each_other(fund, admin_user):
    entry = post_entry(
        fund,
        MARCH,
        "Host country cash contribution",
        [
            debit(AccountKey.HOST_CASH, usd("500")),
            credit(AccountKey.HOST_CASH_CONTRIBUTIONS, usd("500")),
        ],
        admin_user,
    )
    assert entry.status == JournalEntry.Status.POSTED
    assert set(account_balances(fund, segregated=False)) == set()
    assert set(account_balances(fund, segregated=True)) == {
        AccountKey.HOST_CASH,
        AccountKey.HOST_CASH_CONTRIBUTIONS,
    }


def test_an_account_of_another_fund_is_refused(fund, admin_user):
    other = open_fund(
        code="OTHER",
        name="Other fund",
        by=admin_user,
        psc_rate_pct=Decimal("7"),
        psc_from=datetime.date(2018, 1, 1),
    )
    with pytest.raises(LedgerError, match="another fund"):
        post_entry(
            fund,
            MARCH,
            "Cross-fund",
            [
                debit(other.account(AccountKey.BANK), usd("5")),
                credit(AccountKey.CONTRIBUTIONS, usd("5")),
            ],
            admin_user,
        )
    assert JournalEntry.objects.count() == 0


def test_leg_keeps_its_original_currency_amount_rate_and_rate_date(fund, admin_user, rates):
    entry = post_entry(
        fund,
        MARCH,
        "EUR pledge paid",
        [
            debit(AccountKey.BANK, money("880.00", "EUR")),
            credit(AccountKey.CONTRIBUTIONS, money("880.00", "EUR")),
        ],
        admin_user,
    )
    for leg in Leg.objects.filter(entry=entry):
        assert leg.original == money("880", "EUR")
        assert leg.original.currency.code == "EUR"
        assert leg.rate == Decimal("0.88")
        assert leg.rate_date == datetime.date(2019, 3, 1)
        assert (leg.debit or leg.credit) == Decimal("1000.00")


def test_leg_in_april_uses_the_april_rate(fund, admin_user, rates):
    entry = post_entry(
        fund,
        APRIL,
        "EUR in April",
        [
            debit(AccountKey.BANK, money("89.00", "EUR")),
            credit(AccountKey.CONTRIBUTIONS, money("89.00", "EUR")),
        ],
        admin_user,
    )
    leg = entry.legs.get(account__key=AccountKey.BANK)
    assert leg.rate == Decimal("0.89")
    assert leg.rate_date == datetime.date(2019, 4, 1)
    assert leg.debit == Decimal("100.00")


def test_leg_in_the_funds_currency_has_rate_one_and_no_rate_date(fund, admin_user):
    entry = receive(fund, admin_user, "42.42")
    for leg in entry.legs.all():
        assert leg.original == usd("42.42")
        assert leg.rate == 1
        assert leg.rate_date is None


def test_leg_with_an_explicit_base_amount_records_the_implied_rate(fund, admin_user, rates):
    entry = post_entry(
        fund,
        APRIL,
        "Receivable cleared at booking rate",
        [
            debit(AccountKey.BANK, money("100.00", "EUR"), base=usd("113.64")),
            credit(AccountKey.PLEDGES_RECEIVABLE, money("100.00", "EUR"), base=usd("113.64")),
        ],
        admin_user,
    )
    leg = entry.legs.get(account__key=AccountKey.BANK)
    assert leg.debit == Decimal("113.64")
    assert leg.rate == (Decimal("100") / Decimal("113.64")).quantize(Decimal("0.000001"))
    assert leg.rate_date is None


def test_posted_legs_and_entries_are_immutable_through_the_models(fund, admin_user):
    entry = receive(fund, admin_user)
    leg = entry.legs.first()
    leg.debit = Decimal("1")
    with pytest.raises(LedgerImmutable):
        leg.save()
    with pytest.raises(LedgerImmutable):
        leg.delete()
    entry.memo = "changed"
    with pytest.raises(LedgerImmutable):
        entry.save()
    with pytest.raises(LedgerImmutable):
        entry.delete()
    entry.refresh_from_db()
    assert entry.memo == "Contribution received"


def test_account_balances_runs_in_exactly_one_query(fund, admin_user, django_assert_num_queries):
    receive(fund, admin_user, "100.00")
    receive(fund, admin_user, "50.00", day=APRIL)
    post_entry(
        fund,
        APRIL,
        "Travel",
        [debit(AccountKey.TRAVEL_EXPENDITURE, usd("30")), credit(AccountKey.BANK, usd("30"))],
        admin_user,
    )
    with django_assert_num_queries(1):
        balances = account_balances(fund)
    assert balances[AccountKey.BANK].balance == Decimal("120.00")
    assert balances[AccountKey.CONTRIBUTIONS].balance == Decimal("150.00")
    assert balances[AccountKey.TRAVEL_EXPENDITURE].balance == Decimal("30.00")


def test_balances_as_of_a_date_exclude_later_entries(fund, admin_user):
    receive(fund, admin_user, "100.00", day=MARCH)
    receive(fund, admin_user, "40.00", day=APRIL)

    as_of_march = account_balances(fund, as_of=datetime.date(2019, 3, 31))
    assert as_of_march[AccountKey.BANK].debit == Decimal("100.00")
    as_of_entry_day = account_balances(fund, as_of=APRIL)
    assert as_of_entry_day[AccountKey.BANK].debit == Decimal("140.00")
    assert account_balances(fund, as_of=datetime.date(2019, 3, 14)) == {}
    assert balance(fund, AccountKey.BANK, as_of=datetime.date(2019, 4, 9)) == usd("100.00")


def test_balances_ignore_draft_entries(fund, admin_user):
    receive(fund, admin_user, "10.00")
    draft = JournalEntry.objects.create(fund=fund, date=MARCH, memo="draft", created_by=admin_user)
    Leg.objects.create(
        entry=draft,
        account=fund.account(AccountKey.BANK),
        debit=Decimal("999"),
        original=usd("999"),
    )
    assert balance(fund, AccountKey.BANK) == usd("10.00")


def test_balances_of_one_fund_ignore_another_funds_entries(fund, admin_user):
    other = open_fund(
        code="OTHER",
        name="Other fund",
        by=admin_user,
        psc_rate_pct=Decimal("7"),
        psc_from=datetime.date(2018, 1, 1),
    )
    receive(fund, admin_user, "10.00")
    receive(other, admin_user, "99.00")
    assert balance(fund, AccountKey.BANK) == usd("10.00")
    assert balance(other, AccountKey.BANK) == usd("99.00")


def test_every_posting_writes_an_audit_record_with_actor_and_memo(fund, admin_user):
    entry = receive(fund, admin_user, "75.00")
    records = list(AuditRecord.objects.for_object(entry))
    assert len(records) == 1
    record = records[0]
    assert record.action == "ledger:posted"
    assert record.actor == admin_user
    assert record.reason == "Contribution received"
    assert record.data["fund"] == fund.code
    assert record.data["total"] == "75.00"


def test_a_posting_by_a_system_actor_is_audited_under_that_name(fund):
    entry = receive(fund, "stripe-webhook")
    assert entry.system_actor == "stripe-webhook"
    assert entry.created_by is None
    record = AuditRecord.objects.for_object(entry).get()
    assert record.actor is None
    assert record.system_actor == "stripe-webhook"
    assert record.who == "stripe-webhook"


def test_a_reversal_is_audited_too(fund, admin_user, make_user):
    finance = make_user("finance")
    entry = receive(fund, admin_user)
    reversal = reverse_entry(entry, finance, "duplicate")
    record = AuditRecord.objects.for_object(reversal).get()
    assert record.actor == finance
    assert record.action == "ledger:posted"
    assert "duplicate" in record.reason


def test_posting_without_an_actor_is_refused_and_nothing_is_saved(fund):
    with pytest.raises(ValueError):
        receive(fund, None)
    assert JournalEntry.objects.count() == 0


def test_a_given_base_amount_that_rounds_to_nothing_is_refused_clearly(fund, rates, admin_user):
    """A leg whose fund-currency amount rounds to zero: a clear refusal, not
    a division by zero while working out its rate."""
    with pytest.raises(LedgerError, match="worth nothing in USD once rounded"):
        post_entry(
            fund,
            datetime.date(2019, 3, 20),
            "Tiny",
            [
                debit(AccountKey.BANK, Money("0.001", "KWD"), Money("0.001", "USD")),
                credit(AccountKey.CONTRIBUTIONS, Money("0.001", "KWD"), Money("0.001", "USD")),
            ],
            admin_user,
        )
    assert not JournalEntry.objects.exists()


def test_post_entry_keeps_each_account_s_day_totals_in_thousandths(fund, admin_user):
    from fundmgr.models import DayTotal
    from fundmgr.services.ledger import day_totals_drift, rebuild_day_totals

    receive(fund, admin_user, "100.10", day=APRIL)
    receive(fund, admin_user, "0.25", day=APRIL)
    backdated = receive(fund, admin_user, "7.05", day=MARCH)
    reverse_entry(backdated, admin_user, "typed twice", date=APRIL)

    def totals():
        return {
            (row.account.key, row.date): (row.debits, row.credits)
            for row in DayTotal.objects.filter(account__fund=fund).select_related("account")
        }

    assert totals() == {
        (AccountKey.BANK, MARCH): (7050, 0),
        (AccountKey.CONTRIBUTIONS, MARCH): (0, 7050),
        (AccountKey.BANK, APRIL): (100350, 7050),
        (AccountKey.CONTRIBUTIONS, APRIL): (7050, 100350),
    }
    assert day_totals_drift(fund) == []
    kept = totals()
    assert rebuild_day_totals(fund) == 4
    assert totals() == kept
