"""Properties of the entitlement arithmetic, for any figures: the breakdown
adds up to the cost, and PSC is the cost times the rate rounded half up to
the cent."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from grants.models import DsaRate, TerminalExpense
from grants.services.entitlement import AirfareChoice, entitlement_from, psc_on

cents = st.integers(min_value=1, max_value=10**9).map(lambda n: Decimal(n) / 100)
percent = st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n) / 100)


def half_up_cents(value: Fraction) -> Decimal:
    """Half up to the cent, computed with exact fractions (not Decimal.quantize)."""
    scaled = value * 100
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(whole) / 100


@given(
    airfare=cents,
    dsa=cents,
    nights=st.integers(min_value=0, max_value=60),
    terminal=cents,
    pct=percent,
)
def test_the_breakdown_always_adds_up_to_the_cost_and_psc_rounds_half_up(
    airfare, dsa, nights, terminal, pct
):
    quote = SimpleNamespace(route="A-B", base_amount=airfare, travel_hours=Decimal(10))
    entitlement = entitlement_from(
        choice=AirfareChoice(quote, "note"),
        dsa=DsaRate(amount=dsa),
        nights=nights,
        terminal=TerminalExpense(amount=terminal),
        psc_pct=pct,
    )
    assert sum(line.amount for line in entitlement.breakdown) == entitlement.cost
    assert entitlement.cost == airfare + dsa * nights + terminal
    expected = half_up_cents(Fraction(entitlement.cost) * Fraction(pct) / 100)
    assert entitlement.psc_amount == expected
    assert entitlement.total == entitlement.cost + expected


@given(cost=cents, pct=percent)
def test_psc_is_never_more_than_half_a_cent_from_the_exact_figure(cost, pct):
    exact = Fraction(cost) * Fraction(pct) / 100
    assert abs(Fraction(psc_on(cost, pct)) - exact) <= Fraction(1, 200)


def test_psc_rounds_an_exact_half_cent_up():
    assert psc_on(Decimal("0.0625") * 100, Decimal("8")) == Decimal("0.50")
    assert psc_on(Decimal("1.0625"), Decimal("100")) == Decimal("1.06")
    assert psc_on(Decimal("0.25"), Decimal("2")) == Decimal("0.01")  # 0.005 -> 0.01
