"""Properties of rate corrections under random sequences of imports,
replacements, revisions and postings, against a model kept in Python:

- the rate looked up for a day is the latest one effective on or before it
  (in its month), whatever was replaced or revised;
- a rate is replaceable exactly when no posted entry was converted at it;
- posted legs never change.

Each example runs in a savepoint rolled back at its end, so examples never see
each other's rates.
"""

from __future__ import annotations

import datetime
import io
import itertools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundmgr.chart import AccountKey as K
from fundmgr.models import ExchangeRate, Leg
from fundmgr.money import money
from fundmgr.rate_queries import entries_using
from fundmgr.roles import Role
from fundmgr.services.ledger import credit, debit, post_entry
from fundmgr.services.rate_corrections import RateCorrectionRefused, replace_rate, revise_rate
from fundmgr.services.rate_import import import_exchange_rates
from fundmgr.services.rates import MissingExchangeRate, rate_on
from fundmgr.tabular import FileRejected

pytestmark = pytest.mark.django_db

FIRST = datetime.date(2019, 3, 1)
DAYS = [FIRST + datetime.timedelta(days=n) for n in range(61)]  # March and April
RATES = [Decimal("0.85") + Decimal("0.01") * n for n in range(11)]

day = st.sampled_from(DAYS)
rate = st.sampled_from(RATES)
operation = st.one_of(
    st.tuples(st.just("import"), day, rate),
    st.tuples(st.just("replace"), day, rate),
    st.tuples(st.just("revise"), day, rate),
    st.tuples(st.just("post"), day, st.just(None)),
)


@dataclass
class Model:
    """Current rates by effective date, each (identity, figure); the
    identities entries were converted at."""

    rows: dict[datetime.date, tuple[int, Decimal]] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)
    ids: itertools.count = field(default_factory=itertools.count)

    def in_force(self, on: datetime.date) -> tuple[int, Decimal] | None:
        dates = [d for d in self.rows if d <= on and d.month == on.month]
        return self.rows[max(dates)] if dates else None


def legs_snapshot(entry) -> list[tuple]:
    return list(
        Leg.objects.filter(entry=entry)
        .order_by("id")
        .values_list("debit", "credit", "original", "original_currency", "rate", "rate_date")
    )


def run(ops, fund, officer) -> None:
    model = Model()
    posted = []
    for kind, on, figure in ops:
        if kind == "import":
            existing = model.rows.get(on)
            content = f"currency,effective_date,units_per_usd\nEUR,{on},{figure}\n".encode()
            try:
                result = import_exchange_rates(io.BytesIO(content), officer, name="r.csv")
            except FileRejected:
                assert existing is not None and existing[0] in model.used
                assert existing[1] != figure
                continue
            if existing is None:
                assert result.created == 1
                model.rows[on] = (next(model.ids), figure)
            elif existing[1] == figure:
                assert result.unchanged == 1
            else:
                assert result.replaced == 1 and existing[0] not in model.used
                model.rows[on] = (existing[0], figure)
        elif kind == "replace":
            if on not in model.rows:
                continue
            ident, old = model.rows[on]
            row = ExchangeRate.objects.current().get(currency="EUR", effective_date=on)
            try:
                replace_rate(row, figure, "property test", officer)
            except RateCorrectionRefused:
                assert ident in model.used or old == figure
                continue
            assert ident not in model.used and old != figure
            model.rows[on] = (ident, figure)
        elif kind == "revise":
            before = model.in_force(on)
            try:
                revise_rate("EUR", on, figure, "property test", officer)
            except RateCorrectionRefused:
                assert before is None or before[1] == figure
                continue
            assert before is not None and before[1] != figure
            model.rows[on] = (next(model.ids), figure)
        else:
            expected = model.in_force(on)
            try:
                entry = post_eur(fund, on, officer)
            except MissingExchangeRate:
                assert expected is None
                continue
            assert expected is not None
            dollars = (Decimal(88) / expected[1]).quantize(Decimal("0.01"), ROUND_HALF_UP)
            assert Leg.objects.filter(entry=entry, debit=dollars).exists()
            model.used.add(expected[0])
            posted.append((entry, legs_snapshot(entry)))

    for on in DAYS:
        expected = model.in_force(on)
        if expected is None:
            with pytest.raises(MissingExchangeRate):
                rate_on("EUR", on)
        else:
            assert rate_on("EUR", on).units_per_usd == expected[1], on
    for entry, legs in posted:
        assert legs_snapshot(entry) == legs
    for on, (ident, _figure) in model.rows.items():
        row = ExchangeRate.objects.current().get(currency="EUR", effective_date=on)
        assert entries_using(row).exists() == (ident in model.used), on


def post_eur(fund, on, by):
    return post_entry(
        fund,
        on,
        "EUR gift",
        [debit(K.BANK, money("88", "EUR")), credit(K.CONTRIBUTIONS, money("88", "EUR"))],
        by,
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=12))
def test_lookups_follow_corrections_and_posted_legs_never_change(fund, make_user, ops):
    with transaction.atomic():
        run(ops, fund, make_user("prop-fin", Role.FINANCE_OFFICER))
        transaction.set_rollback(True)
