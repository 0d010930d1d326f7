"""Properties of the ledger under random sequences of postings and reversals.

Hypothesis keeps the database between the examples of one test (the test's
transaction is rolled back only at the end), so every example opens its own
fund under a fresh code and looks at that fund only.
"""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db.models import Count, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from fundmgr.chart import DEBIT_NORMAL, STANDARD_CHART
from fundmgr.models import AuditRecord, JournalEntry, Leg
from fundmgr.money import Money, minor_units
from fundmgr.services.funds import open_fund
from fundmgr.services.ledger import (
    LedgerError,
    UnbalancedEntry,
    account_balances,
    credit,
    debit,
    post_entry,
    reverse_entry,
)

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TRUST_FUND_KEYS = [spec.key.value for spec in STANDARD_CHART if not spec.segregated]
HOST_KEYS = [spec.key.value for spec in STANDARD_CHART if spec.segregated]
KINDS = {spec.key.value: spec.kind for spec in STANDARD_CHART}

# The `rates` fixture: EUR in March and April, JPY and KWD in March only
# (rates are valid within their own month).
UNITS_PER_USD = {
    ("EUR", 3): Decimal("0.880"),
    ("EUR", 4): Decimal("0.890"),
    ("JPY", 3): Decimal("111.000"),
    ("KWD", 3): Decimal("0.303"),
}
DAYS = [datetime.date(2019, 3, 5), datetime.date(2019, 3, 28), datetime.date(2019, 4, 10)]

_codes = itertools.count(1)


def fresh_fund(by):
    return open_fund(
        code=f"PROP{next(_codes)}",
        name="Property test fund",
        by=by,
        psc_rate_pct=Decimal("8"),
        psc_from=datetime.date(2018, 1, 1),
    )


def currencies_on(day: datetime.date) -> list[str]:
    return ["USD", *sorted(c for (c, month) in UNITS_PER_USD if month == day.month)]


def usd_value(amount: Decimal, currency: str, day: datetime.date) -> Decimal:
    """The base amount, computed independently of fundmgr.services.rates."""
    if currency == "USD":
        return amount
    rate = UNITS_PER_USD[(currency, day.month)]
    return (amount / rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@st.composite
def entries(draw, *, balanced: bool = True):
    """(day, [(key, side, Money), ...], base amounts) of one entry that
    balances in USD once converted (or, if not ``balanced``, does not)."""
    day = draw(st.sampled_from(DAYS))
    keys = draw(st.sampled_from([TRUST_FUND_KEYS, HOST_KEYS]))
    count = draw(st.integers(min_value=1, max_value=4))
    legs = []
    net = Decimal(0)  # debits - credits, in USD
    for _ in range(count):
        key = draw(st.sampled_from(keys))
        side = draw(st.sampled_from(["debit", "credit"]))
        currency = draw(st.sampled_from(currencies_on(day)))
        places = minor_units(currency)
        # At least one major unit, so that no leg rounds to nothing in USD.
        units = draw(st.integers(min_value=10**places, max_value=5_000_000 * 10**places))
        amount = Decimal(units).scaleb(-places)
        base = usd_value(amount, currency, day)
        net += base if side == "debit" else -base
        legs.append((key, side, Money(amount, currency), base))
    balancing_key = draw(st.sampled_from(keys))
    if net:
        side = "credit" if net > 0 else "debit"
        legs.append((balancing_key, side, Money(abs(net), "USD"), abs(net)))
    elif len(legs) < 2:  # pragma: no cover - one positive leg never nets to zero
        raise AssertionError("unreachable")
    if not balanced:
        cents = draw(st.integers(min_value=1, max_value=10_000))
        off = Decimal(cents).scaleb(-2)
        legs.append(
            (balancing_key, draw(st.sampled_from(["debit", "credit"])), Money(off, "USD"), off)
        )
    return day, legs


def specs(legs):
    return [(debit if side == "debit" else credit)(key, amount) for key, side, amount, _b in legs]


def python_totals(fund, as_of: datetime.date | None = None) -> dict[str, tuple[Decimal, Decimal]]:
    """Debit and credit totals per account, summed in Python over the legs."""
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    legs = Leg.objects.filter(entry__fund=fund, entry__status=JournalEntry.Status.POSTED)
    for leg in legs.select_related("account", "entry"):
        if as_of is not None and leg.entry.date > as_of:
            continue
        totals[leg.account.key][0] += leg.debit
        totals[leg.account.key][1] += leg.credit
    return {key: (d, c) for key, (d, c) in totals.items()}


def assert_every_posted_entry_balances_in_sql(fund) -> None:
    rows = (
        JournalEntry.objects.filter(fund=fund, status=JournalEntry.Status.POSTED)
        .annotate(debits=Sum("legs__debit"), credits=Sum("legs__credit"), legs_count=Count("legs"))
        .values_list("pk", "debits", "credits", "legs_count")
    )
    for pk, debits, credits, legs_count in rows:
        assert legs_count >= 2, f"entry #{pk} has {legs_count} legs"
        assert debits == credits, f"entry #{pk}: debits {debits} != credits {credits}"
        assert debits > 0


def assert_balances_match_python(fund, as_of: datetime.date | None = None) -> None:
    from_sql = account_balances(fund, as_of)
    from_python = python_totals(fund, as_of)
    assert set(from_sql) == set(from_python)
    for key, (debits, credits) in from_python.items():
        row = from_sql[key]
        assert (row.debit, row.credit) == (debits, credits), key
        normal = debits - credits if KINDS[key] in DEBIT_NORMAL else credits - debits
        assert row.balance == normal


def test_ledger_state_machine_keeps_every_entry_balanced_and_balances_exact(admin_user, rates):
    class LedgerMachine(RuleBasedStateMachine):
        """Random postings and reversals on one fresh fund per run."""

        @initialize()
        def open(self):
            self.fund = fresh_fund(admin_user)
            # The model: per account key, USD debits and credits.
            self.model: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
            self.reversible: list[JournalEntry] = []
            self.reversed: list[JournalEntry] = []

        @rule(entry=entries())
        def post(self, entry):
            day, legs = entry
            posted = post_entry(self.fund, day, "random posting", specs(legs), admin_user)
            assert posted.status == JournalEntry.Status.POSTED
            assert posted.date == day
            for key, side, _amount, base in legs:
                self.model[key][0 if side == "debit" else 1] += base
            self.reversible.append(posted)

        @precondition(lambda self: self.reversible)
        @rule(data=st.data())
        def reverse(self, data):
            entry = data.draw(st.sampled_from(self.reversible))
            reversal = reverse_entry(entry, admin_user, "random reversal")
            assert reversal.reverses_id == entry.pk
            for leg in entry.legs.select_related("account"):
                # A reversal debits what was credited and credits what was debited.
                self.model[leg.account.key][0] += leg.credit
                self.model[leg.account.key][1] += leg.debit
            self.reversible.remove(entry)
            self.reversed.append(entry)
            self.reversible.append(reversal)

        @precondition(lambda self: self.reversed)
        @rule(data=st.data())
        def reverse_again_is_refused(self, data):
            entry = data.draw(st.sampled_from(self.reversed))
            entries_before = JournalEntry.objects.filter(fund=self.fund).count()
            with pytest.raises(LedgerError):
                reverse_entry(entry, admin_user, "twice")
            assert JournalEntry.objects.filter(fund=self.fund).count() == entries_before

        @invariant()
        def every_posted_entry_balances(self):
            assert_every_posted_entry_balances_in_sql(self.fund)

        @invariant()
        def balances_equal_the_sum_of_legs(self):
            assert_balances_match_python(self.fund)
            sql = account_balances(self.fund)
            expected = {key: (d, c) for key, (d, c) in self.model.items() if d or c}
            assert {key: (row.debit, row.credit) for key, row in sql.items()} == expected

        @invariant()
        def trust_fund_and_host_balances_partition_the_ledger(self):
            whole = account_balances(self.fund)
            trust = account_balances(self.fund, segregated=False)
            host = account_balances(self.fund, segregated=True)
            assert set(trust).isdisjoint(host)
            assert {**trust, **host} == whole
            assert all(key in TRUST_FUND_KEYS for key in trust)

        @invariant()
        def the_fund_balances_in_total(self):
            rows = account_balances(self.fund).values()
            assert sum(row.debit for row in rows) == sum(row.credit for row in rows)

    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(SETTINGS, stateful_step_count=8),
    )


@SETTINGS
@given(postings=st.lists(entries(), min_size=1, max_size=6), cut=st.sampled_from(DAYS))
def test_balances_as_of_any_date_equal_the_sum_of_earlier_legs(admin_user, rates, postings, cut):
    fund = fresh_fund(admin_user)
    for day, legs in postings:
        post_entry(fund, day, "random posting", specs(legs), admin_user)
    assert_every_posted_entry_balances_in_sql(fund)
    assert_balances_match_python(fund)
    assert_balances_match_python(fund, as_of=cut)
    expected: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for day, legs in postings:
        if day <= cut:
            for key, side, _amount, base in legs:
                expected[key][0 if side == "debit" else 1] += base
    got = {k: (row.debit, row.credit) for k, row in account_balances(fund, cut).items()}
    assert got == {k: (d, c) for k, (d, c) in expected.items()}


@SETTINGS
@given(entry=entries(balanced=False))
def test_an_unbalanced_random_entry_is_refused_and_records_nothing(admin_user, rates, entry):
    fund = fresh_fund(admin_user)
    audit_before = AuditRecord.objects.count()
    day, legs = entry
    with pytest.raises(UnbalancedEntry):
        post_entry(fund, day, "unbalanced", specs(legs), admin_user)
    assert not JournalEntry.objects.filter(fund=fund).exists()
    assert account_balances(fund) == {}
    assert AuditRecord.objects.count() == audit_before
